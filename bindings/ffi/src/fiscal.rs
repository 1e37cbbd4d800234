//! Fiscal closures beyond the day (month, year) and the legal archive of a
//! period (NF525: signed, verified before it is made, recorded as an A
//! record).

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use chrono::NaiveDate;

/// A fiscal archive of a period of days.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FiscalArchive {
    /// Suggested file name (`<register>_<from>_<to>.tar`).
    pub file_name: String,
    /// The archive (tar bytes).
    pub bytes: Vec<u8>,
    /// SHA-256 of its manifest (hex).
    pub manifest_sha256: String,
    /// Whether the journal verified intact before archiving.
    pub intact: bool,
    /// The archive record made, as `"A <number>"`.
    pub record: String,
}

fn day(field: &str, s: &str) -> Result<NaiveDate, PosError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| PosError::invalid(field, "a date such as 2026-03-14"))
}

fn refs(made: &[pos_fiscal::model::DocRef]) -> Vec<String> {
    made.iter()
        .map(|d| format!("{} {}", d.series.code(), d.number))
        .collect()
}

#[uniffi::export]
impl Register {
    /// Closes month `month` of `year` (and first its missing days); returns
    /// the closure records made, oldest first.
    pub fn close_month(
        &self,
        year: i32,
        month: u32,
        operator: String,
    ) -> Result<Vec<String>, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            Ok(refs(&lock(&self.inner).close_month(year, month, &op)?))
        })
    }

    /// Closes `year` (and first its missing months); returns the closure
    /// records made, oldest first.
    pub fn close_year(&self, year: i32, operator: String) -> Result<Vec<String>, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            Ok(refs(&lock(&self.inner).close_year(year, &op)?))
        })
    }

    /// Archives local days `from` to `to` (`YYYY-MM-DD`, at most a year,
    /// never the future).
    pub fn archive(
        &self,
        from: String,
        to: String,
        operator: String,
    ) -> Result<FiscalArchive, PosError> {
        guard(|| {
            let (from, to) = (day("from", &from)?, day("to", &to)?);
            let op = convert::operator(&operator)?;
            let out = lock(&self.inner).archive(from, to, &op)?;
            Ok(FiscalArchive {
                file_name: out.file_name,
                bytes: out.bytes,
                manifest_sha256: out.manifest_sha256,
                intact: out.report.is_intact(),
                record: format!("{} {}", out.record.doc.series.code(), out.record.doc.number),
            })
        })
    }
}
