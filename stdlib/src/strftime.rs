//! `os.date` formatting and the calendar arithmetic behind `os.date` /
//! `os.time`, in pure Rust, reproducing glibc 2.36 in the C locale (the
//! platform `lua5.4` is checked against).
//!
//! Everything here is UTC arithmetic: [`utc_from_epoch`] is `gmtime`, whose
//! zone name glibc reports as "GMT"; [`epoch_from_utc`] normalises
//! broken-down fields like `mktime` would in UTC. The local time zone (what
//! `TZ` or `/etc/localtime` say) is `localtime.rs`'s, which builds on these.

/// Message of the plain `luaL_error` `os.date` raises when `gmtime` /
/// `localtime` fail (the year does not fit a C `int` after subtracting 1900).
pub const DATE_UNREPRESENTABLE: &str = "date result cannot be represented in this installation";
/// Message of the plain `luaL_error` `os.time` raises when `mktime` fails
/// (or returns -1, which PUC cannot tell apart from failure).
pub const TIME_UNREPRESENTABLE: &str = "time result cannot be represented in this installation";

/// A broken-down time in Lua's conventions (`os.date("*t")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    /// Full year (not minus 1900).
    pub year: i64,
    /// 1..=12
    pub month: i32,
    /// 1..=31
    pub day: i32,
    pub hour: i32,
    pub min: i32,
    pub sec: i32,
    /// 1..=7, Sunday = 1.
    pub wday: i32,
    /// 1..=366
    pub yday: i32,
    pub isdst: bool,
    /// Seconds east of UTC (`tm_gmtoff`), for `%z`.
    pub gmtoff: i32,
    /// Zone abbreviation (`tm_zone`), for `%Z`.
    pub zone: ZoneName,
}

/// A zone abbreviation ("UTC", "CEST", "+0530"), kept inline so `Tm` stays
/// `Copy`. Longer names (possible only through odd `TZ` strings) are cut.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ZoneName {
    len: u8,
    bytes: [u8; 31],
}

impl ZoneName {
    pub fn new(s: &str) -> Self {
        let mut bytes = [0u8; 31];
        let mut len = s.len().min(bytes.len());
        while !s.is_char_boundary(len) {
            len -= 1;
        }
        bytes[..len].copy_from_slice(&s.as_bytes()[..len]);
        ZoneName {
            len: len as u8,
            bytes,
        }
    }

