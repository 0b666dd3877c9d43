//! Where to send someone after signing in.

/// `next` when it is a path on this site; `/` otherwise, so that a crafted sign-in link can
/// never send anyone to another origin. Browsers drop tabs and line breaks from URLs and read
/// `\` as `/`, so `/\t/evil.example` would be `//evil.example` to them: a path with either, or
/// with any other control character or space, is refused outright.
pub fn local_path(next: Option<&str>) -> &str {
    next.filter(|path| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    })
    .unwrap_or("/")
}

#[cfg(test)]
mod tests {
    use super::local_path;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is accepted stays on the site when a browser resolves it (the `url` crate
        /// implements the WHATWG URL standard browsers follow).
        #[test]
        fn what_passes_stays_on_the_site_as_browsers_parse_it(
            next in prop_oneof![
                "[/\\\\\t\n\r a-z.:%@?#]{0,12}",
                "/[\t\n\r /\\\\]{0,3}[a-z.]{0,8}",
                any::<String>(),
            ]
        ) {
            let site = url::Url::parse("https://allot.example/orgs/1/").unwrap();
            let target = site.join(local_path(Some(&next))).unwrap();
            prop_assert_eq!(target.origin(), site.origin(), "{:?}", next);
        }
    }

    #[test]
    fn only_paths_on_this_site_pass() {
        assert_eq!(
            local_path(Some("/orgs/1/users/active?q=a")),
            "/orgs/1/users/active?q=a"
        );
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("")), "/");
        for sneaky in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(sneaky)), "/", "{sneaky:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
