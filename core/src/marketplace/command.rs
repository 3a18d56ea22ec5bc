//! Every facade call as data: a [`Command`] is a serde value, so a host (a message queue, an
//! HTTP adapter, the cross-language scenario runners) can drive the marketplace with JSON.
//! [`Marketplace::run`](crate::Marketplace::run) dispatches it to the facade method of the same name and returns the
//! result as JSON. It adds no rule: each arm is one facade call. The variants, like the facade's
//! commands, come from one declaration per command ([`DECLARATIONS`]).

use crate::error::Error;

pub use super::commands::Command;
pub use super::declarations::{Arg, Calling, DECLARATIONS, Declaration, Pass};

impl Command {
    /// Parses a command from JSON, e.g. `{"do": "accept_terms", "order": "ORD-00000001"}`.
    pub fn from_json(text: &str) -> Result<Command, Error> {
        serde_json::from_str(text).map_err(|e| Error::invalid("command", format!("not a valid command: {e}")))
    }

    /// The command's fingerprint: `v1:` and the SHA-256, in hex, of its canonical JSON — object
    /// keys sorted, no spaces, money amounts normalised (`400`, `400.0` and `400.00` are one
    /// amount), passwords as `***`. A request id replayed with a command of another fingerprint
    /// is a conflict. The format is pinned by a test: request records persist it.
    pub fn fingerprint(&self) -> String {
        crate::fingerprint::of(self)
    }
}
