//! How a command fails: one line a person can act on, and the exit code.

use std::fmt;

/// A failed command: its message (one line, no password) and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong and what to do, in one line.
    pub message: String,
    /// The process's exit code: 1 for a refusal or a failure, 2 for a bad command line.
    pub code: u8,
}

impl Failure {
    /// A failure with exit code 1.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure { message: one_line(&message.into()), code: 1 }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<appmarket::Error> for Failure {
    fn from(e: appmarket::Error) -> Failure {
        Failure::new(e.to_string())
    }
}

/// `text` on one line: line breaks and tabs become spaces.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The result of a command.
pub type Outcome<T = ()> = Result<T, Failure>;
