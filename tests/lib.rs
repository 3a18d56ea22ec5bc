//! Cross-crate tests of `appmarket`: the repository contract suite on `MemoryStore`, and
//! whole-library properties. The tests live in `tests/*.rs` of this crate.

pub mod commands;
pub mod journeys;
