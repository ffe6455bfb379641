//! The CLI as an operator runs it: the real binary in a child process, with the environment's own
//! `LATCHKEY_DB` and `LATCHKEY_SECRET` kept out so only what a test passes counts.

use std::ffi::OsStr;

/// Runs `latchkey --db DB ARGS` as an operator would, feeding `stdin`; the
/// environment's own `LATCHKEY_DB` and `LATCHKEY_SECRET` are kept out.
pub fn run_cli(db: impl AsRef<OsStr>, args: &[&str], stdin: &str) -> std::process::Output {
    run_cli_with(db, None, args, stdin)
}

/// `run_cli` with `LATCHKEY_SECRET` set to `secret`, when given.
pub fn run_cli_with(
    db: impl AsRef<OsStr>,
    secret: Option<&str>,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LATCHKEY_DB")
        .env_remove("LATCHKEY_SECRET");
    if let Some(secret) = secret {
        command.env("LATCHKEY_SECRET", secret);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command refused before it reads its input closes the pipe early;
    // its exit code and message are what the caller checks.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}
