//! The server secret: the bytes invitation links are signed with (and offline licenses'
//! keys derived from), read from a file that every server of a deployment shares.

use std::{
    fs::{self, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    str::FromStr,
};

use sqlx::sqlite::SqliteConnectOptions;

const SECRET_BYTES: usize = 32;

/// A fresh secret of 32 random bytes.
pub fn random() -> Vec<u8> {
    let mut secret = vec![0; SECRET_BYTES];
    getrandom::getrandom(&mut secret).expect("the operating system's random source");
    secret
}

/// The server secret in `file`, by default `allot.secret` beside the SQLite database of
/// `db_url`; created (32 random bytes, readable by its owner only) when missing. An in-memory
/// database gets an in-memory secret, as its invitations die with it anyway. PostgreSQL has no
/// "beside": its servers are given the file, the same one to each.
pub fn load(file: Option<&Path>, db_url: &str) -> io::Result<Vec<u8>> {
    if file.is_none() && (db_url.starts_with("postgres://") || db_url.starts_with("postgresql://"))
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "with PostgreSQL, give --secret-file (ALLOT_SECRET_FILE): the same file on every \
             server, so that a link one server sends, another opens",
        ));
    }
    let Some(path) = file
        .map(Path::to_path_buf)
        .or_else(|| secret_beside(db_url))
    else {
        tracing::warn!(
            "no secret file (an in-memory database): invitation links end with this process"
        );
        return Ok(random());
    };
    read_or_create_secret(&path)
        .map_err(|error| io::Error::new(error.kind(), format!("{}: {error}", path.display())))
}

fn secret_beside(db_url: &str) -> Option<PathBuf> {
    let options = SqliteConnectOptions::from_str(db_url).ok()?;
    let database = options.get_filename();
    let in_memory = db_url.contains(":memory:") || db_url.contains("mode=memory");
    (!in_memory && !database.as_os_str().is_empty())
        .then(|| database.with_file_name("allot.secret"))
}

fn read_or_create_secret(path: &Path) -> io::Result<Vec<u8>> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let secret = random();
            file.write_all(&secret)?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "created the server secret");
            return Ok(secret);
        }
        // Another server of the deployment made it, or an operator did.
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(error),
    }
    let secret = fs::read(path)?;
    if secret.len() < SECRET_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the secret is {} bytes long; it needs at least {SECRET_BYTES}",
                secret.len()
            ),
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_lives_beside_the_database_file() {
        assert_eq!(
            secret_beside("sqlite://allot.db"),
            Some(PathBuf::from("allot.secret"))
        );
        assert_eq!(
            secret_beside("sqlite:///var/lib/allot/main.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/allot/allot.secret"))
        );
        assert_eq!(secret_beside("sqlite::memory:"), None);
        assert_eq!(secret_beside("sqlite://?mode=memory"), None);
    }

    #[test]
    fn the_secret_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("allot.secret");

        let created = read_or_create_secret(&path).unwrap();
        let read = read_or_create_secret(&path).unwrap();

        assert_eq!(created.len(), SECRET_BYTES);
        assert_eq!(created, read);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_secret_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("allot.secret");
        fs::write(&path, b"short").unwrap();

        let error = load(Some(&path), "sqlite::memory:").unwrap_err();

        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("allot.secret"), "{error}");
    }
}
