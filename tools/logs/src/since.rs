//! Durations as people type them: `90s`, `10m`, `2h`, `1d`, `1h30m`.

use std::time::Duration;

use crate::LogsError;

/// Parses a duration of one or more `<number><unit>` parts, the units `s`,
/// `m`, `h` and `d` (`1h30m` is ninety minutes).
pub fn parse_since(text: &str) -> Result<Duration, LogsError> {
    let bad = || LogsError::BadSince {
        text: text.to_owned(),
    };
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let amount: u64 = digits.parse().map_err(|_| bad())?;
        total = amount
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_nonsense_is_named() {
        assert_eq!(parse_since("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_since("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_since("1h30m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_since("2d").unwrap(), Duration::from_secs(172_800));
        for bad in ["", "10", "m", "10x", "-5m", "0m", "99999999999999999999d"] {
            let error = parse_since(bad).unwrap_err().to_string();
            assert!(error.contains("is not a duration"), "{bad}: {error}");
        }
    }
}
