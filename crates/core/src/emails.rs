//! Email addresses as admins type and paste them into Invite Users: splitting a pasted list,
//! validating each address, and telling when two addresses are the same person.
//!
//! Validation is pragmatic rather than full RFC 5322: it accepts what real people's addresses
//! look like, and refuses typos (a missing @, a stray space, a domain without a dot) at once.

/// Most addresses one invitation request takes.
pub const MAX_INVITATIONS: usize = 500;

/// The longest address SMTP carries; a domain's own limit (253) follows from it.
const MAX_ADDRESS: usize = 254;
const MAX_LOCAL_PART: usize = 64;
const MAX_LABEL: usize = 63;

/// Why an address is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailError {
    Empty,
    MissingAt,
    BadLocalPart,
    BadDomain,
    TooLong,
}

impl EmailError {
    /// Short enough for a chip's tooltip.
    pub fn message(self) -> &'static str {
        match self {
            EmailError::Empty => "Empty address",
            EmailError::MissingAt => "Missing @",
            EmailError::BadLocalPart => "Invalid name before @",
            EmailError::BadDomain => "Invalid domain",
            EmailError::TooLong => "Too long",
        }
    }
}

/// Characters that end an address as it is typed: comma, semicolon, whitespace (space, tab,
/// newline).
pub fn is_separator(c: char) -> bool {
    c == ',' || c == ';' || c.is_whitespace()
}

/// Separators that also end a display name (`Ann Lee <ann@x.io>` spans spaces, not lines).
fn is_hard_separator(c: char) -> bool {
    matches!(c, ',' | ';' | '\n' | '\r')
}

/// One address as typed or pasted: trims, accepts `Name <addr>` and `"Last, First" <addr>`
/// (mail client / spreadsheet forms) and `<addr>`, returns the bare address with the domain
/// lower-cased.
pub fn validate_email(raw: &str) -> Result<String, EmailError> {
    let raw = raw.trim();
    // The display name is free text (it may itself contain `<` or `@` inside quotes), so the
    // address is what the last `<` opens.
    let address = match raw.strip_suffix('>').and_then(|rest| rest.rsplit_once('<')) {
        Some((_name, address)) => address.trim(),
        None => raw,
    };
    if address.is_empty() {
        return Err(EmailError::Empty);
    }
    let (local, domain) = address.rsplit_once('@').ok_or(EmailError::MissingAt)?;
    let domain = domain.to_lowercase();
    if local.len() > MAX_LOCAL_PART || local.len() + 1 + domain.chars().count() > MAX_ADDRESS {
        return Err(EmailError::TooLong);
    }
    if !valid_local_part(local) {
        return Err(EmailError::BadLocalPart);
    }
    if !valid_domain(&domain) {
        return Err(EmailError::BadDomain);
    }
    Ok(format!("{local}@{domain}"))
}

/// Dot-separated atoms of letters, digits and the printable specials RFC 5322 allows
/// unquoted (quoted local parts are left out: nobody types them).
fn valid_local_part(local: &str) -> bool {
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    !local.is_empty()
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

/// At least two labels of letters, digits and inner hyphens, ending in an alphabetic top-level
/// domain (or its punycode `xn--` form). Non-ASCII letters are allowed for international
/// domain names.
fn valid_domain(domain: &str) -> bool {
    let label_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c.is_alphabetic();
    let valid_label = |label: &str| {
        (1..=MAX_LABEL).contains(&label.chars().count())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(label_char)
    };
    let Some((_, top)) = domain.rsplit_once('.') else {
        return false;
    };
    let valid_top = (top.chars().count() >= 2 && top.chars().all(char::is_alphabetic))
        || top.starts_with("xn--");
    valid_top && domain.split('.').all(valid_label)
}

/// Splits pasted or typed text into the raw pieces to validate: on separators, except inside
/// `<...>` and double quotes, so that `Ann Lee <ann@x.io>, "Doe, Jo" <jo@y.io>` gives two
/// pieces. Empty pieces dropped.
pub fn split_email_list(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    // Words without an @ that may be the display name of an `<address>` still to come.
    let mut name: Vec<&str> = Vec::new();
    for word in words(text) {
        if word.after_hard_separator {
            pieces.extend(name.drain(..).map(str::to_owned));
        }
        if word.bracketed {
            name.push(word.text);
            pieces.push(name.join(" "));
            name.clear();
        } else if word.has_at {
            pieces.extend(name.drain(..).map(str::to_owned));
            pieces.push(word.text.to_owned());
        } else {
            name.push(word.text);
        }
    }
    pieces.extend(name.into_iter().map(str::to_owned));
    pieces
}

/// A run of text between separators.
struct Word<'a> {
    text: &'a str,
    /// A comma, semicolon or line break comes between it and the previous word.
    after_hard_separator: bool,
    /// It holds a `<...>`.
    bracketed: bool,
    /// It holds an @ outside quotes and brackets.
    has_at: bool,
}

