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
    let conv = |t: i64| convert(&zone, t);
    // glibc searches with seconds clamped to [0, 59] and adds the rest at the end.
    let sec_clamped = sec.clamp(0, 59);
    let (want, _) = epoch_from_utc(year, month, day, hour, min, sec_clamped)?;
    let diff = |tm: &Tm| -> Option<i64> { Some(want - local_seconds(tm)?) };

    let off = LAST_OFFSET.with(Cell::get);
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
    LAST_OFFSET.with(|o| o.set(t - t0 + off));
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
