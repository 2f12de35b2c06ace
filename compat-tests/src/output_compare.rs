//! Comparing one engine's benchmark output with the reference engine's.
//!
//! Benchmarks print checksums, so equal output means the same result. Engines that print floats
//! their own way (piccolo prints the shortest round-trip form, `0.00002500187271831654`, where
//! Lua prints `%.14g`, `2.5001872718317e-05`) are told apart from engines that computed something
//! else: a word that differs only there counts as the same value when both read as numbers
//! within the 14 significant digits `%.14g` keeps.

/// How an engine's output relates to the reference output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMatch {
    /// Byte for byte the same.
    Same,
    /// The same numbers, with floats printed in another format.
    SameValues,
    /// Different results.
    Differs,
}

/// Compares `got` with `want` line by line and word by word.
pub fn compare(got: &[u8], want: &[u8]) -> OutputMatch {
    if got == want {
        return OutputMatch::Same;
    }
    let (got, want) = (String::from_utf8_lossy(got), String::from_utf8_lossy(want));
    let (got_lines, want_lines): (Vec<&str>, Vec<&str>) =
        (got.lines().collect(), want.lines().collect());
    if got_lines.len() != want_lines.len() {
        return OutputMatch::Differs;
    }
    for (g, w) in got_lines.iter().zip(&want_lines) {
        let (gw, ww): (Vec<&str>, Vec<&str>) = (
            g.split_whitespace().collect(),
            w.split_whitespace().collect(),
        );
        if gw.len() != ww.len() || !gw.iter().zip(&ww).all(|(a, b)| same_word(a, b)) {
            return OutputMatch::Differs;
        }
    }
    OutputMatch::SameValues
}

fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => {
            // `%.14g` rounds to 14 significant digits: half a unit in the 14th digit, relative.
            (x - y).abs() <= 5e-14 * x.abs().max(y.abs())
        }
        (Ok(x), Ok(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_output_is_same() {
        assert_eq!(compare(b"1\t2\n", b"1\t2\n"), OutputMatch::Same);
    }

    #[test]
    fn float_format_alone_is_same_values() {
        let lua = b"2.5001872718317e-05\t-0.16907516382852\n";
        let piccolo = b"0.00002500187271831654\t-0.16907516382852447\n";
        assert_eq!(compare(piccolo, lua), OutputMatch::SameValues);
        assert_eq!(
            compare(b"1e+15\n", b"1000000000000000\n"),
            OutputMatch::SameValues
        );
    }

    #[test]
    fn other_results_differ() {
        assert_eq!(
            compare(b"600744007260\n", b"600738007260\n"),
            OutputMatch::Differs
        );
        assert_eq!(
            compare(b"1.27422413\n", b"1.2742241313642\n"),
            OutputMatch::Differs
        );
        assert_eq!(compare(b"", b"1\n"), OutputMatch::Differs);
        assert_eq!(compare(b"1 2\n", b"1\n"), OutputMatch::Differs);
        assert_eq!(compare(b"a\n", b"b\n"), OutputMatch::Differs);
    }
}