/// The words of `text`. A quote or `<` only opens a span when a closing one follows somewhere,
/// so that a stray one cannot swallow the rest of the list.
fn words(text: &str) -> Vec<Word<'_>> {
    let last_quote = text.rfind('"');
    let last_bracket = text.rfind('>');
    let mut words = Vec::new();
    let mut start = None;
    let (mut quoted, mut in_brackets) = (false, false);
    let (mut hard, mut bracketed, mut has_at) = (false, false, false);
    for (i, c) in text.char_indices() {
        if quoted {
            quoted = c != '"';
            continue;
        }
        if in_brackets {
            in_brackets = c != '>';
            continue;
        }
        if is_separator(c) {
            if let Some(start) = start.take() {
                words.push(Word {
                    text: &text[start..i],
                    after_hard_separator: hard,
                    bracketed,
                    has_at,
                });
                (hard, bracketed, has_at) = (false, false, false);
            }
            hard |= is_hard_separator(c);
            continue;
        }
        start.get_or_insert(i);
        match c {
            '"' => quoted = last_quote.is_some_and(|last| last > i),
            '<' if last_bracket.is_some_and(|last| last > i) => {
                in_brackets = true;
                bracketed = true;
            }
            '@' => has_at = true,
            _ => {}
        }
    }
    if let Some(start) = start {
        words.push(Word {
            text: &text[start..],
            after_hard_separator: hard,
            bracketed,
            has_at,
        });
    }
    words
}

