//! Cutting one fuzz input into several byte strings, in a form the seed script can write and a
//! person can read: parts separated by NUL bytes, the last part taking the rest (NULs included).

/// Splits `data` at the first `n - 1` NUL bytes; missing parts are empty.
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.splitn(n, |&b| b == 0).collect();
    out.resize(n, &[]);
    out
}
