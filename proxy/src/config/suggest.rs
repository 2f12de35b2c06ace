//! "did you mean 'X' maybe ?": HAProxy's keyword suggestion (`cfg_find_best_match()`), which
//! compares character-transition fingerprints of the unknown word and of every keyword of the
//! section and proposes the closest one if it is close enough.

/// The fingerprint: counts of transitions between character classes (1..=26 letters, 27 digits,
/// 28 other / begin / end) in a 32x32 table; row 0 marks which classes occur.
fn fingerprint(word: &str) -> [u8; 1024] {
    let mut fp = [0u8; 1024];
    let mut from = 28;
    for b in word.bytes() {
        let to = match b.to_ascii_lowercase() {
            c @ b'a'..=b'z' => (c - b'a' + 1) as usize,
            b'0'..=b'9' => 27,
            _ => 28,
        };
        fp[to] = 1;
        fp[32 * from + to] = fp[32 * from + to].wrapping_add(1);
        from = to;
    }
    fp[32 * from + 28] = fp[32 * from + 28].wrapping_add(1);
    fp
}

fn distance(a: &[u8; 1024], b: &[u8; 1024]) -> usize {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (i32::from(*x) - i32::from(*y)).unsigned_abs() as usize)
        .sum()
}

/// The keyword of `candidates` closest to `word` (the first one wins ties, as in HAProxy), if
/// its distance is at most twice the length of both words.
pub fn best_match<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let fp = fingerprint(word);
    let mut best: Option<(&str, usize)> = None;
    for cand in candidates {
        let d = distance(&fp, &fingerprint(cand));
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((cand, d));
        }
    }
    let (cand, d) = best?;
    if d > 2 * word.len() || d > 2 * cand.len() {
        return None;
    }
    Some(cand)
}

/// HAProxy's `action_suggest()`: the closest of `candidates` (keyword, matched as a prefix)
/// to an unknown rule action; the first one wins ties. It is refused when its distance exceeds
/// twice (three times for a prefix keyword) the length of either word.
pub fn best_action_match<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = (&'a str, bool)>,
) -> Option<&'a str> {
    let fp = fingerprint(word);
    let mut best: Option<(&str, bool, usize)> = None;
    for (cand, prefix) in candidates {
        let d = distance(&fp, &fingerprint(cand));
        if best.is_none_or(|(_, _, bd)| d < bd) {
            best = Some((cand, prefix, d));
        }
    }
    let (cand, prefix, d) = best?;
    let factor = if prefix { 3 } else { 2 };
    if d > factor * word.len() || d > factor * cand.len() {
        return None;
    }
    Some(cand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words() {
        assert_eq!(
            best_match("tiemout", ["bind", "timeout", "mode"]),
            Some("timeout")
        );
        assert_eq!(best_match("zzzzzzzz", ["bind", "timeout"]), None);
    }
}