    pub fn as_str(&self) -> &str {
        // Built from a `&str` cut at a char boundary.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl std::fmt::Debug for ZoneName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for ZoneName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`), valid for any year that fits the i64 arithmetic.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// glibc's `tm_year` is an `int`: years outside this range make
/// `gmtime`/`mktime` fail.
fn year_fits(y: i64) -> bool {
    (i32::MIN as i64..=i32::MAX as i64).contains(&(y - 1900))
}

fn tm_from_epoch(t: i64, zone: &str) -> Option<Tm> {
    let days = t.div_euclid(SECS_PER_DAY);
    let secs = t.rem_euclid(SECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    if !year_fits(y) {
        return None;
    }
    Some(Tm {
        year: y,
        month: m as i32,
        day: d as i32,
        hour: (secs / 3600) as i32,
        min: (secs / 60 % 60) as i32,
        sec: (secs % 60) as i32,
        // 1970-01-01 was a Thursday (Lua wday 5).
        wday: ((days + 4).rem_euclid(7) + 1) as i32,
        yday: (days - days_from_civil(y, 1, 1) + 1) as i32,
        isdst: false,
        gmtoff: 0,
        zone: ZoneName::new(zone),
    })
}

/// `gmtime`: `None` when the year is out of glibc's range (raise
/// [`DATE_UNREPRESENTABLE`]).
pub fn utc_from_epoch(t: i64) -> Option<Tm> {
    tm_from_epoch(t, "GMT")
}

/// `mktime` on UTC (`timegm`): normalises
/// out-of-range fields — month 14 is February of the next year, day 0 the
/// last day of the previous month, negative hours borrow from the day, and
/// so on — and returns the epoch time plus the normalised fields (Lua
/// writes them back into the table). `year` is the full year, `month`
/// 1-based. `None` when the result does not fit (raise
/// [`TIME_UNREPRESENTABLE`]); the caller must also treat a result of -1 as
/// failure to match PUC, which cannot distinguish it from mktime's error.
/// Range checks on the individual fields ("field 'year' is out-of-bound")
/// are the caller's, as in loslib.c's `getfield`.
pub fn epoch_from_utc(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
) -> Option<(i64, Tm)> {
    // i128 so that any i64 inputs are safe; glibc bounds are checked below.
    let months = year as i128 * 12 + (month as i128 - 1);
    let y = months.div_euclid(12);
    let m = months.rem_euclid(12) + 1;
    let y = i64::try_from(y).ok()?;
    if !(-(1i64 << 40)..(1i64 << 40)).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, m as i64, 1) as i128 + day as i128 - 1;
    let t = days * SECS_PER_DAY as i128 + hour as i128 * 3600 + min as i128 * 60 + sec as i128;
    let t = i64::try_from(t).ok()?;
    let tm = utc_from_epoch(t)?;
    Some((t, tm))
}

/// Why `strftime` rejected a format: PUC raises it as
/// `bad argument #1 to 'date' (<message>)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadConversion(pub Vec<u8>);

impl std::fmt::Display for BadConversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

const ABDAY: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAY: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ABMON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MON: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// PUC `LUA_STRFTIMEOPTIONS` for C99: one-char conversions, then the
/// two-char `E`/`O` ones.
const OPTIONS1: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const OPTIONS2: &[&[u8; 2]] = &[
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

/// glibc's `iso_week_days`: days since the Monday starting the ISO year of
/// a date (`yday` 0-based, `wday` 0 = Sunday); negative if in the year before.
fn iso_week_days(yday: i64, wday: i64) -> i64 {
    const BIG_ENOUGH_MULTIPLE_OF_7: i64 = (366 / 7 + 2) * 7;
    yday - (yday - wday + 4 + BIG_ENOUGH_MULTIPLE_OF_7) % 7 + 3
}

/// (ISO year, ISO week number 1..=53).
fn iso_week(tm: &Tm) -> (i64, i64) {
    let (yday, wday) = (tm.yday as i64 - 1, tm.wday as i64 - 1);
    let mut year = tm.year;
    let mut days = iso_week_days(yday, wday);
    if days < 0 {
        year -= 1;
        days = iso_week_days(yday + 365 + i64::from(is_leap(year)), wday);
    } else {
        let d = iso_week_days(yday - 365 - i64::from(is_leap(year)), wday);
        if d >= 0 {
            year += 1;
            days = d;
        }
    }
    (year, days / 7 + 1)
}

/// The year as glibc prints it: `tm_year + 1900` in C `int` arithmetic
/// (wrapping for the last ~1900 representable years, as lua5.4 shows).
fn c_year(y: i64) -> i64 {
    ((y - 1900) as i32).wrapping_add(1900) as i64
}

/// Appends one conversion (`spec` is the letter after any `E`/`O`
/// modifier, which the C locale ignores).
fn convert(out: &mut Vec<u8>, spec: u8, tm: &Tm) {
    use std::io::Write;
    let wday0 = (tm.wday - 1).rem_euclid(7) as usize;
    let mon0 = (tm.month - 1).clamp(0, 11) as usize;
    let yday0 = tm.yday as i64 - 1;
    let year = c_year(tm.year);
    // Writing into a Vec cannot fail.
    let _ = match spec {
        b'a' => write!(out, "{}", ABDAY[wday0]),
        b'A' => write!(out, "{}", DAY[wday0]),
        b'b' | b'h' => write!(out, "{}", ABMON[mon0]),
        b'B' => write!(out, "{}", MON[mon0]),
        b'c' => {
            let (d, h, mi, s) = (tm.day, tm.hour, tm.min, tm.sec);
            write!(
                out,
                "{} {} {d:2} {h:02}:{mi:02}:{s:02} {year}",
                ABDAY[wday0], ABMON[mon0]
            )
        }
        // Floor division, printed without padding (observed glibc 2.36).
        // %C, %Y, %G, %g use the year in C int arithmetic; %y, %D, %x the true year.
        b'C' => write!(out, "{}", year.div_euclid(100)),
        b'd' => write!(out, "{:02}", tm.day),
        b'D' | b'x' => write!(
            out,
            "{:02}/{:02}/{:02}",
            tm.month,
            tm.day,
            tm.year.rem_euclid(100)
        ),
        b'e' => write!(out, "{:2}", tm.day),
        b'F' => write!(out, "{year}-{:02}-{:02}", tm.month, tm.day),
        b'g' => write!(out, "{:02}", c_year(iso_week(tm).0).rem_euclid(100)),
        b'G' => write!(out, "{}", c_year(iso_week(tm).0)),
        b'H' => write!(out, "{:02}", tm.hour),
        b'I' => write!(out, "{:02}", (tm.hour + 11) % 12 + 1),
        b'j' => write!(out, "{:03}", tm.yday),
        b'm' => write!(out, "{:02}", tm.month),
        b'M' => write!(out, "{:02}", tm.min),
        b'n' => out.write_all(b"\n"),
        b'p' => write!(out, "{}", if tm.hour < 12 { "AM" } else { "PM" }),
        b'r' => {
            let ampm = if tm.hour < 12 { "AM" } else { "PM" };
            write!(
                out,
                "{:02}:{:02}:{:02} {ampm}",
                (tm.hour + 11) % 12 + 1,
                tm.min,
                tm.sec
            )
        }
        b'R' => write!(out, "{:02}:{:02}", tm.hour, tm.min),
        b'S' => write!(out, "{:02}", tm.sec),
        b't' => write!(out, "\t"),
        b'T' | b'X' => write!(out, "{:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec),
        b'u' => write!(out, "{}", (tm.wday + 5) % 7 + 1),
        b'U' => write!(out, "{:02}", (yday0 + 7 - wday0 as i64) / 7),
        b'V' => write!(out, "{:02}", iso_week(tm).1),
        b'w' => write!(out, "{}", wday0),
        b'W' => write!(out, "{:02}", (yday0 + 7 - (wday0 as i64 + 6) % 7) / 7),
        b'y' => write!(out, "{:02}", tm.year.rem_euclid(100)),
        b'Y' => write!(out, "{year}"),
        b'z' => {
            let off = tm.gmtoff;
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.unsigned_abs() / 60;
            write!(out, "{sign}{:02}{:02}", a / 60, a % 60)
        }
        b'Z' => write!(out, "{}", tm.zone),
        _ => write!(out, "%"),
    };
}

/// `os.date` formatting of `fmt` (after the caller stripped a leading `!`
/// and handled `*t`/`!*t`). Accepts exactly the C99 conversions Lua 5.4
/// allows; any other is `invalid conversion specifier '%<rest of format>'`
/// — PUC quotes the whole remainder of the format, not just one letter —
/// which the caller raises as `bad argument #1 to 'date' (...)`.
pub fn strftime(fmt: &[u8], tm: &Tm) -> Result<Vec<u8>, BadConversion> {
    let mut out = Vec::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let rest = &fmt[i..];
        if let Some(&c1) = rest.first()
            && OPTIONS1.contains(&c1)
        {
            convert(&mut out, c1, tm);
            i += 1;
        } else if rest.len() >= 2 && OPTIONS2.iter().any(|o| o[..] == rest[..2]) {
            convert(&mut out, rest[1], tm);
            i += 2;
        } else {
            // lua_pushfstring's %s stops at an embedded NUL.
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            let mut msg = b"invalid conversion specifier '%".to_vec();
            msg.extend_from_slice(&rest[..end]);
            msg.push(b'\'');
            return Err(BadConversion(msg));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[u8] = b"%a %A %b %B %c|%C %d %D %e %F %g %G %h %H %I %j %m %M %n %p %r %R %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %%";
    const ALL_EO: &[u8] =
        b"%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy";

    // Expectations below were produced by lua5.4 (glibc 2.36, TZ unset):
    // (time, os.date("!"..ALL), os.date(ALL), os.date("!"..ALL_EO)).
    const DATES: &[(i64, &str, &str, &str)] = &[
        (
            0,
            "Thu Thursday Jan January Thu Jan  1 00:00:00 1970|19 01 01/01/70  1 1970-01-01 70 1970 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 4 00 01 4 00 01/01/70 00:00:00 70 1970 +0000 GMT %",
            "Thu Thursday Jan January Thu Jan  1 00:00:00 1970|19 01 01/01/70  1 1970-01-01 70 1970 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 4 00 01 4 00 01/01/70 00:00:00 70 1970 +0000 UTC %",
            "Thu Jan  1 00:00:00 1970|19|01/01/70|00:00:00|70|1970|01| 1|00|12|01|00|00|4|00|01|4|00|70",
        ),
        (
            -1,
            "Wed Wednesday Dec December Wed Dec 31 23:59:59 1969|19 31 12/31/69 31 1969-12-31 70 1970 Dec 23 11 365 12 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 3 52 01 3 52 12/31/69 23:59:59 69 1969 +0000 GMT %",
            "Wed Wednesday Dec December Wed Dec 31 23:59:59 1969|19 31 12/31/69 31 1969-12-31 70 1970 Dec 23 11 365 12 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 3 52 01 3 52 12/31/69 23:59:59 69 1969 +0000 UTC %",
            "Wed Dec 31 23:59:59 1969|19|12/31/69|23:59:59|69|1969|31|31|23|11|12|59|59|3|52|01|3|52|69",
        ),
        (
            1795240859,
            "Sat Saturday Nov November Sat Nov 21 06:00:59 2026|20 21 11/21/26 21 2026-11-21 26 2026 Nov 06 06 325 11 00 \n AM 06:00:59 AM 06:00 59 \t 06:00:59 6 46 47 6 46 11/21/26 06:00:59 26 2026 +0000 GMT %",
            "Sat Saturday Nov November Sat Nov 21 06:00:59 2026|20 21 11/21/26 21 2026-11-21 26 2026 Nov 06 06 325 11 00 \n AM 06:00:59 AM 06:00 59 \t 06:00:59 6 46 47 6 46 11/21/26 06:00:59 26 2026 +0000 UTC %",
            "Sat Nov 21 06:00:59 2026|20|11/21/26|06:00:59|26|2026|21|21|06|06|11|00|59|6|46|47|6|46|26",
        ),
        (
            1795327259,
            "Sun Sunday Nov November Sun Nov 22 06:00:59 2026|20 22 11/22/26 22 2026-11-22 26 2026 Nov 06 06 326 11 00 \n AM 06:00:59 AM 06:00 59 \t 06:00:59 7 47 47 0 46 11/22/26 06:00:59 26 2026 +0000 GMT %",
            "Sun Sunday Nov November Sun Nov 22 06:00:59 2026|20 22 11/22/26 22 2026-11-22 26 2026 Nov 06 06 326 11 00 \n AM 06:00:59 AM 06:00 59 \t 06:00:59 7 47 47 0 46 11/22/26 06:00:59 26 2026 +0000 UTC %",
            "Sun Nov 22 06:00:59 2026|20|11/22/26|06:00:59|26|2026|22|22|06|06|11|00|59|7|47|47|0|46|26",
        ),
        (
            951782400,
            "Tue Tuesday Feb February Tue Feb 29 00:00:00 2000|20 29 02/29/00 29 2000-02-29 00 2000 Feb 00 12 060 02 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 2 09 09 2 09 02/29/00 00:00:00 00 2000 +0000 GMT %",
            "Tue Tuesday Feb February Tue Feb 29 00:00:00 2000|20 29 02/29/00 29 2000-02-29 00 2000 Feb 00 12 060 02 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 2 09 09 2 09 02/29/00 00:00:00 00 2000 +0000 UTC %",
            "Tue Feb 29 00:00:00 2000|20|02/29/00|00:00:00|00|2000|29|29|00|12|02|00|00|2|09|09|2|09|00",
        ),
        (
            951868799,
            "Tue Tuesday Feb February Tue Feb 29 23:59:59 2000|20 29 02/29/00 29 2000-02-29 00 2000 Feb 23 11 060 02 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 2 09 09 2 09 02/29/00 23:59:59 00 2000 +0000 GMT %",
            "Tue Tuesday Feb February Tue Feb 29 23:59:59 2000|20 29 02/29/00 29 2000-02-29 00 2000 Feb 23 11 060 02 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 2 09 09 2 09 02/29/00 23:59:59 00 2000 +0000 UTC %",
            "Tue Feb 29 23:59:59 2000|20|02/29/00|23:59:59|00|2000|29|29|23|11|02|59|59|2|09|09|2|09|00",
        ),
        (
            1609459200,
            "Fri Friday Jan January Fri Jan  1 00:00:00 2021|20 01 01/01/21  1 2021-01-01 20 2020 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 5 00 53 5 00 01/01/21 00:00:00 21 2021 +0000 GMT %",
            "Fri Friday Jan January Fri Jan  1 00:00:00 2021|20 01 01/01/21  1 2021-01-01 20 2020 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 5 00 53 5 00 01/01/21 00:00:00 21 2021 +0000 UTC %",
            "Fri Jan  1 00:00:00 2021|20|01/01/21|00:00:00|21|2021|01| 1|00|12|01|00|00|5|00|53|5|00|21",
        ),
        (
            1609718400,
            "Mon Monday Jan January Mon Jan  4 00:00:00 2021|20 04 01/04/21  4 2021-01-04 21 2021 Jan 00 12 004 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 01 01 1 01 01/04/21 00:00:00 21 2021 +0000 GMT %",
            "Mon Monday Jan January Mon Jan  4 00:00:00 2021|20 04 01/04/21  4 2021-01-04 21 2021 Jan 00 12 004 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 01 01 1 01 01/04/21 00:00:00 21 2021 +0000 UTC %",
            "Mon Jan  4 00:00:00 2021|20|01/04/21|00:00:00|21|2021|04| 4|00|12|01|00|00|1|01|01|1|01|21",
        ),
        (
            1735516800,
            "Mon Monday Dec December Mon Dec 30 00:00:00 2024|20 30 12/30/24 30 2024-12-30 25 2025 Dec 00 12 365 12 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 52 01 1 53 12/30/24 00:00:00 24 2024 +0000 GMT %",
            "Mon Monday Dec December Mon Dec 30 00:00:00 2024|20 30 12/30/24 30 2024-12-30 25 2025 Dec 00 12 365 12 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 52 01 1 53 12/30/24 00:00:00 24 2024 +0000 UTC %",
            "Mon Dec 30 00:00:00 2024|20|12/30/24|00:00:00|24|2024|30|30|00|12|12|00|00|1|52|01|1|53|24",
        ),
        (
            10000000000,
            "Sat Saturday Nov November Sat Nov 20 17:46:40 2286|22 20 11/20/86 20 2286-11-20 86 2286 Nov 17 05 324 11 46 \n PM 05:46:40 PM 17:46 40 \t 17:46:40 6 46 46 6 46 11/20/86 17:46:40 86 2286 +0000 GMT %",
            "Sat Saturday Nov November Sat Nov 20 17:46:40 2286|22 20 11/20/86 20 2286-11-20 86 2286 Nov 17 05 324 11 46 \n PM 05:46:40 PM 17:46 40 \t 17:46:40 6 46 46 6 46 11/20/86 17:46:40 86 2286 +0000 UTC %",
            "Sat Nov 20 17:46:40 2286|22|11/20/86|17:46:40|86|2286|20|20|17|05|11|46|40|6|46|46|6|46|86",
        ),
        (
            -62167219200,
            "Sat Saturday Jan January Sat Jan  1 00:00:00 0|0 01 01/01/00  1 0-01-01 99 -1 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 6 00 52 6 00 01/01/00 00:00:00 00 0 +0000 GMT %",
            "Sat Saturday Jan January Sat Jan  1 00:00:00 0|0 01 01/01/00  1 0-01-01 99 -1 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 6 00 52 6 00 01/01/00 00:00:00 00 0 +0000 UTC %",
            "Sat Jan  1 00:00:00 0|0|01/01/00|00:00:00|00|0|01| 1|00|12|01|00|00|6|00|52|6|00|00",
        ),
        (
            -62167219201,
            "Fri Friday Dec December Fri Dec 31 23:59:59 -1|-1 31 12/31/99 31 -1-12-31 99 -1 Dec 23 11 365 12 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 5 52 52 5 52 12/31/99 23:59:59 99 -1 +0000 GMT %",
            "Fri Friday Dec December Fri Dec 31 23:59:59 -1|-1 31 12/31/99 31 -1-12-31 99 -1 Dec 23 11 365 12 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 5 52 52 5 52 12/31/99 23:59:59 99 -1 +0000 UTC %",
            "Fri Dec 31 23:59:59 -1|-1|12/31/99|23:59:59|99|-1|31|31|23|11|12|59|59|5|52|52|5|52|99",
        ),
        (
            -62135596800,
            "Mon Monday Jan January Mon Jan  1 00:00:00 1|0 01 01/01/01  1 1-01-01 01 1 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 00 01 1 01 01/01/01 00:00:00 01 1 +0000 GMT %",
            "Mon Monday Jan January Mon Jan  1 00:00:00 1|0 01 01/01/01  1 1-01-01 01 1 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 00 01 1 01 01/01/01 00:00:00 01 1 +0000 UTC %",
            "Mon Jan  1 00:00:00 1|0|01/01/01|00:00:00|01|1|01| 1|00|12|01|00|00|1|00|01|1|01|01",
        ),
        (
            67768036191676799,
            "Wed Wednesday Dec December Wed Dec 31 23:59:59 -2147481749|-21474818 31 12/31/47 31 -2147481749-12-31 52 -2147481748 Dec 23 11 365 12 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 3 52 01 3 52 12/31/47 23:59:59 47 -2147481749 +0000 GMT %",
            "Wed Wednesday Dec December Wed Dec 31 23:59:59 -2147481749|-21474818 31 12/31/47 31 -2147481749-12-31 52 -2147481748 Dec 23 11 365 12 59 \n PM 11:59:59 PM 23:59 59 \t 23:59:59 3 52 01 3 52 12/31/47 23:59:59 47 -2147481749 +0000 UTC %",
            "Wed Dec 31 23:59:59 -2147481749|-21474818|12/31/47|23:59:59|47|-2147481749|31|31|23|11|12|59|59|3|52|01|3|52|47",
        ),
        (
            -67768040609740800,
            "Thu Thursday Jan January Thu Jan  1 00:00:00 -2147481748|-21474818 01 01/01/52  1 -2147481748-01-01 52 -2147481748 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 4 00 01 4 00 01/01/52 00:00:00 52 -2147481748 +0000 GMT %",
            "Thu Thursday Jan January Thu Jan  1 00:00:00 -2147481748|-21474818 01 01/01/52  1 -2147481748-01-01 52 -2147481748 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 4 00 01 4 00 01/01/52 00:00:00 52 -2147481748 +0000 UTC %",
            "Thu Jan  1 00:00:00 -2147481748|-21474818|01/01/52|00:00:00|52|-2147481748|01| 1|00|12|01|00|00|4|00|01|4|00|52",
        ),
        (
            1234567890,
            "Fri Friday Feb February Fri Feb 13 23:31:30 2009|20 13 02/13/09 13 2009-02-13 09 2009 Feb 23 11 044 02 31 \n PM 11:31:30 PM 23:31 30 \t 23:31:30 5 06 07 5 06 02/13/09 23:31:30 09 2009 +0000 GMT %",
            "Fri Friday Feb February Fri Feb 13 23:31:30 2009|20 13 02/13/09 13 2009-02-13 09 2009 Feb 23 11 044 02 31 \n PM 11:31:30 PM 23:31 30 \t 23:31:30 5 06 07 5 06 02/13/09 23:31:30 09 2009 +0000 UTC %",
            "Fri Feb 13 23:31:30 2009|20|02/13/09|23:31:30|09|2009|13|13|23|11|02|31|30|5|06|07|5|06|09",
        ),
        (
            4102444800,
            "Fri Friday Jan January Fri Jan  1 00:00:00 2100|21 01 01/01/00  1 2100-01-01 99 2099 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 5 00 53 5 00 01/01/00 00:00:00 00 2100 +0000 GMT %",
            "Fri Friday Jan January Fri Jan  1 00:00:00 2100|21 01 01/01/00  1 2100-01-01 99 2099 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 5 00 53 5 00 01/01/00 00:00:00 00 2100 +0000 UTC %",
            "Fri Jan  1 00:00:00 2100|21|01/01/00|00:00:00|00|2100|01| 1|00|12|01|00|00|5|00|53|5|00|00",
        ),
        (
            -2208988800,
            "Mon Monday Jan January Mon Jan  1 00:00:00 1900|19 01 01/01/00  1 1900-01-01 00 1900 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 00 01 1 01 01/01/00 00:00:00 00 1900 +0000 GMT %",
            "Mon Monday Jan January Mon Jan  1 00:00:00 1900|19 01 01/01/00  1 1900-01-01 00 1900 Jan 00 12 001 01 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 1 00 01 1 01 01/01/00 00:00:00 00 1900 +0000 UTC %",
            "Mon Jan  1 00:00:00 1900|19|01/01/00|00:00:00|00|1900|01| 1|00|12|01|00|00|1|00|01|1|01|00",
        ),
        (
            1583020800,
            "Sun Sunday Mar March Sun Mar  1 00:00:00 2020|20 01 03/01/20  1 2020-03-01 20 2020 Mar 00 12 061 03 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 7 09 09 0 08 03/01/20 00:00:00 20 2020 +0000 GMT %",
            "Sun Sunday Mar March Sun Mar  1 00:00:00 2020|20 01 03/01/20  1 2020-03-01 20 2020 Mar 00 12 061 03 00 \n AM 12:00:00 AM 00:00 00 \t 00:00:00 7 09 09 0 08 03/01/20 00:00:00 20 2020 +0000 UTC %",
            "Sun Mar  1 00:00:00 2020|20|03/01/20|00:00:00|20|2020|01| 1|00|12|03|00|00|7|09|09|0|08|20",
        ),
        (
            1700000000,
            "Tue Tuesday Nov November Tue Nov 14 22:13:20 2023|20 14 11/14/23 14 2023-11-14 23 2023 Nov 22 10 318 11 13 \n PM 10:13:20 PM 22:13 20 \t 22:13:20 2 46 46 2 46 11/14/23 22:13:20 23 2023 +0000 GMT %",
            "Tue Tuesday Nov November Tue Nov 14 22:13:20 2023|20 14 11/14/23 14 2023-11-14 23 2023 Nov 22 10 318 11 13 \n PM 10:13:20 PM 22:13 20 \t 22:13:20 2 46 46 2 46 11/14/23 22:13:20 23 2023 +0000 UTC %",
            "Tue Nov 14 22:13:20 2023|20|11/14/23|22:13:20|23|2023|14|14|22|10|11|13|20|2|46|46|2|46|23",
        ),
        (
            43200,
            "Thu Thursday Jan January Thu Jan  1 12:00:00 1970|19 01 01/01/70  1 1970-01-01 70 1970 Jan 12 12 001 01 00 \n PM 12:00:00 PM 12:00 00 \t 12:00:00 4 00 01 4 00 01/01/70 12:00:00 70 1970 +0000 GMT %",
            "Thu Thursday Jan January Thu Jan  1 12:00:00 1970|19 01 01/01/70  1 1970-01-01 70 1970 Jan 12 12 001 01 00 \n PM 12:00:00 PM 12:00 00 \t 12:00:00 4 00 01 4 00 01/01/70 12:00:00 70 1970 +0000 UTC %",
            "Thu Jan  1 12:00:00 1970|19|01/01/70|12:00:00|70|1970|01| 1|12|12|01|00|00|4|00|01|4|00|70",
        ),
        (
            46800,
            "Thu Thursday Jan January Thu Jan  1 13:00:00 1970|19 01 01/01/70  1 1970-01-01 70 1970 Jan 13 01 001 01 00 \n PM 01:00:00 PM 13:00 00 \t 13:00:00 4 00 01 4 00 01/01/70 13:00:00 70 1970 +0000 GMT %",
            "Thu Thursday Jan January Thu Jan  1 13:00:00 1970|19 01 01/01/70  1 1970-01-01 70 1970 Jan 13 01 001 01 00 \n PM 01:00:00 PM 13:00 00 \t 13:00:00 4 00 01 4 00 01/01/70 13:00:00 70 1970 +0000 UTC %",
            "Thu Jan  1 13:00:00 1970|19|01/01/70|13:00:00|70|1970|01| 1|13|01|01|00|00|4|00|01|4|00|70",
        ),
    ];
    /// os.date("!*t"): year, month, day, hour, min, sec, wday, yday.
    const TABLES: &[(i64, [i64; 8])] = &[
        (0, [1970, 1, 1, 0, 0, 0, 5, 1]),
        (-1, [1969, 12, 31, 23, 59, 59, 4, 365]),
        (1795240859, [2026, 11, 21, 6, 0, 59, 7, 325]),
        (1795327259, [2026, 11, 22, 6, 0, 59, 1, 326]),
        (951782400, [2000, 2, 29, 0, 0, 0, 3, 60]),
        (951868799, [2000, 2, 29, 23, 59, 59, 3, 60]),
        (1609459200, [2021, 1, 1, 0, 0, 0, 6, 1]),
        (1609718400, [2021, 1, 4, 0, 0, 0, 2, 4]),
        (1735516800, [2024, 12, 30, 0, 0, 0, 2, 365]),
        (10000000000, [2286, 11, 20, 17, 46, 40, 7, 324]),
        (-62167219200, [0, 1, 1, 0, 0, 0, 7, 1]),
        (-62167219201, [-1, 12, 31, 23, 59, 59, 6, 365]),
        (-62135596800, [1, 1, 1, 0, 0, 0, 2, 1]),
        (67768036191676799, [2147485547, 12, 31, 23, 59, 59, 4, 365]),
        (-67768040609740800, [-2147481748, 1, 1, 0, 0, 0, 5, 1]),
        (1234567890, [2009, 2, 13, 23, 31, 30, 6, 44]),
        (4102444800, [2100, 1, 1, 0, 0, 0, 6, 1]),
        (-2208988800, [1900, 1, 1, 0, 0, 0, 2, 1]),
        (1583020800, [2020, 3, 1, 0, 0, 0, 1, 61]),
        (1700000000, [2023, 11, 14, 22, 13, 20, 3, 318]),
        (43200, [1970, 1, 1, 12, 0, 0, 5, 1]),
        (46800, [1970, 1, 1, 13, 0, 0, 5, 1]),
    ];
    /// os.time{...} and the normalised table it leaves behind.
    #[allow(clippy::type_complexity)]
    const TIMES: &[([i64; 6], Option<(i64, [i64; 8])>)] = &[
        (
            [2026, 14, 0, 0, 0, 0],
            Some((1801353600, [2027, 1, 31, 0, 0, 0, 1, 31])),
        ),
        (
            [2026, 1, 1, -1, 70, -5],
            Some((1767226195, [2026, 1, 1, 0, 9, 55, 5, 1])),
        ),
        (
            [1970, 1, 1, 0, 0, 0],
            Some((0, [1970, 1, 1, 0, 0, 0, 5, 1])),
        ),
        (
            [1, 1, 1, 0, 0, 0],
            Some((-62135596800, [1, 1, 1, 0, 0, 0, 2, 1])),
        ),
        (
            [2000, -13, 400, 12, 0, 0],
            Some((944395200, [1999, 12, 5, 12, 0, 0, 1, 339])),
        ),
        (
            [2024, 2, 30, 0, 0, 0],
            Some((1709251200, [2024, 3, 1, 0, 0, 0, 6, 61])),
        ),
        (
            [2023, 2, 29, 25, 61, 61],
            Some((1677722521, [2023, 3, 2, 2, 2, 1, 5, 61])),
        ),
        (
            [1900, 1, 1, 0, 0, 0],
            Some((-2208988800, [1900, 1, 1, 0, 0, 0, 2, 1])),
        ),
        (
            [2147485547, 12, 31, 23, 59, 59],
            Some((67768036191676799, [2147485547, 12, 31, 23, 59, 59, 4, 365])),
        ),
        ([2147485547, 12, 31, 23, 59, 60], None), // time result cannot be represented in this installation
        (
            [-2147481748, 1, 1, 0, 0, 0],
            Some((-67768040609740800, [-2147481748, 1, 1, 0, 0, 0, 5, 1])),
        ),
        ([-2147481748, 1, 1, -1, 0, 0], None), // time result cannot be represented in this installation
        (
            [2000, 1, 1, 0, 0, -2147483648],
            Some((-1200798848, [1931, 12, 13, 20, 45, 52, 1, 347])),
        ),
        (
            [2000, 2147483647, 1, 0, 0, 0],
            Some((5647337474745600, [178958970, 7, 1, 0, 0, 0, 1, 182])),
        ),
        (
            [2020, 0, 0, 0, 0, 0],
            Some((1575072000, [2019, 11, 30, 0, 0, 0, 7, 334])),
        ),
        (
            [-5, 3, 1, 12, 0, 0],
            Some((-62319844800, [-5, 3, 1, 12, 0, 0, 4, 60])),
        ),
        (
            [1969, 12, 31, 23, 59, 58],
            Some((-2, [1969, 12, 31, 23, 59, 58, 4, 365])),
        ),
    ];
    const ERRORS: &[(&str, &str)] = &[
        (
            "%Ez",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%Ez')",
        ),
        (
            "%Q",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%Q')",
        ),
        (
            "%",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%')",
        ),
        (
            "%E",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%E')",
        ),
        (
            "%O",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%O')",
        ),
        (
            "%Oy%",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%')",
        ),
        (
            "%Qabc",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%Qabc')",
        ),
        (
            "ok %5",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%5')",
        ),
        (
            "%Ex%EZ",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%EZ')",
        ),
        (
            "%k",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%k')",
        ),
        (
            "%l",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%l')",
        ),
        (
            "%s",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%s')",
        ),
        (
            "%P",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%P')",
        ),
        (
            "%+",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%+')",
        ),
        (
            "%-d",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%-d')",
        ),
        (
            "%Ox",
            "bad argument #1 to 'os.date' (invalid conversion specifier '%Ox')",
        ),
    ];

    fn fields(tm: &Tm) -> [i64; 8] {
        [
            tm.year,
            tm.month as i64,
            tm.day as i64,
            tm.hour as i64,
            tm.min as i64,
            tm.sec as i64,
            tm.wday as i64,
            tm.yday as i64,
        ]
    }

    #[test]
    fn strftime_matches_lua() {
        for &(t, utc, local, eo) in DATES {
            let tm = utc_from_epoch(t).unwrap();
            assert_eq!(
                String::from_utf8(strftime(ALL, &tm).unwrap()).unwrap(),
                utc,
                "utc {t}"
            );
            assert_eq!(
                String::from_utf8(strftime(ALL_EO, &tm).unwrap()).unwrap(),
                eo,
                "E/O {t}"
            );
            // Local time with TZ unset on a UTC machine: UTC named "UTC".
            let tm = Tm {
                zone: ZoneName::new("UTC"),
                ..utc_from_epoch(t).unwrap()
            };
            assert_eq!(
                String::from_utf8(strftime(ALL, &tm).unwrap()).unwrap(),
                local,
                "local {t}"
            );
        }
    }

    #[test]
    fn broken_down_matches_lua() {
        for &(t, want) in TABLES {
            assert_eq!(fields(&utc_from_epoch(t).unwrap()), want, "{t}");
        }
        // One past the glibc year range either way.
        assert_eq!(utc_from_epoch(67768036191676800), None);
        assert_eq!(utc_from_epoch(-67768040609740801), None);
        assert_eq!(utc_from_epoch(1 << 60), None);
        assert_eq!(utc_from_epoch(-(1 << 60)), None);
        assert_eq!(utc_from_epoch(i64::MAX), None);
        assert_eq!(utc_from_epoch(i64::MIN), None);
    }

    #[test]
    fn mktime_matches_lua() {
        for &(f, want) in TIMES {
            let got =
                epoch_from_utc(f[0], f[1], f[2], f[3], f[4], f[5]).map(|(t, tm)| (t, fields(&tm)));
            assert_eq!(got, want, "{f:?}");
        }
        assert_eq!(
            epoch_from_utc(i64::MAX, i64::MAX, i64::MAX, i64::MAX, i64::MAX, i64::MAX),
            None
        );
        assert_eq!(
            epoch_from_utc(i64::MIN, i64::MIN, i64::MIN, i64::MIN, i64::MIN, i64::MIN),
            None
        );
    }

    #[test]
    fn bad_conversions_match_lua() {
        for &(f, want) in ERRORS {
            let got = match strftime(f.as_bytes(), &utc_from_epoch(0).unwrap()) {
                Ok(s) => format!("OK {}", String::from_utf8(s).unwrap()),
                Err(e) => format!("bad argument #1 to 'os.date' ({e})"),
            };
            assert_eq!(got, want, "{f}");
        }
    }

    #[test]
    fn round_trip_epochs() {
        let mut t = -70_000_000_000i64;
        while t < 70_000_000_000 {
            let tm = utc_from_epoch(t).unwrap();
            let (back, tm2) = epoch_from_utc(
                tm.year,
                tm.month as i64,
                tm.day as i64,
                tm.hour as i64,
                tm.min as i64,
                tm.sec as i64,
            )
            .unwrap();
            assert_eq!(back, t);
            assert_eq!(fields(&tm2), fields(&tm));
            t += 86_400 * 37 + 3_607;
        }
    }
}
