//! Time without a clock: the caller's `now`, calendar arithmetic and X.509 `Time` values.

use core::fmt;
use core::str::FromStr;

use der::DateTime;
use der::asn1::{GeneralizedTime, UtcTime};

use super::Error;

/// An instant in whole seconds since the Unix epoch (UTC), as the caller passes it.
///
/// kvcert reads no clock: the caller supplies the issuance instant. Sub-second precision is
/// not representable, matching the service, whose X.509 times are whole seconds.
///
/// ```
/// use kvcert::UnixTime;
/// let t: UnixTime = "2022-04-29T15:08:52Z".parse().unwrap();
/// assert_eq!(t.as_secs(), 1651244932);
/// assert_eq!(t.to_string(), "2022-04-29T15:08:52Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

/// The last instant X.509 can express: 9999-12-31T23:59:59Z.
const MAX_SECS: u64 = 253_402_300_799;

/// A calendar date and time of day, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl UnixTime {
    /// From seconds since the epoch; `None` past 9999-12-31T23:59:59Z.
    pub const fn from_unix_seconds(secs: u64) -> Option<Self> {
        if secs > MAX_SECS {
            None
        } else {
            Some(UnixTime(secs))
        }
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    pub(crate) fn civil(self) -> Civil {
        let days = (self.0 / 86_400) as i64;
        let rem = (self.0 % 86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }

    pub(crate) fn from_civil(c: Civil) -> Option<Self> {
        let days = days_from_civil(c.year, c.month, c.day);
        let secs = days
            .checked_mul(86_400)?
            .checked_add(i64::from(c.hour * 3600 + c.minute * 60 + c.second))?;
        UnixTime::from_unix_seconds(u64::try_from(secs).ok()?)
    }

    /// `self − secs`, or `None` before the epoch.
    pub(crate) fn minus_secs(self, secs: u64) -> Option<Self> {
        self.0.checked_sub(secs).map(UnixTime)
    }

    /// `self` plus `months` calendar months: same day of month and time of day, clamped to the
    /// month's last day (31 Jan + 1 month = 28/29 Feb). The service adds calendar months: its
    /// 60-month certificate spanning 29 Feb 2024 lasts 1826 days (`docs/service-behaviour.md` §4).
    /// `None` past 9999-12-31. A certificate of `validity_months` issued at `now` expires at
    /// `now.plus_months(validity_months)`.
    pub fn plus_months(self, months: u32) -> Option<Self> {
        let c = self.civil();
        let total = c.year * 12 + i64::from(c.month - 1) + i64::from(months);
        let year = total.div_euclid(12);
        let month = total.rem_euclid(12) as u32 + 1;
        let day = c.day.min(days_in_month(year, month));
        UnixTime::from_civil(Civil {
            year,
            month,
            day,
            ..c
        })
    }

    /// The X.509 `Time` for this instant: UTCTime through 2049, GeneralizedTime from 2050
    /// (RFC 5280 §4.1.2.5).
    pub(crate) fn to_x509_time(self) -> Result<X509Time, Error> {
        let c = self.civil();
        let dt = DateTime::new(
            u16::try_from(c.year).map_err(|_| Error::TimeOutOfRange {
                what: "a certificate time",
                bound: "after 9999-12-31T23:59:59Z",
            })?,
            c.month as u8,
            c.day as u8,
            c.hour as u8,
            c.minute as u8,
            c.second as u8,
        )
        .map_err(Error::Encoding)?;
        if c.year < 2050 {
            Ok(X509Time::Utc(
                UtcTime::from_date_time(dt).map_err(Error::Encoding)?,
            ))
        } else {
            Ok(X509Time::General(GeneralizedTime::from_date_time(dt)))
        }
    }
}

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }` (RFC 5280 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, der::Choice)]
pub(crate) enum X509Time {
    #[asn1(type = "UTCTime")]
    Utc(UtcTime),
    #[asn1(type = "GeneralizedTime")]
    General(GeneralizedTime),
}

impl TryFrom<std::time::SystemTime> for UnixTime {
    type Error = Error;
    /// Whole seconds of a `SystemTime` (truncated); refused before 1970 or after 9999.
    fn try_from(t: std::time::SystemTime) -> Result<Self, Error> {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| Error::TimeOutOfRange {
                what: "now",
                bound: "before 1970-01-01T00:00:00Z",
            })?
            .as_secs();
        UnixTime::from_unix_seconds(secs).ok_or(Error::TimeOutOfRange {
            what: "now",
            bound: "after 9999-12-31T23:59:59Z",
        })
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339, `YYYY-MM-DDTHH:MM:SSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

