//! Where a new password comes from on the command line: the first line of standard input
//! (`--password-stdin`), or a prompt, twice, on a terminal.

use std::io::{BufRead, IsTerminal};

use super::CommandError;
use crate::domain::NewPassword;

/// From stdin with `--password-stdin`, else a prompt (twice) on a terminal.
pub(super) fn read_password(from_stdin: bool) -> Result<NewPassword, CommandError> {
    let text = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CommandError::ReadPassword)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(CommandError::ReadPassword)?;
        let again = rpassword::prompt_password("Again: ").map_err(CommandError::ReadPassword)?;
        if first != again {
            return Err(CommandError::PasswordsDiffer);
        }
        first
    } else {
        return Err(CommandError::NoPassword);
    };
    Ok(NewPassword::parse(&text)?)
}
