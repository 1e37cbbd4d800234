//! Shared vocabulary: series, document references and record time.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A document series: each has its own gapless numbering and its own chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Series {
    /// Tickets (receipts) and refunds.
    T,
    /// Invoices.
    I,
    /// Copies / duplicates (reprints).
    C,
    /// Closures (day, month, year).
    Z,
    /// Technical events: the JET (journal des événements techniques).
    E,
    /// Training ("mode école") documents: touch no total.
    X,
    /// Provisional bills (notes): touch no total.
    B,
    /// Archives.
    A,
}

impl Series {
    /// Every series in canonical order.
    pub const ALL: [Series; 8] = [
        Series::T,
        Series::I,
        Series::C,
        Series::Z,
        Series::E,
        Series::X,
        Series::B,
        Series::A,
    ];

    /// The one-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Series::T => "T",
            Series::I => "I",
            Series::C => "C",
            Series::Z => "Z",
            Series::E => "E",
            Series::X => "X",
            Series::B => "B",
            Series::A => "A",
        }
    }

    /// Parses a one-letter code.
    pub fn parse(s: &str) -> Option<Series> {
        Series::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Whether documents of this series count in the running totals.
    pub fn counts_in_totals(self) -> bool {
        matches!(self, Series::T | Series::I)
    }

    /// Whether detail of this series may be purged once archived.
    pub fn purgeable(self) -> bool {
        matches!(
            self,
            Series::T | Series::I | Series::C | Series::X | Series::B
        )
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A reference to a recorded document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocRef {
    /// Its series.
    pub series: Series,
    /// Its gapless number in that series.
    pub number: u64,
}

/// When something happened: the UTC instant (to the second) and the local
/// UTC offset in minutes (e.g. 60 for Paris in winter, 120 in summer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The instant, truncated to the second when recorded.
    pub utc: DateTime<Utc>,
    /// Local offset from UTC in minutes (between -1080 and 1080).
    pub offset_min: i32,
}

impl Stamp {
    /// Makes a stamp; `None` if the offset is out of range.
    pub fn new(utc: DateTime<Utc>, offset_min: i32) -> Option<Stamp> {
        offset(offset_min)?;
        let secs = utc.timestamp();
        let utc = DateTime::<Utc>::from_timestamp(secs, 0)?;
        Some(Stamp { utc, offset_min })
    }

    /// The local wall-clock time.
    pub fn local(&self) -> Option<DateTime<FixedOffset>> {
        Some(self.utc.with_timezone(&offset(self.offset_min)?))
    }

    /// The local calendar date (closures use local days).
    pub fn local_date(&self) -> Option<NaiveDate> {
        Some(self.local()?.date_naive())
    }

    /// `2026-11-28T07:35:22Z`: the UTC form stored in envelopes.
    pub fn utc_string(&self) -> String {
        self.utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// `yyyyMMddHHmmss` in local time: the form used in NF525 signed strings.
    pub fn compact_local(&self) -> Option<String> {
        Some(self.local()?.format("%Y%m%d%H%M%S").to_string())
    }

    /// Parses the stored UTC form back.
    pub fn parse(utc: &str, offset_min: i32) -> Option<Stamp> {
        let t = DateTime::parse_from_rfc3339(utc).ok()?.with_timezone(&Utc);
        let s = Stamp::new(t, offset_min)?;
        (s.utc_string() == utc).then_some(s)
    }
}

fn offset(offset_min: i32) -> Option<FixedOffset> {
    if !(-1080..=1080).contains(&offset_min) {
        return None;
    }
    FixedOffset::east_opt(offset_min.checked_mul(60)?)
}

/// The month key `YYYY-MM` of a date.
pub fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The year key `YYYY` of a date.
pub fn year_key(d: NaiveDate) -> String {
    format!("{:04}", d.year())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn stamp_local_date_crosses_midnight_with_offset() {
        let t = DateTime::parse_from_rfc3339("2026-03-28T23:30:00Z")
            .unwrap()
            .to_utc();
        let s = Stamp::new(t, 60).unwrap();
        assert_eq!(s.local_date().unwrap().to_string(), "2026-03-29");
        assert_eq!(s.compact_local().unwrap(), "20260329003000");
        assert_eq!(Stamp::parse(&s.utc_string(), 60), Some(s));
    }

    #[test]
    fn bad_offsets_are_refused() {
        let t = DateTime::parse_from_rfc3339("2026-03-28T23:30:00Z")
            .unwrap()
            .to_utc();
        assert!(Stamp::new(t, 5000).is_none());
    }
}
