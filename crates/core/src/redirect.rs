//! Where to send someone after signing in.

/// `next` when it is a path on this site; `/` otherwise, so that a crafted sign-in link can
/// never send anyone to another origin.
pub fn local_path(next: Option<&str>) -> &str {
    next.filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .unwrap_or("/")
}

#[cfg(test)]
mod tests {
    use super::local_path;

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
        assert_eq!(local_path(None), "/");
    }
}
