//! Errors a person meets: one line on stderr, naming the problem and the fix,
//! and an exit code.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// The command line was understood but asks for something that does not
    /// exist (exit code 2, like clap's own usage errors).
    Usage(String),
    /// The command could not do its job (no daemon, an upload refused);
    /// exit code 1.
    Failed(String),
    /// Writing the output failed.
    Output(io::Error),
}

impl CliError {
    /// Prints the error and picks the exit code.
    pub fn report(self) -> ExitCode {
        match self {
            // Output piped into `head` that stopped reading is not an error.
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            CliError::Usage(_) => {
                eprintln!("lumogon: {self}");
                ExitCode::from(2)
            }
            CliError::Failed(_) | CliError::Output(_) => {
                eprintln!("lumogon: {self}");
                ExitCode::FAILURE
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) | CliError::Failed(message) => f.write_str(message),
            CliError::Output(e) => write!(f, "could not write the output: {e}"),
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Output(e)
    }
}

/// The innermost message of an error chain ("Connection refused"), without
/// the layers of context around it that would repeat a URL or a socket path
/// the message already names.
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
