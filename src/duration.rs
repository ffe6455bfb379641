//! Human durations for settings: `30s`, `5m`, `12h`, `7d` — one number and one unit, nothing else.

use std::num::ParseIntError;
use std::time::Duration;

/// Why a duration was refused; each names the text as given (trimmed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` needs a unit: s, m, h or d (e.g. 30s, 5m, 12h, 7d)")]
    NoUnit(String),
    #[error("`{text}` is not a duration (e.g. 30s, 5m, 12h, 7d)")]
    NotANumber {
        text: String,
        #[source]
        cause: ParseIntError,
    },
    #[error("`{0}` has an unknown unit; use s, m, h or d")]
    UnknownUnit(String),
    #[error("`{0}` is too long (ten years at most)")]
    TooLong(String),
}

/// Parses `30s`, `5m`, `12h` or `7d`. The unit is required so `5` cannot be
/// misread as minutes when seconds were meant.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| DurationError::NoUnit(text.into()))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|cause| DurationError::NotANumber {
        text: text.into(),
        cause,
    })?;
    let seconds_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(DurationError::UnknownUnit(text.into())),
    };
    number
        .checked_mul(seconds_per_unit)
        .filter(|secs| *secs <= 3650 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(|| DurationError::TooLong(text.into()))
}

/// Renders a duration the way `parse` reads it, using the largest exact unit.
pub fn format(duration: Duration) -> String {
    let secs = duration.as_secs();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs >= size && secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_is_read() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_durations_are_refused() {
        for bad in [
            "",
            "5",
            "m",
            "5x",
            "-5s",
            "5 m",
            "1.5h",
            "5mm",
            "99999999999d",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn each_refusal_names_the_text_and_what_is_wrong() {
        for (bad, says) in [
            (
                " 5 ",
                "`5` needs a unit: s, m, h or d (e.g. 30s, 5m, 12h, 7d)",
            ),
            ("m", "`m` is not a duration (e.g. 30s, 5m, 12h, 7d)"),
            ("5x", "`5x` has an unknown unit; use s, m, h or d"),
            (
                "99999999999d",
                "`99999999999d` is too long (ten years at most)",
            ),
        ] {
            assert_eq!(parse(bad).unwrap_err().to_string(), says);
        }
    }

    #[test]
    fn format_round_trips() {
        for text in ["30s", "5m", "12h", "7d", "90s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
