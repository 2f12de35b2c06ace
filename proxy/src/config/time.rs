//! HAProxy's time values (`parse_time_err()`): an unsigned decimal number and an optional unit
//! `us`, `ms`, `s`, `m`, `h`, `d` (milliseconds when absent), at most 2^31-1 ms. Characters
//! after a valid unit are accepted by HAProxy 2.6 with a warning (`1m30s` is one minute).

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

/// A time value in milliseconds (microseconds round up like HAProxy's), and the first
/// character left after the unit, if any (HAProxy warns about it and ignores the rest).
pub fn parse_ms(text: &str) -> Result<(u32, Option<char>), TimeError> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(TimeError::BadChar(text.chars().next().unwrap_or('\0')));
    }
    let mut value: u64 = 0;
    for b in text[..digits].bytes() {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    let rest = &text[digits..];
    // Longest unit first where one is a prefix of another.
    let (mult_us, unit_len) = if rest.is_empty() {
        (1000, 0)
    } else if rest.starts_with("us") {
        (1, 2)
    } else if rest.starts_with("ms") {
        (1000, 2)
    } else {
        match rest.as_bytes()[0] {
            b's' => (1_000_000, 1),
            b'm' => (60_000_000, 1),
            b'h' => (3_600_000_000, 1),
            b'd' => (86_400_000_000, 1),
            _ => return Err(TimeError::BadChar(rest.chars().next().unwrap_or('\0'))),
        }
    };
    let us = value.saturating_mul(mult_us);
    let ms = us.div_ceil(1000);
    if value != 0 && ms == 0 {
        return Err(TimeError::Underflow);
    }
    if ms > i32::MAX as u64 {
        return Err(TimeError::Overflow);
    }
    Ok((ms as u32, rest[unit_len..].chars().next()))
}

/// HAProxy's warning for characters after the unit (printed without location).
pub fn trailing_warning(c: char, text: &str) -> String {
    format!(
        "unexpected character '{c}' after the timer value '{text}', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_ms("5"), Ok((5, None)));
        assert_eq!(parse_ms("5s"), Ok((5000, None)));
        assert_eq!(parse_ms("5ms"), Ok((5, None)));
        assert_eq!(parse_ms("2m"), Ok((120_000, None)));
        assert_eq!(parse_ms("1h"), Ok((3_600_000, None)));
        assert_eq!(parse_ms("1d"), Ok((86_400_000, None)));
        assert_eq!(parse_ms("1500us"), Ok((2, None)));
        assert_eq!(parse_ms("0us"), Ok((0, None)));
        assert_eq!(parse_ms("1m30s"), Ok((60_000, Some('3'))));
        assert_eq!(parse_ms("10mss"), Ok((10, Some('s'))));
        assert_eq!(parse_ms("5mS"), Ok((300_000, Some('S'))));
        assert_eq!(parse_ms("abc"), Err(TimeError::BadChar('a')));
        assert_eq!(parse_ms("5S"), Err(TimeError::BadChar('S')));
        assert_eq!(parse_ms("1.5s"), Err(TimeError::BadChar('.')));
        assert_eq!(parse_ms("-1"), Err(TimeError::BadChar('-')));
        assert_eq!(parse_ms("99999999999"), Err(TimeError::Overflow));
        assert_eq!(parse_ms("25d"), Err(TimeError::Overflow));
    }
}
