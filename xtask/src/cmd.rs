//! Child processes, with errors that name the command that failed.

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use crate::Result;

/// The cargo that runs xtask, so nested builds use the same toolchain.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `command` with inherited stdio; a non-zero exit is an error.
pub fn run(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|error| spawn_error(command, &error))?;
    check(command, status)
}

/// Stdout of a successful run, or `None` when the program is missing or fails: for probes.
pub fn stdout(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

pub fn check(command: &Command, status: ExitStatus) -> Result {
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

pub fn spawn_error(command: &Command, error: &io::Error) -> String {
    format!("cannot run `{}`: {error}", describe(command))
}

/// The command line as a person would type it (program by file name, not the full path).
pub fn describe(command: &Command) -> String {
    let program = command.get_program();
    let program = Path::new(program).file_name().unwrap_or(program);
    std::iter::once(program)
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_shortens_the_program_path() {
        let mut command = Command::new("/usr/bin/cargo");
        command.args(["test", "-p", "allot"]);
        assert_eq!(describe(&command), "cargo test -p allot");
    }
}
