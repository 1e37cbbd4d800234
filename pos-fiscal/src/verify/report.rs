//! The verification report (serialised as JSON by the CLI and the server).

use crate::model::Series;
use serde::Serialize;
use std::collections::BTreeMap;

/// What is wrong at a place in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DefectKind {
    /// The record's content no longer matches its signature or stored hash.
    Modified,
    /// Numbers are missing in the series (a gap).
    Missing,
    /// The record's previous-hash (or chained previous signature) does not
    /// match the previous record present.
    BrokenLink,
    /// The stored bytes are not a well-formed record (undecodable line).
    Malformed,
    /// The signature does not verify though hash and content agree: the
    /// record was made without the key (a forgery), or names an unknown key.
    Forged,
    /// The record appears after a higher number of its series.
    Reordered,
    /// The number appears more than once.
    Duplicated,
    /// The head names records that are not there (cut tail).
    TruncatedTail,
    /// Records exist beyond what the head names (an older head was put back).
    BeyondHead,
    /// The head's own signature is invalid or the head is malformed.
    BadHead,
    /// The head is older than the externally mirrored one (old backup restored).
    RestoredBackup,
    /// A number is below the series' anchor (before an archive/purge point).
    BeforeAnchor,
    /// An archive file is missing, does not match the manifest, or the
    /// manifest signature is invalid.
    ArchiveFile,
    /// A value stored beside the signed data (a derived column, a meta
    /// value, a running total, the business copy of a ticket) disagrees
    /// with what the signed records say.
    Cache,
    /// A closure's content disagrees with the documents it covers or with
    /// the closure before it.
    Closure,
    /// A ticket dated in a day that a closure already sealed, and not
    /// covered by that closure.
    ClosedPeriod,
    /// The journal has records but no head row (or more than one).
    MissingHead,
    /// A record's journal counter (`head_seq`, format 2) repeats, runs
    /// backwards along its series, or contradicts the head that covers it.
    Counter,
}

/// The stored place a defect is about, beyond the record itself: a table,
/// a row key and a column (e.g. `fiscal_totals`, `day/2026-11-28/-1`,
/// `gross`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Table name.
    pub table: &'static str,
    /// Row key, as documented per table in FORMAT.md.
    pub row: String,
    /// Column name.
    pub column: String,
}

/// One defect: where and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Defect {
    /// Kind of defect.
    pub kind: DefectKind,
    /// Series, when known.
    pub series: Option<Series>,
    /// First number concerned, when known.
    pub number: Option<u64>,
    /// Last number concerned for a range (gaps, cut tails).
    pub last_number: Option<u64>,
    /// 0-based position of the record in the stored order, when known.
    pub position: Option<usize>,
    /// A short fixed explanation.
    pub detail: &'static str,
    /// The stored place (table, row, column) when the defect is about a
    /// value beside the records.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

impl Defect {
    /// A defect about a stored value beside the signed records.
    pub fn at_place(
        kind: DefectKind,
        table: &'static str,
        row: impl Into<String>,
        column: impl Into<String>,
        detail: &'static str,
    ) -> Defect {
        Defect {
            kind,
            series: None,
            number: None,
            last_number: None,
            position: None,
            detail,
            place: Some(Place {
                table,
                row: row.into(),
                column: column.into(),
            }),
        }
    }
}

/// A record's place in a series summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    /// Number.
    pub number: u64,
    /// UTC time.
    pub ts: String,
    /// Hash.
    pub hash: String,
}

/// Per-series summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesSummary {
    /// Records present.
    pub count: u64,
    /// Lowest-numbered record.
    pub first: Point,
    /// Highest-numbered record.
    pub last: Point,
}

/// The result of verifying a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `"intact"` or `"defects"`.
    pub verdict: &'static str,
    /// What was verified ("sqlite", "archive", "records").
    pub source: String,
    /// Register id, when known.
    pub register: Option<String>,
    /// Records examined.
    pub records: u64,
    /// Key ids that signed valid records.
    pub key_ids: Vec<String>,
    /// Signatures checked.
    pub signatures_checked: u64,
    /// Head sequence number, when a head was checked.
    pub head_seq: Option<u64>,
    /// Records written after the signed head (their counters continue the
    /// head's): normal between seals, not a defect. 0 without a head.
    pub unsealed: u64,
    /// Per series.
    pub series: BTreeMap<Series, SeriesSummary>,
    /// Every defect, in journal order.
    pub defects: Vec<Defect>,
}

impl Report {
    /// True when no defect was found.
    pub fn is_intact(&self) -> bool {
        self.defects.is_empty()
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| String::from("{}"))
    }
}