/// The key under which two addresses are the same person (the whole address lower-cased).
pub fn email_key(address: &str) -> String {
    address.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid(raw: &str) -> String {
        validate_email(raw).unwrap_or_else(|error| panic!("{raw:?}: {}", error.message()))
    }

    fn invalid(raw: &str) -> EmailError {
        validate_email(raw).expect_err(raw)
    }

    #[test]
    fn accepts_everyday_addresses() {
        for address in [
            "ann@example.com",
            "ann.lee@mail.example.co.uk",
            "ann+invites@example.io",
            "o'brien@example.ie",
            "x@x.io",
            "first_last-1@sub-domain.example",
            "!#$%&'*+/=?^_`{|}~-@example.com",
            "ann@123.example.com",
            "ann@xn--bcher-kva.example",
            "ann@example.xn--p1ai",
        ] {
            assert_eq!(valid(address), address);
        }
    }

    #[test]
    fn trims_and_lower_cases_only_the_domain() {
        assert_eq!(valid("  Ann.Lee@Example.COM \n"), "Ann.Lee@example.com");
        assert_eq!(valid("\tZOE@ACME.IO"), "ZOE@acme.io");
    }

    #[test]
    fn accepts_international_domains() {
        assert_eq!(valid("ann@bücher.de"), "ann@bücher.de");
        assert_eq!(valid("ann@BÜCHER.DE"), "ann@bücher.de");
        assert_eq!(valid("ivan@пример.рф"), "ivan@пример.рф");
        assert_eq!(valid("li@例子.中国"), "li@例子.中国");
    }

    #[test]
    fn accepts_mail_client_forms() {
        assert_eq!(valid("Ann Lee <ann@x.io>"), "ann@x.io");
        assert_eq!(valid("\"Doe, Jo\" <jo@Y.io>"), "jo@y.io");
        assert_eq!(valid("<ann@x.io>"), "ann@x.io");
        assert_eq!(valid("< ann@x.io >"), "ann@x.io");
        assert_eq!(valid("Ann<ann@x.io>"), "ann@x.io");
        assert_eq!(valid("\"ann@x.io\" <ann@x.io>"), "ann@x.io");
        assert_eq!(valid("\"a <b>\" <c@d.io>"), "c@d.io");
    }

    #[test]
    fn says_what_is_wrong() {
        for (raw, error) in [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("<>", EmailError::Empty),
            ("Ann Lee <>", EmailError::Empty),
            ("ann", EmailError::MissingAt),
            ("ann.example.com", EmailError::MissingAt),
            ("Ann <ann.example.com>", EmailError::MissingAt),
            ("@example.com", EmailError::BadLocalPart),
            (".ann@example.com", EmailError::BadLocalPart),
            ("ann.@example.com", EmailError::BadLocalPart),
            ("ann..lee@example.com", EmailError::BadLocalPart),
            ("ann lee@example.com", EmailError::BadLocalPart),
            ("ann@lee@example.com", EmailError::BadLocalPart),
            ("\"ann\"@example.com", EmailError::BadLocalPart),
            ("ann(x)@example.com", EmailError::BadLocalPart),
            ("anné@example.com", EmailError::BadLocalPart),
            ("ann@", EmailError::BadDomain),
            ("ann@example", EmailError::BadDomain),
            ("ann@example.", EmailError::BadDomain),
            ("ann@.example.com", EmailError::BadDomain),
            ("ann@example..com", EmailError::BadDomain),
            ("ann@-example.com", EmailError::BadDomain),
            ("ann@example-.com", EmailError::BadDomain),
            ("ann@example.c", EmailError::BadDomain),
            ("ann@example.c0m", EmailError::BadDomain),
            ("ann@example.123", EmailError::BadDomain),
            ("ann@exa mple.com", EmailError::BadDomain),
            ("ann@exam_ple.com", EmailError::BadDomain),
            ("ann@example.com>", EmailError::BadDomain),
            ("ann@[127.0.0.1]", EmailError::BadDomain),
            ("ann@example.com\u{0}", EmailError::BadDomain),
        ] {
            assert_eq!(invalid(raw), error, "{raw:?}");
            assert!(!error.message().is_empty());
        }
    }

    #[test]
    fn enforces_the_lengths() {
        let local = "a".repeat(64);
        assert_eq!(valid(&format!("{local}@x.io")), format!("{local}@x.io"));
        assert_eq!(invalid(&format!("a{local}@x.io")), EmailError::TooLong);

        let label = "b".repeat(63);
        assert!(validate_email(&format!("ann@{label}.io")).is_ok());
        assert_eq!(invalid(&format!("ann@b{label}.io")), EmailError::BadDomain);

        // Three labels of 63 and a dot each, one of 57, and ".io".
        let domain = format!("{label}.").repeat(3) + &"c".repeat(57) + ".io";
        assert_eq!(format!("a@{domain}").len(), 254);
        assert!(validate_email(&format!("a@{domain}")).is_ok());
        assert_eq!(invalid(&format!("ab@{domain}")), EmailError::TooLong);
        assert_eq!(invalid(&format!("a@c{domain}")), EmailError::TooLong);
    }

    #[test]
    fn separators_are_commas_semicolons_and_whitespace() {
        for c in [',', ';', ' ', '\t', '\n', '\r'] {
            assert!(is_separator(c), "{c:?}");
        }
        for c in ['@', '.', '<', '"', 'a'] {
            assert!(!is_separator(c), "{c:?}");
        }
    }

    #[test]
    fn splits_on_any_separator() {
        assert_eq!(
            split_email_list("a@x.io, b@x.io;c@x.io d@x.io\te@x.io\nf@x.io\r\ng@x.io"),
            [
                "a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io", "g@x.io"
            ]
        );
        assert_eq!(split_email_list(" ,; a@x.io ,,\n\n ; "), ["a@x.io"]);
        assert!(split_email_list("").is_empty());
        assert!(split_email_list(" ,;\t\n").is_empty());
    }

    #[test]
    fn keeps_names_with_their_addresses() {
        assert_eq!(
            split_email_list("Ann Lee <ann@x.io>, \"Doe, Jo\" <jo@y.io>"),
            ["Ann Lee <ann@x.io>", "\"Doe, Jo\" <jo@y.io>"]
        );
        assert_eq!(
            split_email_list("Ann <a@x.io> Bob Stone <b@x.io> c@x.io <d@x.io>"),
            ["Ann <a@x.io>", "Bob Stone <b@x.io>", "c@x.io", "<d@x.io>"]
        );
        assert_eq!(
            split_email_list("Ann\tLee <ann@x.io>"),
            ["Ann Lee <ann@x.io>"]
        );
    }

    #[test]
    fn keeps_invalid_pieces_for_the_admin_to_see() {
        assert_eq!(
            split_email_list("ann, bob@, <c@x.io"),
            ["ann", "bob@", "<c@x.io"]
        );
        // A line break ends a name: a stray word on the line above is not swallowed.
        assert_eq!(
            split_email_list("oops\nAnn <ann@x.io>"),
            ["oops", "Ann <ann@x.io>"]
        );
        // Words before an address without brackets are not its name.
        assert_eq!(
            split_email_list("Ann Lee ann@x.io"),
            ["Ann", "Lee", "ann@x.io"]
        );
    }

    #[test]
    fn a_stray_quote_or_bracket_does_not_swallow_the_list() {
        assert_eq!(
            split_email_list("\"Doe, a@x.io, b@x.io"),
            ["\"Doe", "a@x.io", "b@x.io"]
        );
        assert_eq!(split_email_list("a<b, c@x.io"), ["a<b", "c@x.io"]);
    }

    #[test]
    fn same_person_in_any_case() {
        assert_eq!(
            email_key("Ann.Lee@Example.com"),
            email_key("ann.lee@EXAMPLE.COM")
        );
        assert_ne!(email_key("ann@x.io"), email_key("anne@x.io"));
    }

    /// A valid address as people write it, and what validation makes of it.
    fn address() -> impl Strategy<Value = (String, String)> {
        let atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}";
        let local = prop::collection::vec(atom, 1..4).prop_map(|atoms| atoms.join("."));
        let label = "[A-Za-z0-9éüßж]([A-Za-z0-9éüßж-]{0,8}[A-Za-z0-9éüßж])?";
        let top = "[A-Za-zéж]{2,6}";
        let domain = (prop::collection::vec(label, 1..4), top)
            .prop_map(|(labels, top)| format!("{}.{top}", labels.join(".")));
        (local, domain).prop_map(|(local, domain)| {
            let expected = format!("{local}@{}", domain.to_lowercase());
            (format!("{local}@{domain}"), expected)
        })
    }

    /// An address in one of the forms it is pasted in.
    fn written_address() -> impl Strategy<Value = (String, String)> {
        let name = "[A-Za-zÀ-ÿ'-]{1,8}( [A-Za-zÀ-ÿ'-]{1,8}){0,2}";
        (address(), name, 0..4).prop_map(|((address, expected), name, form)| {
            let written = match form {
                0 => address,
                1 => format!("{name} <{address}>"),
                2 => format!("\"{name}, {name}\" <{address}>"),
                _ => format!("<{address}>"),
            };
            (written, expected)
        })
    }

    fn separators() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![",", ";", " ", "\t", "\n", "\r\n", ", "]),
            1..4,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn any_list_of_addresses_parses_back(
            list in prop::collection::vec((written_address(), separators()), 0..12),
            leading in separators(),
        ) {
            let text = list.iter().fold(leading, |text, ((written, _), separator)| text + written + separator);
            let parsed: Vec<String> = split_email_list(&text)
                .iter()
                .map(|piece| validate_email(piece))
                .collect::<Result<_, _>>()
                .map_err(|error| TestCaseError::fail(format!("{text:?}: {}", error.message())))?;
            let expected: Vec<&String> = list.iter().map(|((_, expected), _)| expected).collect();
            prop_assert_eq!(parsed.iter().collect::<Vec<_>>(), expected);
        }

        #[test]
        fn named_forms_round_trip((address, expected) in address(), name in "[^<>\"\\p{C}]{0,20}") {
            prop_assert_eq!(validate_email(&format!("{name} <{address}>")), Ok(expected.clone()));
            prop_assert_eq!(validate_email(&format!("\"{name}\" <{address}>")), Ok(expected.clone()));
            prop_assert_eq!(validate_email(&format!("<{address}>")), Ok(expected));
        }

        #[test]
        fn splitting_never_loses_a_valid_address(
            list in prop::collection::vec(
                prop_oneof![
                    written_address().prop_map(|(written, expected)| (written, Some(expected))),
                    // Typos and stray words: anything without quotes or brackets.
                    "[^\"<>\\p{C}]{1,12}".prop_map(|junk| (junk, None)),
                ],
                0..12,
            ),
            separator in separators(),
        ) {
            let text = list.iter().map(|(written, _)| written.as_str()).collect::<Vec<_>>().join(&separator);
            let found: Vec<String> = split_email_list(&text)
                .iter()
                .filter_map(|piece| validate_email(piece).ok())
                .collect();
            for expected in list.iter().filter_map(|(_, expected)| expected.as_ref()) {
                prop_assert!(found.contains(expected), "{expected} lost from {text:?}: {found:?}");
            }
        }

        #[test]
        fn validation_is_idempotent(raw in "\\PC{0,40}") {
            if let Ok(address) = validate_email(&raw) {
                prop_assert_eq!(validate_email(&address), Ok(address.clone()));
            }
        }

        #[test]
        fn validation_is_idempotent_on_valid_addresses((written, _) in written_address()) {
            let address = validate_email(&written).expect("a valid address");
            prop_assert_eq!(validate_email(&address), Ok(address.clone()));
        }

        #[test]
        fn pieces_are_never_empty_nor_padded(text in "\\PC{0,60}") {
            for piece in split_email_list(&text) {
                prop_assert!(!piece.is_empty());
                prop_assert_eq!(piece.trim(), piece.as_str());
            }
        }
    }
}
