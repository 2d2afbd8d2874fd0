//! Timestamps as cargo-schema writes them: UTC, `YYYY-MM-DD HH:MM:SS`, from the system clock or
//! from seconds since the epoch. The calendar arithmetic is the days-to-civil-date conversion
//! of Howard Hinnant's `chrono`-compatible algorithms (proleptic Gregorian calendar); it is the
//! one thing schema-core needed a date crate for, so an application does not compile one.

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment in UTC, to the microsecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utc {
    seconds: i64,
    micros: u32,
}

impl Utc {
    /// Now, from the system clock (a clock before 1970 reads as the epoch).
    pub(crate) fn now() -> Utc {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Utc {
            seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX / 2),
            micros: since.subsec_micros(),
        }
    }

    /// Milliseconds since the epoch.
    pub(crate) fn epoch_millis(self) -> i64 {
        self.seconds
            .saturating_mul(1000)
            .saturating_add(i64::from(self.micros / 1000))
    }

    /// Seconds since the epoch.
    pub(crate) fn from_epoch(seconds: i64) -> Utc {
        Utc { seconds, micros: 0 }
    }

    /// `YYYY-MM-DD HH:MM:SS`.
    pub(crate) fn seconds(self) -> String {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`.
    pub(crate) fn micros(self) -> String {
        format!("{}.{:06}", self.seconds(), self.micros)
    }
}

/// Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn epoch_millis_counts_the_seconds_and_the_milliseconds() {
        let moment = Utc {
            seconds: 1_700_000_000,
            micros: 123_456,
        };
        assert_eq!(moment.epoch_millis(), 1_700_000_000_123);
    }

    #[test]
    fn known_moments() {
        assert_eq!(Utc::from_epoch(0).seconds(), "1970-01-01 00:00:00");
        assert_eq!(
            Utc::from_epoch(951_782_400).seconds(),
            "2000-02-29 00:00:00"
        );
        assert_eq!(
            Utc::from_epoch(1_798_761_599).seconds(),
            "2026-12-31 23:59:59"
        );
        assert_eq!(Utc::from_epoch(-1).seconds(), "1969-12-31 23:59:59");
        let t = Utc {
            seconds: 86_399,
            micros: 42,
        };
        assert_eq!(t.micros(), "1970-01-01 23:59:59.000042");
    }

    proptest! {
        /// The same text as the `time` crate's formatting, for every second from year 1 to 9999.
        #[test]
        fn agrees_with_the_time_crate(seconds in -62_135_596_800i64..253_402_300_799) {
            let t = time::OffsetDateTime::from_unix_timestamp(seconds).expect("in range");
            let expected = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second()
            );
            prop_assert_eq!(Utc::from_epoch(seconds).seconds(), expected);
        }
    }
}
