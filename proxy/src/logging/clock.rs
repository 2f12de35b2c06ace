//! The moment a log line is stamped with, broken down in local time once so every format
//! prints from the same fields (and tests can pin it).

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

/// A moment in local time with microseconds and the zone's offset, as HAProxy's headers print
/// it (`Nov 21 07:47:28`, `2026-11-21T07:47:28.601924+00:00`, `324/074728`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogTime {
    pub year: i64,
    /// 1..=12
    pub month: u8,
    /// 1..=31
    pub day: u8,
    pub hour: u8,
    pub min: u8,
    pub sec: u8,
    pub usec: u32,
    /// Day of the year counted from 0 (C's `tm_yday`).
    pub yday: u16,
    /// Seconds east of UTC.
    pub gmtoff: i32,
}

thread_local! {
    // One time-zone conversion per second per thread, like HAProxy's cached legacy timestamp.
    static CACHE: Cell<Option<(i64, LogTime)>> = const { Cell::new(None) };
}

impl LogTime {
    /// Now, in the local time zone.
    pub fn now() -> LogTime {
        LogTime::local(SystemTime::now())
    }

    /// `t` in the local time zone (`TZ`, else `/etc/localtime`); UTC if the zone is unusable.
    pub fn local(t: SystemTime) -> LogTime {
        let (secs, usec) = split(t);
        if let Some((s, lt)) = CACHE.with(Cell::get)
            && s == secs
        {
            return LogTime { usec, ..lt };
        }
        let lt = match halo_stdlib::localtime::local_from_epoch(secs) {
            Some(tm) => from_tm(&tm, usec),
            None => LogTime::utc(t),
        };
        CACHE.with(|c| c.set(Some((secs, lt))));
        lt
    }

    /// `t` in UTC (offset 0).
    pub fn utc(t: SystemTime) -> LogTime {
        let (secs, usec) = split(t);
        match halo_stdlib::strftime::utc_from_epoch(secs) {
            Some(tm) => LogTime {
                gmtoff: 0,
                ..from_tm(&tm, usec)
            },
            None => LogTime {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                min: 0,
                sec: 0,
                usec: 0,
                yday: 0,
                gmtoff: 0,
            },
        }
    }

    /// `2026-11-21T07:47:28.601924+00:00` (HAProxy's `timeofday_as_iso_us`).
    pub fn iso(&self) -> String {
        let off = self.gmtoff;
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.unsigned_abs();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.min,
            self.sec,
            self.usec,
            off / 3600,
            (off % 3600) / 60
        )
    }

    /// `Nov  1 07:47:28` (RFC 3164: the day padded with a space).
    pub fn legacy(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{} {:2} {:02}:{:02}:{:02}",
            MONTHS[(self.month.clamp(1, 12) - 1) as usize],
            self.day,
            self.hour,
            self.min,
            self.sec
        )
    }
}

fn split(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_micros(),
        ),
        Err(_) => (0, 0),
    }
}

fn from_tm(tm: &halo_stdlib::strftime::Tm, usec: u32) -> LogTime {
    let b = |v: i32| u8::try_from(v).unwrap_or(0);
    LogTime {
        year: tm.year,
        month: b(tm.month),
        day: b(tm.day),
        hour: b(tm.hour),
        min: b(tm.min),
        sec: b(tm.sec),
        usec,
        yday: u16::try_from(tm.yday - 1).unwrap_or(0),
        gmtoff: tm.gmtoff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fields_and_renderings() {
        let t = UNIX_EPOCH + Duration::from_micros(1_762_329_600_000_042); // 2025-11-05 08:00:00 UTC
        let u = LogTime::utc(t);
        assert_eq!(u.legacy(), "Nov  5 08:00:00");
        assert_eq!(u.iso(), "2025-11-05T08:00:00.000042+00:00");
        assert_eq!(u.yday, 308);
        let east = LogTime {
            gmtoff: 5 * 3600 + 1800,
            ..u
        };
        assert_eq!(east.iso(), "2025-11-05T08:00:00.000042+05:30");
        let west = LogTime { gmtoff: -3600, ..u };
        assert_eq!(west.iso(), "2025-11-05T08:00:00.000042-01:00");
    }
}
