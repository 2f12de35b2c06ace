//! The local time zone as glibc sees it, and `localtime`/`mktime` on it (for `os.date` without
//! `!` and `os.time` with a table).
//!
//! The zone comes from `TZ` like `tzset`: unset → `/etc/localtime`; empty → UTC; `:file`, a
//! zoneinfo name (`Europe/Paris`) or a POSIX rule string (`EST5EDT,M3.2.0,M11.1.0`), read and
//! parsed by the `tz-rs` crate. An unreadable or invalid value gives UTC, named after the value's
//! leading letters as glibc does (`TZ=garbage` → "garbage", `TZ=ab` → ""). The parsed zone is cached per thread
//! and reloaded when `TZ` changes.
//!
//! `mktime` follows glibc's algorithm (mktime.c): probe with the offset found by the previous
//! call, correct by the error until the local fields match, settle gaps and folds the same way,
//! and honour a requested `isdst` by borrowing the offset of a nearby time with that `isdst` (or
//! shifting one hour when none exists, as in UTC). So ambiguous and skipped local times resolve
//! like lua5.4's.

use std::cell::{Cell, RefCell};
use std::ffi::OsString;
use std::rc::Rc;

use tz::{TimeZone, TimeZoneSettings};

use crate::strftime::{Tm, ZoneName, epoch_from_utc, utc_from_epoch};

/// A local time zone: a parsed zone, or UTC under some name.
enum Zone {
    Tz(TimeZone),
    Utc(ZoneName),
}

thread_local! {
    static ZONE: RefCell<Option<(Option<OsString>, Rc<Zone>)>> = const { RefCell::new(None) };
    /// glibc's `localtime_offset`: UTC minus local time found by the last `mktime`.
    static LAST_OFFSET: Cell<i64> = const { Cell::new(0) };
}

fn load(tz: Option<&OsString>) -> Zone {
    let Some(tz) = tz else {
        return match TimeZone::local() {
            Ok(z) => Zone::Tz(z),
            Err(_) => Zone::Utc(ZoneName::new("UTC")),
        };
    };
    let s = tz.to_string_lossy();
    if s.is_empty() {
        return Zone::Utc(ZoneName::new("UTC"));
    }
    match TimeZoneSettings::DEFAULT.parse_posix_tz(&s) {
        Ok(z) => Zone::Tz(z),
        Err(_) => {
            let name: String = s
                .trim_start_matches(':')
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            // glibc keeps a well-formed name even when the rest fails to parse.
            Zone::Utc(ZoneName::new(if name.len() >= 3 { &name } else { "" }))
        }
    }
}

/// The current zone, reloaded when `TZ` differs from the cached one (`tzset`).
fn zone() -> Rc<Zone> {
    let tz = std::env::var_os("TZ");
    ZONE.with(|z| {
        let mut z = z.borrow_mut();
        if let Some((cached, zone)) = z.as_ref()
            && *cached == tz
        {
            return zone.clone();
        }
        let zone = Rc::new(load(tz.as_ref()));
        *z = Some((tz, zone.clone()));
        zone
    })
}

fn convert(zone: &Zone, t: i64) -> Option<Tm> {
    match zone {
        Zone::Utc(name) => Some(Tm {
            zone: *name,
            ..utc_from_epoch(t)?
        }),
        Zone::Tz(tz) => {
            let ltt = tz.find_local_time_type(t).ok()?;
            let off = ltt.ut_offset();
            Some(Tm {
                isdst: ltt.is_dst(),
                gmtoff: off,
                zone: ZoneName::new(ltt.time_zone_designation()),
                ..utc_from_epoch(t.checked_add(i64::from(off))?)?
            })
        }
    }
}

/// `localtime`: `None` when the year does not fit (PUC raises "date result cannot be
/// represented in this installation").
pub fn local_from_epoch(t: i64) -> Option<Tm> {
    convert(&zone(), t)
}

/// Local seconds of a broken-down local time (its fields read as if UTC).
fn local_seconds(tm: &Tm) -> Option<i64> {
    epoch_from_utc(
        tm.year,
        i64::from(tm.month),
        i64::from(tm.day),
        i64::from(tm.hour),
        i64::from(tm.min),
        i64::from(tm.sec),
    )
    .map(|(t, _)| t)
}

/// `mktime` of local fields (full year, 1-based month, any range) with `isdst` as `tm_isdst`
/// (negative: unknown). Returns the time and the normalised fields, or `None` where glibc fails
/// (PUC raises "time result cannot be represented in this installation").
pub fn mktime(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    isdst: i32,
) -> Option<(i64, Tm)> {
    let zone = zone();
    let fields = [year, month, day, hour, min, sec];
    LAST_OFFSET.with(|last| mktime_in(&zone, last, fields, isdst))
}

