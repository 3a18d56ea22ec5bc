//! The kernel: the values every layer speaks in — money with its currency, UTC instants and the
//! clock, actors and ids, the policy that holds every number of the rules, errors, secrets and
//! text checks. It depends on nothing else in the crate.

pub mod actor;
pub(crate) mod digits;
pub mod error;
pub mod money;
pub mod policy;
#[cfg(feature = "sealing")]
pub mod sealing;
pub mod secret;
pub mod text;
pub mod time;
