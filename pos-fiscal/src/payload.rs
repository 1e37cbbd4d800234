//! Record payloads other than tickets: duplicates, JET events, closures,
//! archives, and the head. Each is canonically encoded into its record.

use crate::model::{DocRef, Series};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A reprint (series C): "DUPLICATA n°k".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatePayload {
    /// Register id.
    pub register: String,
    /// The reprinted document.
    pub original: DocRef,
    /// Document type of the original ("ticket", "invoice", ...).
    pub doc_type: String,
    /// Reprint counter for this original: 1, 2, 3...
    pub reprint: u32,
    /// Operator who reprinted.
    pub operator: String,
}

/// A JET entry (series E).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JetPayload {
    /// Register id.
    pub register: String,
    /// JET event code (see [`crate::jet::JetCode`]).
    pub code: u32,
    /// Short fixed text for the code.
    pub text: String,
    /// Operator or "system".
    pub operator: String,
    /// Event details (no personal data).
    pub detail: BTreeMap<String, String>,
}

/// The closure level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureLevel {
    /// Daily closure ("Z de caisse").
    Day,
    /// Monthly closure.
    Month,
    /// Annual closure (calendar year = fiscal year).
    Year,
}

impl ClosureLevel {
    /// The record kind for this level.
    pub fn kind(self) -> &'static str {
        match self {
            ClosureLevel::Day => "closure_day",
            ClosureLevel::Month => "closure_month",
            ClosureLevel::Year => "closure_year",
        }
    }
}

/// First and last document of one series covered by a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covered {
    /// First number.
    pub first: u64,
    /// Last number.
    pub last: u64,
    /// Hash of the last.
    pub last_hash: String,
    /// How many.
    pub count: u64,
}

/// Cash control of a day (amounts in minor units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashControl {
    /// Opening float.
    pub opening_float: i64,
    /// Cash put in the drawer outside sales.
    pub pay_ins: i64,
    /// Cash taken out outside sales.
    pub pay_outs: i64,
    /// Cash counted at close, if counted.
    pub counted: Option<i64>,
    /// Expected = float + cash sales net of change + pay-ins - pay-outs.
    pub expected: i64,
}

/// The last number and hash of one series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadEntry {
    /// Last number.
    pub last: u64,
    /// Hash of that record.
    pub hash: String,
}

/// A closure (series Z).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosurePayload {
    /// Register id.
    pub register: String,
    /// Day, month or year.
    pub level: ClosureLevel,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub period: String,
    /// Documents covered per series (T, I).
    pub covered: BTreeMap<Series, Covered>,
    /// Sales count.
    pub sales: u64,
    /// Refunds / cancellations count.
    pub refunds: u64,
    /// Refunds total (negative or zero): the totals of the refund
    /// documents only (an exchange's returns are in `exchange_returns`).
    pub refunds_total: i64,
    /// Exchanges count. Absent when zero, so closures made before exchanges
    /// existed keep their bytes.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub exchanges: u64,
    /// Sum of the exchanges' return lines (negative or zero); their sale
    /// lines are the rest of their totals. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub exchange_returns: i64,
    /// Duplicates printed in the period.
    pub duplicates: u64,
    /// Per-rate totals, keyed by basis points.
    pub vat: BTreeMap<u32, crate::ticket::VatAmounts>,
    /// Payments net of change, by method code.
    pub payments: BTreeMap<String, i64>,
    /// Cash control (daily closures).
    pub cash: Option<CashControl>,
    /// The period total.
    pub period_total: i64,
    /// Year-to-date total including this period.
    pub cumulative_total: i64,
    /// Perpetual grand total (GT) after this period.
    pub perpetual_total: i64,
    /// Z numbers of the closures this one sums (month: days, year: months).
    pub children: Vec<u64>,
    /// Signature (base64url) of the previous closure of the same level.
    pub previous_signature: String,
    /// The head at close: last number and hash of every series.
    pub head: BTreeMap<Series, HeadEntry>,
}

/// One series' range inside an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRange {
    /// First number in the archive.
    pub first: u64,
    /// Last number in the archive.
    pub last: u64,
    /// `prev_hash` of the first record (the chain anchor).
    pub anchor: String,
    /// Signature (base64url) of the record before the first ("" if first is 1).
    pub anchor_signature: String,
    /// Hash of the last record.
    pub last_hash: String,
    /// Signature (base64url) of the last record.
    pub last_signature: String,
}

/// An archive record (series A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivePayload {
    /// Register id.
    pub register: String,
    /// First local day covered.
    pub from: String,
    /// Last local day covered.
    pub to: String,
    /// SHA-256 of the archive's manifest.json.
    pub manifest_sha256: String,
    /// SHA-256 of the previous archive's manifest.json ("" for the first).
    pub previous_manifest_sha256: String,
    /// Ranges per series.
    pub ranges: BTreeMap<Series, ArchiveRange>,
}

/// The signed head: names the last number and hash of every series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadPayload {
    /// Always "head" (keeps head bytes distinct from any envelope).
    #[serde(rename = "type")]
    pub kind: String,
    /// Register id.
    pub register: String,
    /// Monotonic head counter (+1 per journal write).
    pub head_seq: u64,
    /// Key id that signed it.
    pub key_id: String,
    /// UTC time of the write.
    pub ts: String,
    /// Per series.
    pub series: BTreeMap<Series, HeadEntry>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
