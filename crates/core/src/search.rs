//! Case- and accent-insensitive search, as admins type it.
//!
//! Rows are folded once into a search key; each keystroke then folds only the query and runs
//! plain substring checks, which keeps search over a hundred thousand rows instant.

use crate::Member;

/// Base letters for U+00C0..=U+00FF; `*` marks the letters [`fold_char`] expands or keeps.
const LATIN_1: &[u8; 64] = b"aaaaaa*ceeeeiiiidnooooo*ouuuuy**aaaaaa*ceeeeiiiidnooooo*ouuuuy*y";
/// Base letters for U+0100..=U+017F (Latin Extended-A); `*` as above.
const LATIN_EXTENDED_A: &[u8; 128] = b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// Appends `c` lower-cased and without its accents to `out`.
fn fold_char(c: char, out: &mut String) {
    let base = match c as u32 {
        // Combining diacritical marks: what is left of an accent in decomposed text.
        0x0300..=0x036F => return,
        code @ 0xC0..=0xFF => LATIN_1[(code - 0xC0) as usize],
        code @ 0x100..=0x17F => LATIN_EXTENDED_A[(code - 0x100) as usize],
        _ => {
            // Lower-cased, then folded again: some letters lower into the tables above
            // (the Angstrom sign Å lowers to å, which folds to a).
            for lower in c.to_lowercase() {
                if lower == c {
                    out.push(lower);
                } else {
                    fold_char(lower, out);
                }
            }
            return;
        }
    };
    if base != b'*' {
        out.push(base as char);
        return;
    }
    match c {
        'Æ' | 'æ' => out.push_str("ae"),
        'Þ' | 'þ' => out.push_str("th"),
        'ß' => out.push_str("ss"),
        'Ĳ' | 'ĳ' => out.push_str("ij"),
        'Œ' | 'œ' => out.push_str("oe"),
        // × and ÷ are not letters.
        _ => out.push(c),
    }
}

/// `text` lower-cased and without accents: "Zoë Ångström" folds to "zoe angstrom".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

fn fold_into(text: &str, out: &mut String) {
    for c in text.chars() {
        fold_char(c, out);
    }
}

/// The folded text a row is searched by: its fields joined by newlines, which no query term
/// contains, so a term never matches across two fields.
pub fn search_key(fields: &[&str]) -> String {
    let mut key = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            key.push('\n');
        }
        fold_into(field, &mut key);
    }
    key
}

/// A member is found by full name or email.
pub fn member_search_key(member: &Member) -> String {
    search_key(&[&member.full_name, &member.email])
}

/// What the admin typed, folded and split into words; a row matches when every word occurs
/// in it ("ann smi" finds Ann Smith, "@acme" finds every Acme address).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    pub fn new(text: &str) -> Self {
        Self {
            terms: fold(text).split_whitespace().map(str::to_owned).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, key: &str) -> bool {
        self.terms.iter().all(|term| match term.as_bytes() {
            // The first letter of a word is most of a search's full passes over every row:
            // a byte scan, without setting up a substring searcher per row.
            &[byte] => key.as_bytes().contains(&byte),
            _ => key.contains(term.as_str()),
        })
    }

    /// Whether every key this query matches is also matched by `previous` (each of its terms
    /// is inside one of ours): typing on narrows, so only the previous matches need checking.
    pub fn narrows(&self, previous: &SearchQuery) -> bool {
        previous
            .terms
            .iter()
            .all(|old| self.terms.iter().any(|new| new.contains(old.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typing_on_narrows_and_deleting_does_not() {
        let zo = SearchQuery::new("zo");
        assert!(SearchQuery::new("Zoë").narrows(&zo));
        assert!(SearchQuery::new("zo mu").narrows(&zo));
        assert!(!SearchQuery::new("z").narrows(&zo));
        assert!(!SearchQuery::new("mu").narrows(&zo));
        assert!(SearchQuery::new("zo").narrows(&SearchQuery::new("")));
    }

    proptest! {
        /// The byte scan for one-letter terms finds what a substring search finds.
        #[test]
        fn one_letter_terms_match_as_substrings(key in "[a-zé ø\n]{0,12}", letter in "[a-zé]") {
            let key = fold(&key);
            let query = SearchQuery::new(&letter);
            prop_assert_eq!(query.matches(&key), key.contains(&fold(&letter)));
        }
    }

    proptest! {
        #[test]
        fn a_narrower_query_matches_only_what_the_previous_one_did(
            key in "[a-e ]{0,12}", old in "[a-e ]{0,4}", new in "[a-e ]{0,6}"
        ) {
            let (old, new) = (SearchQuery::new(&old), SearchQuery::new(&new));
            if new.narrows(&old) && new.matches(&key) {
                prop_assert!(old.matches(&key));
            }
        }
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Zoë Ångström"), "zoe angstrom");
        assert_eq!(fold("ÉLODIE Müller-Łukasz"), "elodie muller-lukasz");
        assert_eq!(fold("Straße Æsir Œuvre"), "strasse aesir oeuvre");
        assert_eq!(fold("Čech Đorđe Şahin Ţepeş"), "cech dorde sahin tepes");
        // Decomposed input (e + combining acute) folds like the composed letter.
        assert_eq!(fold("Rene\u{301}e"), "renee");
        assert_eq!(fold("3×4"), "3×4");
        assert_eq!(fold("Δήμητρα"), "δήμητρα");
    }

    #[test]
    fn the_tables_cover_their_ranges() {
        // Each letter of the two tables maps to its own base; spot-check the boundaries.
        assert_eq!(fold("ÀÿĀſ"), "ayas");
        assert_eq!(fold("ÑñŃŋ"), "nnnn");
        assert_eq!(fold("ŮűŴŸŹž"), "uuwyzz");
    }

    #[test]
    fn query_matches_name_or_partial_email_in_any_case() {
        let key = search_key(&["Zoë Ångström", "zoe.angstrom@Acme.example"]);
        for query in [
            "zoe",
            "ZOË",
            "angstrom zoe",
            "acme.ex",
            "@acme",
            "e.ang",
            "",
        ] {
            assert!(
                SearchQuery::new(query).matches(&key),
                "{query:?} should match"
            );
        }
        for query in ["zoey", "zoe bob", "angstrom.zoe"] {
            assert!(
                !SearchQuery::new(query).matches(&key),
                "{query:?} should not match"
            );
        }
    }

    #[test]
    fn a_term_never_spans_two_fields() {
        let key = search_key(&["Ann", "bob@example.com"]);
        assert!(!SearchQuery::new("annbob").matches(&key));
    }

    #[test]
    fn whitespace_only_query_is_empty() {
        assert!(SearchQuery::new(" \t ").is_empty());
        assert!(!SearchQuery::new(" a ").is_empty());
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(text in "\\PC{0,40}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        // ŉ is left out: it upper-cases to two characters ("ʼN"), an apostrophe and a letter.
        fn every_substring_of_a_field_matches(name in "[a-zA-Zà-ÿĀ-ňŊ-ž ]{1,30}", start in 0usize..30, len in 1usize..10) {
            let key = search_key(&[&name, "someone@example.com"]);
            let chars: Vec<char> = name.chars().collect();
            let start = start.min(chars.len() - 1);
            let end = (start + len).min(chars.len());
            let typed: String = chars[start..end].iter().collect();
            prop_assert!(SearchQuery::new(&typed).matches(&key));
            prop_assert!(SearchQuery::new(&typed.to_uppercase()).matches(&key));
        }
    }
}
