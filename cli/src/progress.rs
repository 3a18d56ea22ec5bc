//! Progress of a long command, on standard error: a line at most every half second (or every
//! `APPMARKET_PROGRESS_MS`), so that a small store prints none and a large one shows how far
//! it is.

use std::io::Write;
use std::time::{Duration, Instant};

/// Prints `what: done of total` lines to standard error as work advances.
pub struct Progress {
    what: &'static str,
    started: Instant,
    last: Instant,
    every: Duration,
    quiet: bool,
}

impl Progress {
    /// Progress of `what`; nothing is printed when `quiet`. `APPMARKET_PROGRESS_MS` sets how
    /// often a line is printed (default 500 ms).
    pub fn new(what: &'static str, quiet: bool) -> Progress {
        let now = Instant::now();
        let ms = std::env::var("APPMARKET_PROGRESS_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
        Progress { what, started: now, last: now, every: Duration::from_millis(ms), quiet }
    }

    /// Prints `line()` when the last line is old enough.
    pub fn tick(&mut self, line: impl FnOnce() -> String) {
        if self.quiet || self.last.elapsed() < self.every {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64();
        let _ = writeln!(std::io::stderr().lock(), "{}: {} ({secs:.1} s)", self.what, line());
    }

    /// Seconds since the start.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// `n` with thousands separated by commas.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` in per cent (100 when the whole is 0).
pub fn percent(part: u64, whole: u64) -> u64 {
    part.saturating_mul(100).checked_div(whole).map_or(100, |p| p.min(100))
}
