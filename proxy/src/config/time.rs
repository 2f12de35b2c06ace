//! HAProxy's time values (`parse_time_err()`): an unsigned decimal number and an optional unit
//! `us`, `ms`, `s`, `m`, `h`, `d` (milliseconds when absent), at most 2^31-1 ms.

/// Why a time value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// The first character that is neither a digit nor a known unit.
    BadChar(char),
    /// More than 2147483647 ms.
    Overflow,
    /// A non-zero value below 1 ms (`500us`).
    Underflow,
}

/// The value in milliseconds (microseconds round up like HAProxy's).
pub fn parse_ms(text: &str) -> Result<u32, TimeError> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(TimeError::BadChar(text.chars().next().unwrap_or('\0')));
    }
    let mut value: u64 = 0;
    for b in text[..digits].bytes() {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    let unit = &text[digits..];
    let ms = match unit {
        "" | "ms" => value,
        "us" => {
            let ms = value.div_ceil(1000);
            if value != 0 && value < 1000 && ms == 0 {
                return Err(TimeError::Underflow);
            }
            ms
        }
        "s" => value.saturating_mul(1000),
        "m" => value.saturating_mul(60_000),
        "h" => value.saturating_mul(3_600_000),
        "d" => value.saturating_mul(86_400_000),
        _ => {
            // HAProxy points at the first character after a known unit prefix.
            let bad = ["ms", "us", "s", "m", "h", "d"]
                .iter()
                .find_map(|u| unit.strip_prefix(u).filter(|r| !r.is_empty()))
                .unwrap_or(unit);
            return Err(TimeError::BadChar(bad.chars().next().unwrap_or('\0')));
        }
    };
    if ms > i32::MAX as u64 {
        return Err(TimeError::Overflow);
    }
    Ok(ms as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_ms("5"), Ok(5));
        assert_eq!(parse_ms("5s"), Ok(5000));
        assert_eq!(parse_ms("2m"), Ok(120_000));
        assert_eq!(parse_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_ms("1d"), Ok(86_400_000));
        assert_eq!(parse_ms("1500us"), Ok(2));
        assert_eq!(parse_ms("0us"), Ok(0));
        assert_eq!(parse_ms("abc"), Err(TimeError::BadChar('a')));
        assert_eq!(parse_ms("5x"), Err(TimeError::BadChar('x')));
        assert_eq!(parse_ms("-1"), Err(TimeError::BadChar('-')));
        assert_eq!(parse_ms("99999999999"), Err(TimeError::Overflow));
        assert_eq!(parse_ms("25d"), Err(TimeError::Overflow));
    }
}
