//! What an account's name and password may be: checked by the server, and by the join page
//! before anything is sent.

/// Longer names are refused: every admin's snapshot carries every member's name.
pub const FULL_NAME_MAX_CHARS: usize = 200;
/// ASVS 2.1.1.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longer passwords are refused before any hashing, so a request cannot make argon2 chew
/// megabytes (at most 4,000 bytes of UTF-8).
pub const PASSWORD_MAX_CHARS: usize = 1000;

/// Why a password or a name is refused: a stable code and a sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: &'static str,
}

/// Any password typed in (signing in, joining): bounded in length.
pub fn check_password_input(password: &str) -> Result<(), Refused> {
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return Err(Refused {
            code: "password_too_long",
            message: "Passwords are at most 1,000 characters long.",
        });
    }
    Ok(())
}

/// A password chosen for a new account: long enough, and bounded.
pub fn check_new_password(password: &str) -> Result<(), Refused> {
    check_password_input(password)?;
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(Refused {
            code: "weak_password",
            message: "Choose a password of at least 12 characters.",
        });
    }
    Ok(())
}

/// A full name as stored, from `one_line` text: present and at most
/// [`FULL_NAME_MAX_CHARS`] characters.
pub fn check_full_name(name: &str) -> Result<(), Refused> {
    if name.is_empty() {
        return Err(Refused {
            code: "full_name_required",
            message: "Enter your full name: it is how the organization's admins will know you.",
        });
    }
    if name.chars().count() > FULL_NAME_MAX_CHARS {
        return Err(Refused {
            code: "full_name_too_long",
            message: "A full name is at most 200 characters long.",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_need_twelve_characters_and_at_most_a_thousand() {
        assert_eq!(
            check_new_password("eleven char").unwrap_err().code,
            "weak_password"
        );
        assert_eq!(check_new_password("twelve chars"), Ok(()));
        assert_eq!(check_new_password(&"é".repeat(12)), Ok(()));
        assert_eq!(check_new_password(&"a".repeat(1000)), Ok(()));
        assert_eq!(
            check_new_password(&"a".repeat(1001)).unwrap_err().code,
            "password_too_long"
        );
        assert_eq!(check_password_input(&"é".repeat(1000)), Ok(()));
        assert_eq!(check_password_input("x"), Ok(()));
    }

    #[test]
    fn names_are_present_and_bounded() {
        assert_eq!(check_full_name("").unwrap_err().code, "full_name_required");
        assert_eq!(check_full_name(&"é".repeat(200)), Ok(()));
        assert_eq!(
            check_full_name(&"é".repeat(201)).unwrap_err().code,
            "full_name_too_long"
        );
    }
}
