//! Dates: the `http_date`, `utime` and `ltime` converters and the `date` fetch's units.
//! Broken-down times and `strftime` come from the C library, as in HAProxy, so formats,
//! locales (HAProxy runs in the C locale, so does Halo) and the local time zone behave the
//! same.

use std::ffi::CString;

/// `date` and `http_date` units (`smp_check_date_unit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    S = 0,
    Ms = 1,
    Us = 2,
}

impl TimeUnit {
    pub fn parse(s: &[u8]) -> Result<TimeUnit, String> {
        match s {
            b"s" => Ok(TimeUnit::S),
            b"ms" => Ok(TimeUnit::Ms),
            b"us" => Ok(TimeUnit::Us),
            other => Err(format!(
                "expects 's', 'ms' or 'us', got '{}'",
                String::from_utf8_lossy(other)
            )),
        }
    }

    pub fn from_i64(i: i64) -> TimeUnit {
        match i {
            1 => TimeUnit::Ms,
            2 => TimeUnit::Us,
            _ => TimeUnit::S,
        }
    }
}

/// HAProxy masks dates to 55 bits so that huge values never give a negative `time_t`.
const DATE_MASK: i64 = 0x007f_ffff_ffff_ffff;

fn broken_down(t: i64, local: bool) -> Option<libc::tm> {
    let t = t as libc::time_t;
    // SAFETY: `tm` is plain data; gmtime_r/localtime_r write it and return NULL on failure.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let r = if local {
            libc::localtime_r(&t, &mut tm)
        } else {
            libc::gmtime_r(&t, &mut tm)
        };
        (!r.is_null()).then_some(tm)
    }
}

/// `strftime` into a buffer of HAProxy's default size (16384): a result that does not fit
/// is empty, as there. A format with a NUL byte is cut there (C strings).
fn strftime(fmt: &[u8], tm: &libc::tm) -> Vec<u8> {
    let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
    let Ok(cfmt) = CString::new(&fmt[..end]) else {
        return Vec::new();
    };
    let mut buf = vec![0u8; 16384];
    // SAFETY: the buffer's length is passed; strftime writes at most that many bytes.
    let n = unsafe {
        libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            cfmt.as_ptr(),
            tm,
        )
    };
    buf.truncate(n);
    buf
}

/// `utime(format[,offset])` (`local` false) and `ltime` (`local` true): the 55-bit-masked
/// date plus the offset, formatted.
pub fn format_time(date: i64, fmt: &[u8], offset: i64, local: bool) -> Option<Vec<u8>> {
    let t = (date & DATE_MASK).wrapping_add(offset);
    let tm = broken_down(t, local)?;
    Some(strftime(fmt, &tm))
}

/// `http_date([offset[,unit]])`: the IMF-fixdate of a date in the given unit; a fraction of
/// a second is printed after a dot with `%d`, as HAProxy does (so 1001 ms gives `.1`).
pub fn http_date(date: i64, offset: i64, unit: Option<TimeUnit>) -> Option<String> {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut v = date.wrapping_add(offset);
    let mut frac = 0;
    match unit {
        Some(TimeUnit::Ms) => {
            frac = v % 1000;
            v /= 1000;
        }
        Some(TimeUnit::Us) => {
            frac = v % 1_000_000;
            v /= 1_000_000;
        }
        _ => {}
    }
    let tm = broken_down(v & DATE_MASK, false)?;
    let day = DAYS.get(tm.tm_wday as usize)?;
    let mon = MONTHS.get(tm.tm_mon as usize)?;
    let year = 1900i64 + i64::from(tm.tm_year);
    let head = format!(
        "{day}, {:02} {mon} {year:04} {:02}:{:02}:{:02}",
        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec
    );
    Some(match unit {
        Some(TimeUnit::Ms | TimeUnit::Us) => format!("{head}.{frac} GMT"),
        _ => format!("{head} GMT"),
    })
}

/// The current date in seconds, milliseconds or microseconds (the `date` fetch).
pub fn now_in(unit: TimeUnit) -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let s = d.as_secs() as i64;
    match unit {
        TimeUnit::S => s,
        TimeUnit::Ms => s * 1000 + i64::from(d.subsec_millis()),
        TimeUnit::Us => s * 1_000_000 + i64::from(d.subsec_micros()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        // Outputs of haproxy 2.6.
        assert_eq!(
            http_date(0, 0, None).unwrap(),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            http_date(1500, 0, Some(TimeUnit::Ms)).unwrap(),
            "Thu, 01 Jan 1970 00:00:01.500 GMT"
        );
        assert_eq!(
            http_date(1001, 0, Some(TimeUnit::Ms)).unwrap(),
            "Thu, 01 Jan 1970 00:00:01.1 GMT"
        );
        assert_eq!(
            http_date(1500, 1, Some(TimeUnit::S)).unwrap(),
            "Thu, 01 Jan 1970 00:25:01 GMT"
        );
        assert_eq!(
            http_date(1_500_123, 5, Some(TimeUnit::Us)).unwrap(),
            "Thu, 01 Jan 1970 00:00:01.500128 GMT"
        );
        assert_eq!(
            http_date(-1, 0, None).unwrap(),
            "Sun, 13 Jun 1141709097 06:26:07 GMT"
        );
        assert_eq!(
            http_date(-1500, 0, Some(TimeUnit::Ms)).unwrap(),
            "Sun, 13 Jun 1141709097 06:26:07.-500 GMT"
        );
    }

    #[test]
    fn strftime_formats() {
        let f = |d, fmt: &str, off| {
            String::from_utf8(format_time(d, fmt.as_bytes(), off, false).unwrap()).unwrap()
        };
        assert_eq!(f(86400, "%Y-%m-%d %H:%M:%S", 0), "1970-01-02 00:00:00");
        assert_eq!(f(0, "%Y", -1), "1969");
        assert_eq!(f(-1, "%Y", 0), "1141709097");
        assert_eq!(
            f(0, "%a %b %e %j %p %c %s %z %%", 0),
            "Thu Jan  1 001 AM Thu Jan  1 00:00:00 1970 0 +0000 %"
        );
        assert_eq!(TimeUnit::parse(b"ms"), Ok(TimeUnit::Ms));
        assert_eq!(
            TimeUnit::parse(b"h").unwrap_err(),
            "expects 's', 'ms' or 'us', got 'h'"
        );
    }
}
