//! `core.http_date`, `imf_date`, `rfc850_date`, `asctime_date`: an HTTP date (RFC 7231's three
//! formats; `http_date` tries them in that order) to seconds since the epoch, or nil.
//!
//! HAProxy's parsers (http.c) exactly: case-sensitive names, fixed widths, the week day not
//! checked, fields not range-checked (`31 Feb` and hour `25` count on), anything after the
//! date ignored; `my_timegm`'s arithmetic, then the C `(int)` cast HAProxy applies before
//! pushing the number (dates past 2038 wrap to negative). Allowed in every context.

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Value};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// The broken-down time the parsers fill (`struct tm` fields HAProxy uses).
#[derive(Default, Debug, PartialEq, Eq)]
struct Tm {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
}

/// A cursor over the date's bytes.
struct Cur<'a>(&'a [u8]);

impl Cur<'_> {
    fn expect(&mut self, c: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        (first == c).then(|| self.0 = rest)
    }

    fn literal(&mut self, s: &[u8]) -> Option<()> {
        self.0 = self.0.strip_prefix(s)?;
        Some(())
    }

    fn digit(&mut self) -> Option<i64> {
        let (&c, rest) = self.0.split_first()?;
        c.is_ascii_digit().then(|| {
            self.0 = rest;
            i64::from(c - b'0')
        })
    }

    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut v = 0;
        for _ in 0..n {
            v = v * 10 + self.digit()?;
        }
        Some(v)
    }

    fn day_name(&mut self) -> Option<()> {
        let names: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
        let name = names.iter().find(|n| self.0.starts_with(n))?;
        self.literal(name)
    }

    fn long_day_name(&mut self) -> Option<()> {
        let names: [&[u8]; 7] = [
            b"Monday",
            b"Tuesday",
            b"Wednesday",
            b"Thursday",
            b"Friday",
            b"Saturday",
            b"Sunday",
        ];
        // HAProxy picks the name by its first three letters, then wants all of it.
        let name = names.iter().find(|n| self.0.get(..3) == Some(&n[..3]))?;
        if self.0.len() < 6 {
            return None;
        }
        self.literal(name)
    }

    fn month(&mut self) -> Option<i64> {
        let names: [&[u8]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let i = names.iter().position(|n| self.0.starts_with(n))?;
        self.0 = &self.0[3..];
        Some(i as i64)
    }

    fn time(&mut self, tm: &mut Tm) -> Option<()> {
        tm.hour = self.digits(2)?;
        self.expect(b':')?;
        tm.min = self.digits(2)?;
        self.expect(b':')?;
        tm.sec = self.digits(2)?;
        Some(())
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn imf(date: &[u8]) -> Option<Tm> {
    let mut c = Cur(date);
    let mut tm = Tm::default();
    c.day_name()?;
    c.expect(b',')?;
    c.expect(b' ')?;
    tm.mday = c.digits(2)?;
    c.expect(b' ')?;
    tm.mon = c.month()?;
    c.expect(b' ')?;
    tm.year = c.digits(4)?;
    c.expect(b' ')?;
    c.time(&mut tm)?;
    c.expect(b' ')?;
    c.literal(b"GMT")?;
    Some(tm)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT` (a four-digit year is accepted; two digits up to 60
/// are 20xx).
fn rfc850(date: &[u8]) -> Option<Tm> {
    let mut c = Cur(date);
    let mut tm = Tm::default();
    c.long_day_name()?;
    c.expect(b',')?;
    c.expect(b' ')?;
    tm.mday = c.digits(2)?;
    c.expect(b'-')?;
    tm.mon = c.month()?;
    c.expect(b'-')?;
    let yy = c.digits(2)?;
    if c.expect(b' ').is_none() {
        tm.year = yy * 100 + c.digits(2)?;
        c.expect(b' ')?;
    } else {
        tm.year = if yy <= 60 { 2000 + yy } else { 1900 + yy };
    }
    c.time(&mut tm)?;
    c.expect(b' ')?;
    c.literal(b"GMT")?;
    Some(tm)
}

/// `Sun Nov  6 08:49:37 1994`.
fn asctime(date: &[u8]) -> Option<Tm> {
    let mut c = Cur(date);
    let mut tm = Tm::default();
    c.day_name()?;
    c.expect(b' ')?;
    tm.mon = c.month()?;
    c.expect(b' ')?;
    tm.mday = if c.expect(b' ').is_some() {
        c.digit()?
    } else {
        c.digits(2)?
    };
    c.expect(b' ')?;
    c.time(&mut tm)?;
    c.expect(b' ')?;
    tm.year = c.digits(4)?;
    Some(tm)
}

fn http(date: &[u8]) -> Option<Tm> {
    imf(date).or_else(|| rfc850(date)).or_else(|| asctime(date))
}

/// Days from 0000-01-01 to 01-01 of `y` (`days_since_zero`).
fn days_since_zero(y: i64) -> i64 {
    y * 365 + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400
}

/// `my_timegm`, then `(int)`.
fn timegm(tm: &Tm) -> i64 {
    // Cumulated extra days (beyond 28 per month) before each month.
    const EXTRA: [i64; 12] = [0, 3, 3, 6, 8, 11, 13, 16, 19, 21, 24, 26];
    let y = tm.year;
    let m = tm.mon;
    let mut days = days_since_zero(y) - days_since_zero(1970);
    days += 28 * m + EXTRA[m as usize];
    if m > 1 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
        days += 1;
    }
    days += tm.mday - 1;
    let t = days * 86400 + tm.hour * 3600 + tm.min * 60 + tm.sec;
    i64::from(t as i32)
}

fn push_date<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    f: fn(&[u8]) -> Option<Tm>,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let v = match f(s.as_bytes()) {
        Some(tm) => Value::Integer(timegm(&tm)),
        None => Value::Nil,
    };
    stack.replace(&[v]);
    Ok(Action::Return)
}

pub fn http_date<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    push_date(ctx, stack, http)
}

pub fn imf_date<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    push_date(ctx, stack, imf)
}

pub fn rfc850_date<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    push_date(ctx, stack, rfc850)
}

pub fn asctime_date<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    push_date(ctx, stack, asctime)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(f: fn(&[u8]) -> Option<Tm>, s: &str) -> Option<i64> {
        f(s.as_bytes()).map(|tm| timegm(&tm))
    }

    // Every value checked against haproxy 2.6's `core.*_date`.
    #[test]
    fn haproxy_values() {
        let h = |s| t(http, s);
        assert_eq!(h("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
        assert_eq!(h("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784111777));
        assert_eq!(h("Sun Nov  6 08:49:37 1994"), Some(784111777));
        assert_eq!(t(imf, "Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(t(rfc850, "Sunday, 06-Nov-94 08:49:37 GMT"), Some(784111777));
        assert_eq!(t(asctime, "Sun Nov 6 08:49:37 1994"), None);
        assert_eq!(h("Mon, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
        assert_eq!(h("Sun, 31 Feb 1994 08:49:37 GMT"), Some(762684577));
        assert_eq!(h("Sun, 06 Nov 2094 08:49:37 GMT"), Some(-355095519));
        assert_eq!(h("Sun, 06 Nov 1994 08:49:37 GMT "), Some(784111777));
        assert_eq!(h("Sun, 06 Nov 1994 25:49:37 GMT"), Some(784172977));
        assert_eq!(h("Sunday, 06-Nov-70 08:49:37 GMT"), Some(26729377));
        assert_eq!(h("Sunday, 06-Nov-69 08:49:37 GMT"), Some(-4806623));
        assert_eq!(h("Sun, 06 Nov 1994 08:49:60 GMT"), Some(784111800));
        assert_eq!(h("sun, 06 nov 1994 08:49:37 gmt"), None);
        assert_eq!(h("5"), None);
        assert_eq!(h("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(h("Wed, 31 Dec 1969 23:59:59 GMT"), Some(-1));
        assert_eq!(h("Sun, 6 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(h("Sun, 06 Nov 0000 08:49:37 GMT"), Some(-2010861279));
        assert_eq!(h("Sun, 29 Feb 1996 08:49:37 GMT"), Some(825583777));
        assert_eq!(h("Sun, 29 Feb 1995 08:49:37 GMT"), Some(794047777));
        assert_eq!(h("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(h("Sun, 06 Nov 1994 8:49:37 GMT"), None);
    }
}
