//! C's integer conversions as HAProxy applies them to keyword arguments: many keywords read
//! their value with `atol()`/`atoi()`, which accept leading blanks, a sign and digits and
//! ignore the rest (`retries x` is 0 there, without error). Kept, for compatibility.

/// `atol()`: saturating at the `i64` bounds.
pub fn atol(s: &str) -> i64 {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg { -v } else { v }
}

/// A strictly decimal unsigned integer (the whole word), for keywords HAProxy checks.
pub fn strict_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_c() {
        assert_eq!(atol("12abc"), 12);
        assert_eq!(atol("  -7"), -7);
        assert_eq!(atol("x"), 0);
        assert_eq!(strict_u64("12"), Some(12));
        assert_eq!(strict_u64("12x"), None);
    }
}
