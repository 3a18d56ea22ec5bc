//! Cross-crate tests of `appmarket`: the repository contract suite on `MemoryStore`,
//! whole-library properties, and the capturing subscriber of the telemetry tests (`capture`).
//! The tests live in `tests/*.rs` of this crate.

pub mod capture;
pub mod commands;
pub mod journeys;