/// `mktime` in `zone`, with `last` as glibc's remembered offset.
fn mktime_in(zone: &Zone, last: &Cell<i64>, fields: [i64; 6], isdst: i32) -> Option<(i64, Tm)> {
    let [year, month, day, hour, min, sec] = fields;
    let conv = |t: i64| convert(zone, t);
    // glibc searches with seconds clamped to [0, 59] and adds the rest at the end.
    let sec_clamped = sec.clamp(0, 59);
    let (want, _) = epoch_from_utc(year, month, day, hour, min, sec_clamped)?;
    let diff = |tm: &Tm| -> Option<i64> { Some(want - local_seconds(tm)?) };

    let off = last.get();
    let t0 = want.checked_add(off)?;
    let (mut t, mut t1, mut t2) = (t0, t0, t0);
    let mut dst2 = false;
    let mut remaining_probes = 6;
    let mut tm;
    let matched = loop {
        tm = conv(t)?;
        let dt = diff(&tm)?;
        if dt == 0 {
            break true;
        }
        // Oscillating between two values: a spring-forward gap. Take the time whose isdst
        // differs from the request (or, with none, the DST one), as glibc does.
        let prefer = if isdst < 0 {
            !dst2 || tm.isdst
        } else {
            (isdst != 0) != tm.isdst
        };
        if t == t1 && t != t2 && prefer {
            break false;
        }
        remaining_probes -= 1;
        if remaining_probes == 0 {
            return None;
        }
        t1 = t2;
        t2 = t;
        t = t.checked_add(dt)?;
        dst2 = tm.isdst;
    };
    if matched && isdst >= 0 && (isdst != 0) != tm.isdst {
        (t, tm) = borrow_offset(&conv, t, &tm, want, isdst != 0)?;
    }
    last.set(t - t0 + off);
    if sec != i64::from(tm.sec) {
        let adjust = i64::from(sec_clamped == 0 && tm.sec == 60) - sec_clamped + sec;
        t = t.checked_add(adjust)?;
        tm = conv(t)?;
    }
    Some((t, tm))
}