/// Why an RFC 3339 timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimeError(&'static str);

impl fmt::Display for ParseTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid RFC 3339 timestamp: {}", self.0)
    }
}

impl std::error::Error for ParseTimeError {}

impl FromStr for UnixTime {
    type Err = ParseTimeError;

    /// Reads RFC 3339 (`2024-08-02T00:35:09Z`, `…+02:00`, fractional seconds truncated).
    fn from_str(s: &str) -> Result<Self, ParseTimeError> {
        let b = s.as_bytes();
        let num = |r: core::ops::Range<usize>| -> Result<u32, ParseTimeError> {
            let part = b.get(r).ok_or(ParseTimeError("too short"))?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(ParseTimeError("expected digits"));
            }
            Ok(part
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
        };
        let sep = |i: usize, allowed: &[u8]| -> Result<(), ParseTimeError> {
            match b.get(i) {
                Some(c) if allowed.contains(c) => Ok(()),
                _ => Err(ParseTimeError("unexpected separator")),
            }
        };
        let year = num(0..4)?;
        sep(4, b"-")?;
        let month = num(5..7)?;
        sep(7, b"-")?;
        let day = num(8..10)?;
        sep(10, b"Tt ")?;
        let hour = num(11..13)?;
        sep(13, b":")?;
        let minute = num(14..16)?;
        sep(16, b":")?;
        let second = num(17..19)?;
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return Err(ParseTimeError("empty fraction"));
            }
        }
        let offset: i64 = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == b.len() => {
                let oh = num(i + 1..i + 3)?;
                sep(i + 3, b":")?;
                let om = num(i + 4..i + 6)?;
                if oh > 23 || om > 59 {
                    return Err(ParseTimeError("offset out of range"));
                }
                let o = i64::from(oh * 3600 + om * 60);
                if *sign == b'+' { o } else { -o }
            }
            _ => return Err(ParseTimeError("expected Z or an offset at the end")),
        };
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(i64::from(year), month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(ParseTimeError("field out of range"));
        }
        // A leap second is read as the next second (X.509 cannot express :60).
        let local = days_from_civil(i64::from(year), month, day) * 86_400
            + i64::from(hour * 3600 + minute * 60 + second);
        let secs = local - offset;
        u64::try_from(secs)
            .ok()
            .and_then(UnixTime::from_unix_seconds)
            .ok_or(ParseTimeError("before 1970 or after 9999"))
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, public domain).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Calendar months from `not_before` to `not_after`, rounded up when anything is left over;
/// `None` unless `not_after` is later.
///
/// The four recorded imports fit this rule and no day-based one: 296 months + 2 days → 297;
/// 1199 months + 7 days → 1200; 12 months + 10 minutes → 13; exactly 120 months → 120.
pub fn validity_months(not_before: UnixTime, not_after: UnixTime) -> Option<u32> {
    if not_after <= not_before {
        return None;
    }
    let (a, b) = (not_before.civil(), not_after.civil());
    let estimate = (b.year - a.year) * 12 + i64::from(b.month) - i64::from(a.month);
    let mut months = u32::try_from(estimate.max(0)).ok()?;
    // The estimate is the whole-month count or one more (when the day and time of notBefore
    // come later in the month than notAfter's).
    while months > 0 && not_before.plus_months(months).is_none_or(|t| t > not_after) {
        months -= 1;
    }
    if not_before
        .plus_months(months)
        .is_some_and(|t| t < not_after)
    {
        months += 1;
    }
    Some(months)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_months_of_recorded_imports() {
        let t = |s: &str| s.parse::<UnixTime>().unwrap();
        let months = |a, b| validity_months(t(a), t(b));
        // 12 months + 10 minutes (a Key Vault certificate, backdated) → 13; exactly 120 → 120.
        assert_eq!(
            months("2021-11-04T20:44:41Z", "2022-11-04T20:54:41Z"),
            Some(13)
        );
        assert_eq!(
            months("2021-11-01T21:38:51Z", "2031-11-01T21:38:51Z"),
            Some(120)
        );
        assert_eq!(months("2021-11-01T21:38:51Z", "2021-11-01T21:38:51Z"), None);
    }

    fn t(s: &str) -> UnixTime {
        s.parse().unwrap()
    }

    #[test]
    fn roundtrip_known_instants() {
        assert_eq!(t("1970-01-01T00:00:00Z").as_secs(), 0);
        assert_eq!(t("2021-10-15T06:09:12Z").as_secs(), 1_634_278_152);
        assert_eq!(t("2021-10-15T08:09:12.999+02:00").as_secs(), 1_634_278_152);
        assert_eq!(
            t("2000-02-29T12:00:00Z").to_string(),
            "2000-02-29T12:00:00Z"
        );
        assert_eq!(
            UnixTime::from_unix_seconds(MAX_SECS).unwrap().to_string(),
            "9999-12-31T23:59:59Z"
        );
        assert!(UnixTime::from_unix_seconds(MAX_SECS + 1).is_none());
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "2021-10-15",
            "2021-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2021-10-15T24:00:00Z",
            "2021-10-15T00:00:00",
            "2021-10-15T00:00:00Zjunk",
            "1969-12-31T23:59:59Z",
            "2021-10-15T00:00:00.Z",
            "+021-10-15T00:00:00Z",
        ] {
            assert!(s.parse::<UnixTime>().is_err(), "{s}");
        }
    }

    #[test]
    fn calendar_months_as_the_service_adds_them() {
        // CLI 7.0 fixture: T = 2021-10-15T06:09:12Z, 60 months, spans 29 Feb 2024: 1826 days.
        let start = t("2021-10-15T06:09:12Z");
        let end = start.plus_months(60).unwrap();
        assert_eq!(end.to_string(), "2026-10-15T06:09:12Z");
        assert_eq!((end.as_secs() - start.as_secs()) / 86_400, 1826);
        // Clamping to the month's last day.
        assert_eq!(
            t("2023-01-31T10:00:00Z")
                .plus_months(1)
                .unwrap()
                .to_string(),
            "2023-02-28T10:00:00Z"
        );
        assert_eq!(
            t("2024-01-31T10:00:00Z")
                .plus_months(1)
                .unwrap()
                .to_string(),
            "2024-02-29T10:00:00Z"
        );
        assert_eq!(
            t("2024-02-29T10:00:00Z")
                .plus_months(12)
                .unwrap()
                .to_string(),
            "2025-02-28T10:00:00Z"
        );
        assert_eq!(
            t("2024-12-15T00:00:00Z")
                .plus_months(1)
                .unwrap()
                .to_string(),
            "2025-01-15T00:00:00Z"
        );
        assert!(t("9999-06-01T00:00:00Z").plus_months(12).is_none());
    }

    #[test]
    fn x509_time_switches_at_2050() {
        use der::Encode;
        let utc = t("2049-12-31T23:59:59Z").to_x509_time().unwrap();
        assert_eq!(utc.to_der().unwrap()[0], 0x17);
        let gen_ = t("2050-01-01T00:00:00Z").to_x509_time().unwrap();
        let der = gen_.to_der().unwrap();
        assert_eq!(der[0], 0x18);
        assert_eq!(&der[2..], b"20500101000000Z");
    }

    #[test]
    fn civil_days_agree_over_a_long_range() {
        for d in (-800_000i64..3_000_000).step_by(997) {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn validity_months_fits_the_four_recorded_imports() {
        // docs/service-facts-keys-secrets-import.md §4: notBefore → notAfter, and what the service stored.
        let cases = [
            ("2015-04-29T21:53:41Z", "2039-12-31T23:59:59Z", 297),
            ("2021-08-06T17:20:37Z", "2121-07-13T17:20:37Z", 1200),
            ("2021-11-04T20:44:41Z", "2022-11-04T20:54:41Z", 13),
            ("2021-11-01T21:38:51Z", "2031-11-01T21:38:51Z", 120),
        ];
        for (nb, na, months) in cases {
            assert_eq!(validity_months(t(nb), t(na)), Some(months), "{nb} → {na}");
        }
    }

    #[test]
    fn validity_months_edges() {
        let nb = t("2024-01-31T10:00:00Z");
        assert_eq!(validity_months(nb, nb), None);
        assert_eq!(validity_months(nb, t("2024-01-31T10:00:01Z")), Some(1));
        // Clamped month end: 31 Jan + 1 month = 29 Feb.
        assert_eq!(validity_months(nb, t("2024-02-29T10:00:00Z")), Some(1));
        assert_eq!(validity_months(nb, t("2024-02-29T10:00:01Z")), Some(2));
        // notBefore later in its month than notAfter.
        assert_eq!(
            validity_months(t("2024-01-20T00:00:00Z"), t("2024-03-10T00:00:00Z")),
            Some(2)
        );
        assert_eq!(
            validity_months(t("1970-01-01T00:00:00Z"), t("9999-12-31T23:59:59Z")),
            Some(9999 * 12 - 1970 * 12 + 12)
        );
    }
}
