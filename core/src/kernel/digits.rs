//! Numbers and dates written into a text without the formatting machinery: the keys and labels
//! that every charge writes (`write!` and `format!` went through `core::fmt` for each).

use chrono::{Datelike, NaiveDate};

/// Appends `n` in decimal, as `Display` writes it.
pub(crate) fn push_int(text: &mut String, n: i64) {
    if n < 0 {
        text.push('-');
    }
    push_uint(text, n.unsigned_abs());
}

/// Appends `n` in decimal, as `Display` writes it.
pub(crate) fn push_uint(text: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let (mut i, mut rest) = (digits.len(), n);
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    text.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII digits"));
}

/// Appends `date` as `Display` writes it: `YYYY-MM-DD`, a year outside 0–9999 with its sign.
pub(crate) fn push_date(text: &mut String, date: NaiveDate) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        use std::fmt::Write;
        let _ = write!(text, "{date}");
        return;
    }
    let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let y = year as u32;
    let (hi, lo, m, d) = (two(y / 100), two(y % 100), two(date.month()), two(date.day()));
    let bytes = [hi[0], hi[1], lo[0], lo[1], b'-', m[0], m[1], b'-', d[0], d[1]];
    text.push_str(std::str::from_utf8(&bytes).expect("ASCII digits"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_written_as_display_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 1_234_567, i64::MAX, -1, -10, i64::MIN] {
            let mut text = String::new();
            push_int(&mut text, n);
            assert_eq!(text, n.to_string());
        }
        for n in [0, 7, 42, u64::MAX] {
            let mut text = String::from("x");
            push_uint(&mut text, n);
            assert_eq!(text, format!("x{n}"));
        }
        for (y, m, d) in [(2026, 4, 5), (1, 1, 1), (0, 12, 31), (9999, 12, 31), (10_000, 1, 1), (-1, 3, 4)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let mut text = String::new();
            push_date(&mut text, date);
            assert_eq!(text, date.to_string());
        }
    }
}
