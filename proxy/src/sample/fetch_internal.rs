//! Fetches of internal state that need no stream: `date`, `rand`, `uuid`, `hostname`, `env`
//! and their argument checks. Random values come from `fastrand` (per-thread, not for
//! security, like HAProxy's statistical PRNG).

use super::arg::Arg;
use super::conv_time::{TimeUnit, now_in};

/// `date([offset],[unit])`: now in the unit, plus the offset.
pub fn date(args: &[Arg]) -> i64 {
    let unit = args
        .get(1)
        .and_then(Arg::as_sint)
        .map_or(TimeUnit::S, TimeUnit::from_i64);
    let off = args.first().and_then(Arg::as_sint).unwrap_or(0);
    now_in(unit).wrapping_add(off)
}

/// `smp_check_date_unit`: the unit argument (second) becomes its number.
pub fn check_date_unit(args: &mut [Arg]) -> Result<(), String> {
    check_unit_at(args, 1)
}

pub fn check_unit_at(args: &mut [Arg], at: usize) -> Result<(), String> {
    if let Some(Arg::Str(s)) = args.get(at) {
        let u = TimeUnit::parse(s)?;
        args[at] = Arg::Sint(u as i64);
    }
    Ok(())
}

/// `rand([range])`: a 32-bit random number, scaled to `[0, range)` with HAProxy's
/// multiply-and-shift (done in 64 bits, so a negative range wraps as there).
pub fn rand(args: &[Arg]) -> i64 {
    let r = u64::from(fastrand::u32(..));
    match args.first().and_then(Arg::as_sint) {
        Some(range) => (r.wrapping_mul(range as u64) >> 32) as i64,
        None => r as i64,
    }
}

/// `uuid([version])`: only version 4 exists (the default).
pub fn check_uuid(args: &mut [Arg]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(Arg::Sint(4)) => Ok(()),
        Some(Arg::Sint(v)) => Err(format!("Unsupported UUID version: '{v}'")),
        Some(_) => Ok(()),
    }
}

/// A random (version 4) UUID in lowercase hexadecimal.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    fastrand::fill(&mut b);
    uuid::Builder::from_random_bytes(b)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// The system's host name (`gethostname`), `None` if it cannot be read.
pub fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the length passed is the buffer's; the name is NUL-terminated when it fits.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return None;
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// `env(name)`: the variable's value; a missing (or empty-named) variable fails.
pub fn env(name: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    if name.is_empty() || name.contains(&b'=') || name.contains(&0) {
        return None;
    }
    std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(|v| v.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties() {
        for _ in 0..100 {
            let r = rand(&[Arg::Sint(10)]);
            assert!((0..10).contains(&r));
            assert!((0..1 << 32).contains(&rand(&[])));
        }
        assert_eq!(rand(&[Arg::Sint(0)]), 0);
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]));
        assert_ne!(uuid_v4(), u);
        assert!(hostname().is_some_and(|h| !h.is_empty()));
        assert!(env(b"PATH").is_some());
        assert_eq!(env(b""), None);
        let mut a = vec![Arg::Sint(0), Arg::Str(bytes::Bytes::from("ms"))];
        check_date_unit(&mut a).unwrap();
        let ms = date(&a);
        assert!((ms / 1000 - date(&[])).abs() <= 1);
        let mut bad = vec![Arg::Sint(3)];
        assert_eq!(
            check_uuid(&mut bad).unwrap_err(),
            "Unsupported UUID version: '3'"
        );
    }
}