/// glibc's handling of a `tm_isdst` that the found time does not have: the offset of the
/// nearest time (probing a week at a time, both ways, up to about 7 years) that has it; else a
/// one-hour shift.
fn borrow_offset(
    conv: &impl Fn(i64) -> Option<Tm>,
    t: i64,
    tm: &Tm,
    want: i64,
    want_dst: bool,
) -> Option<(i64, Tm)> {
    const STRIDE: i64 = 601_200;
    const DURATION_MAX: i64 = 457_243_200;
    let delta_bound = DURATION_MAX / 2 + STRIDE;
    let mut delta = STRIDE;
    while delta < delta_bound {
        for direction in [-1, 1] {
            let Some(ot) = t.checked_add(delta * direction) else {
                continue;
            };
            let otm = conv(ot)?;
            if otm.isdst == want_dst {
                let gt = ot + (want - local_seconds(&otm)?);
                if let Some(gtm) = conv(gt) {
                    return Some((gt, gtm));
                }
            }
        }
        delta += STRIDE;
    }
    let dst_difference = i64::from(!want_dst) - i64::from(!tm.isdst);
    let t = t.checked_add(3600 * dst_difference)?;
    Some((t, conv(t)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (year, month, day, hour, min, sec, isdst) as `os.time` gets them, in this order in one
    /// fresh process (glibc remembers the last offset, so order matters).
    const CALLS: [(i64, i64, i64, i64, i64, i64, i32); 20] = [
        (2020, 1, 1, 0, 0, 0, -1),
        (2020, 7, 1, 0, 0, 0, -1),
        (2020, 1, 1, 0, 0, 0, 1),
        (2020, 7, 1, 0, 0, 0, 0),
        (2020, 3, 8, 2, 30, 0, -1),
        (2020, 11, 1, 1, 30, 0, -1),
        (2020, 11, 1, 1, 30, 0, 1),
        (2020, 11, 1, 1, 30, 0, 0),
        (2020, 3, 29, 2, 30, 0, -1),
        (2020, 10, 25, 2, 30, 0, -1),
        (2020, 3, 29, 2, 30, 0, 1),
        (2020, 10, 25, 2, 30, 0, 0),
        (2020, 10, 4, 2, 15, 0, -1),
        (2020, 4, 5, 1, 45, 0, -1),
        (2021, 13, 32, 25, 61, -3700, -1),
        (2020, 11, 1, 1, 30, 7300, -1),
        (1900, 1, 1, 0, 0, 0, -1),
        (2038, 1, 19, 3, 14, 8, -1),
        (1969, 12, 31, 23, 59, 59, -1),
        (2100, 2, 29, 12, 0, 0, 0),
    ];

    /// What lua5.4 (glibc 2.36) returned for `CALLS` under some `TZ` values: the time and the
    /// normalised year, month, day, hour, min, sec, isdst; `None` where `os.time` failed. The
    /// zones are POSIX rule strings, so no zoneinfo file is needed.
    type Want = [Option<(i64, [i64; 7])>; 20];

    const NEW_YORK: Want = [
        Some((1577854800, [2020, 1, 1, 0, 0, 0, 0])),
        Some((1593576000, [2020, 7, 1, 0, 0, 0, 1])),
        Some((1577851200, [2019, 12, 31, 23, 0, 0, 0])),
        Some((1593579600, [2020, 7, 1, 1, 0, 0, 1])),
        Some((1583652600, [2020, 3, 8, 3, 30, 0, 1])),
        Some((1604212200, [2020, 11, 1, 1, 30, 0, 0])),
        Some((1604208600, [2020, 11, 1, 1, 30, 0, 1])),
        Some((1604212200, [2020, 11, 1, 1, 30, 0, 0])),
        Some((1585463400, [2020, 3, 29, 2, 30, 0, 1])),
        Some((1603607400, [2020, 10, 25, 2, 30, 0, 1])),
        Some((1585463400, [2020, 3, 29, 2, 30, 0, 1])),
        Some((1603611000, [2020, 10, 25, 3, 30, 0, 1])),
        Some((1601792100, [2020, 10, 4, 2, 15, 0, 1])),
        Some((1586065500, [2020, 4, 5, 1, 45, 0, 1])),
        Some((1643781560, [2022, 2, 2, 0, 59, 20, 0])),
        Some((1604219500, [2020, 11, 1, 3, 31, 40, 0])),
        Some((-2208970800, [1900, 1, 1, 0, 0, 0, 0])),
        Some((2147501648, [2038, 1, 19, 3, 14, 8, 0])),
        Some((17999, [1969, 12, 31, 23, 59, 59, 0])),
        Some((4107603600, [2100, 3, 1, 12, 0, 0, 0])),
    ];

    const PARIS: Want = [
        Some((1577833200, [2020, 1, 1, 0, 0, 0, 0])),
        Some((1593554400, [2020, 7, 1, 0, 0, 0, 1])),
        Some((1577829600, [2019, 12, 31, 23, 0, 0, 0])),
        Some((1593558000, [2020, 7, 1, 1, 0, 0, 1])),
        Some((1583631000, [2020, 3, 8, 2, 30, 0, 0])),
        Some((1604190600, [2020, 11, 1, 1, 30, 0, 0])),
        Some((1604187000, [2020, 11, 1, 0, 30, 0, 0])),
        Some((1604190600, [2020, 11, 1, 1, 30, 0, 0])),
        Some((1585445400, [2020, 3, 29, 3, 30, 0, 1])),
        Some((1603589400, [2020, 10, 25, 2, 30, 0, 0])),
        Some((1585441800, [2020, 3, 29, 1, 30, 0, 0])),
        Some((1603589400, [2020, 10, 25, 2, 30, 0, 0])),
        Some((1601770500, [2020, 10, 4, 2, 15, 0, 1])),
        Some((1586043900, [2020, 4, 5, 1, 45, 0, 1])),
        Some((1643759960, [2022, 2, 2, 0, 59, 20, 0])),
        Some((1604197900, [2020, 11, 1, 3, 31, 40, 0])),
        Some((-2208992400, [1900, 1, 1, 0, 0, 0, 0])),
        Some((2147480048, [2038, 1, 19, 3, 14, 8, 0])),
        Some((-3601, [1969, 12, 31, 23, 59, 59, 0])),
        Some((4107582000, [2100, 3, 1, 12, 0, 0, 0])),
    ];

    /// Lord Howe's half-hour DST: the one-hour fallback does not apply.
    const LORD_HOWE: Want = [
        Some((1577797200, [2020, 1, 1, 0, 0, 0, 1])),
        Some((1593523800, [2020, 7, 1, 0, 0, 0, 0])),
        Some((1577797200, [2020, 1, 1, 0, 0, 0, 1])),
        Some((1593523800, [2020, 7, 1, 0, 0, 0, 0])),
        Some((1583595000, [2020, 3, 8, 2, 30, 0, 1])),
        Some((1604154600, [2020, 11, 1, 1, 30, 0, 1])),
        Some((1604154600, [2020, 11, 1, 1, 30, 0, 1])),
        Some((1604156400, [2020, 11, 1, 2, 0, 0, 1])),
        Some((1585409400, [2020, 3, 29, 2, 30, 0, 1])),
        Some((1603553400, [2020, 10, 25, 2, 30, 0, 1])),
        Some((1585409400, [2020, 3, 29, 2, 30, 0, 1])),
        Some((1603555200, [2020, 10, 25, 3, 0, 0, 1])),
        Some((1601739900, [2020, 10, 4, 2, 45, 0, 1])),
        Some((1586013300, [2020, 4, 5, 1, 45, 0, 0])),
        Some((1643723960, [2022, 2, 2, 0, 59, 20, 1])),
        Some((1604161900, [2020, 11, 1, 3, 31, 40, 1])),
        Some((-2209028400, [1900, 1, 1, 0, 0, 0, 1])),
        Some((2147444048, [2038, 1, 19, 3, 14, 8, 1])),
        Some((-39601, [1969, 12, 31, 23, 59, 59, 1])),
        Some((4107547800, [2100, 3, 1, 12, 30, 0, 1])),
    ];

    /// No DST at all: a requested isdst shifts by one hour; -1 is a failure.
    const UTC: Want = [
        Some((1577836800, [2020, 1, 1, 0, 0, 0, 0])),
        Some((1593561600, [2020, 7, 1, 0, 0, 0, 0])),
        Some((1577833200, [2019, 12, 31, 23, 0, 0, 0])),
        Some((1593561600, [2020, 7, 1, 0, 0, 0, 0])),
        Some((1583634600, [2020, 3, 8, 2, 30, 0, 0])),
        Some((1604194200, [2020, 11, 1, 1, 30, 0, 0])),
        Some((1604190600, [2020, 11, 1, 0, 30, 0, 0])),
        Some((1604194200, [2020, 11, 1, 1, 30, 0, 0])),
        Some((1585449000, [2020, 3, 29, 2, 30, 0, 0])),
        Some((1603593000, [2020, 10, 25, 2, 30, 0, 0])),
        Some((1585445400, [2020, 3, 29, 1, 30, 0, 0])),
        Some((1603593000, [2020, 10, 25, 2, 30, 0, 0])),
        Some((1601777700, [2020, 10, 4, 2, 15, 0, 0])),
        Some((1586051100, [2020, 4, 5, 1, 45, 0, 0])),
        Some((1643763560, [2022, 2, 2, 0, 59, 20, 0])),
        Some((1604201500, [2020, 11, 1, 3, 31, 40, 0])),
        Some((-2208988800, [1900, 1, 1, 0, 0, 0, 0])),
        Some((2147483648, [2038, 1, 19, 3, 14, 8, 0])),
        None,
        Some((4107585600, [2100, 3, 1, 12, 0, 0, 0])),
    ];

    fn check(tz: &str, want: &Want) {
        let zone = load(Some(&OsString::from(tz)));
        let last = Cell::new(0);
        for (call, want) in CALLS.iter().zip(want) {
            let (y, mo, d, h, mi, s, isdst) = *call;
            let got = mktime_in(&zone, &last, [y, mo, d, h, mi, s], isdst)
                .filter(|&(t, _)| t != -1)
                .map(|(t, tm)| {
                    let f = [
                        tm.month,
                        tm.day,
                        tm.hour,
                        tm.min,
                        tm.sec,
                        i32::from(tm.isdst),
                    ];
                    let f = f.map(i64::from);
                    (t, [tm.year, f[0], f[1], f[2], f[3], f[4], f[5]])
                });
            assert_eq!(got, *want, "TZ={tz} {call:?}");
        }
    }

    #[test]
    fn mktime_matches_glibc() {
        check("EST5EDT,M3.2.0,M11.1.0", &NEW_YORK);
        check("CET-1CEST,M3.5.0,M10.5.0/3", &PARIS);
        check("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &LORD_HOWE);
        check("UTC", &UTC);
        check("garbage", &UTC);
    }

    #[test]
    fn zone_names_like_glibc() {
        let name = |tz: &str, t: i64| convert(&load(Some(&OsString::from(tz))), t).unwrap().zone;
        let paris = "CET-1CEST,M3.5.0,M10.5.0/3";
        assert_eq!(name(paris, 1_690_000_000).as_str(), "CEST");
        assert_eq!(name(paris, 1_700_000_000).as_str(), "CET");
        assert_eq!(name("<+0330>-3:30", 0).as_str(), "+0330");
        assert_eq!(name("garbage", 0).as_str(), "garbage");
        assert_eq!(name("ab", 0).as_str(), "");
        assert_eq!(name("", 0).as_str(), "UTC");
        let tm = convert(&load(Some(&OsString::from("IST-5:30"))), 1_700_000_000).unwrap();
        assert_eq!((tm.gmtoff, tm.hour, tm.min), (19_800, 3, 43));
    }
}
