//! Verifying a till file as an auditor would: read-only, the fiscal
//! journal (pos-fiscal's verifier: chains, signatures, head, meta, running
//! totals, closures) plus the business copy of every ticket against its
//! signed record. Nothing here writes; logging the audit as JET 280 is the
//! separate [`crate::Register::audit`].

use crate::SdkError;
use crate::register::signed_copy;
use pos_fiscal::store::{self, VerifyOptions};
use pos_fiscal::verify::Report;
use rusqlite::Connection;
use std::path::Path;

/// Verifies the till file at `path`, opened read-only (and immutable when
/// no `-wal` file lies beside it): the file's bytes never change.
pub fn verify_file(path: &Path, opts: &VerifyOptions) -> Result<Report, SdkError> {
    let conn = store::open_read_only(path)?;
    verify_connection(&conn, opts)
}

/// Verifies an open till connection (reads only).
pub fn verify_connection(conn: &Connection, opts: &VerifyOptions) -> Result<Report, SdkError> {
    let mut report = store::verify_store(conn, opts)?;
    signed_copy::check_all(conn, &mut report.defects)?;
    if !report.defects.is_empty() {
        report.verdict = "defects";
    }
    Ok(report)
}
