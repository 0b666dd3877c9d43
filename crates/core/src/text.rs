//! What a line of text the server stores may hold: the characters people can see and type in
//! one line. Control characters (NUL, escape, line breaks and tabs among them; PostgreSQL
//! refuses NUL outright) and the invisible characters that reorder text or break it into
//! lines would otherwise reach admins' screens, exports and mails as something they did not
//! look like. The server refuses them in every string of a request body; search terms drop
//! them.

/// Whether `c` may not stand in a stored line of text.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first character of `text` that may not be stored, if any.
pub fn forbidden_character(text: &str) -> Option<char> {
    text.chars().find(|&c| is_forbidden(c))
}

/// `text` without the characters that may not be stored: for search terms, which match
/// nothing such characters could be part of.
pub fn without_forbidden(text: &str) -> String {
    text.chars().filter(|&c| !is_forbidden(c)).collect()
}

/// The JSON Schema `pattern` of a line of text: no forbidden character. Schemas write it out
/// (attributes take literals); a test checks that they agree.
pub const LINE_PATTERN: &str = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$";

/// The same, with at least one character that is not a space.
pub const NON_BLANK_LINE_PATTERN: &str = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_controls_and_reordering_but_not_letters() {
        for text in [
            "a\0b",
            "\u{1b}[31m",
            "a\r\nBcc: x",
            "\t",
            "\u{7f}",
            "\u{85}",
            "moc\u{202E}",
            "\u{2066}x",
            "x\u{2028}y",
        ] {
            assert!(forbidden_character(text).is_some(), "{text:?}");
        }
        for text in ["Zoë Ångström 李", "O'Brien-Smith", "عمر\u{200F}", "", "a b"] {
            assert_eq!(forbidden_character(text), None, "{text:?}");
        }
        assert_eq!(without_forbidden("a\0b\u{202E}c\n"), "abc");
    }

    /// The schema patterns name exactly the ranges `is_forbidden` refuses.
    #[test]
    fn the_patterns_name_what_is_refused() {
        let class = r"\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069";
        assert_eq!(LINE_PATTERN, format!("^[^{class}]*$"));
        assert_eq!(
            NON_BLANK_LINE_PATTERN,
            format!(r"^[^{class}]*[^\s{class}][^{class}]*$")
        );
        let ranges = [
            (0x00, 0x1F),
            (0x7F, 0x9F),
            (0x2028, 0x2029),
            (0x202A, 0x202E),
            (0x2066, 0x2069),
        ];
        for code in 0..=0x3000u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let in_ranges = ranges
                .iter()
                .any(|&(low, high)| (low..=high).contains(&code));
            assert_eq!(is_forbidden(c), in_ranges, "U+{code:04X}");
        }
    }
}
