//! Replays every `tests/scenarios/*.json` journey (format in `tests/scenarios/README.md`). The
//! Python and Kotlin runners replay the same files through their bindings.

use appmarket_tests::journeys;

#[test]
fn every_scenario_replays_to_its_expectations() {
    let files = journeys::files();
    assert!(files.len() >= 8, "at least 8 scenarios, found {}", files.len());
    for file in files {
        let transcript = journeys::replay(&file);
        assert!(!transcript.is_empty(), "{} has no steps", file.display());
    }
}
