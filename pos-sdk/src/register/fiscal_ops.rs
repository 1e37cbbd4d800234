//! The fiscal journal's operations through the till: closures, audit
//! (verification logged as JET 280), duplicates, archives, FEC export. Each
//! runs in one transaction with the till's clock and key.

use super::{Register, stamp};
use crate::SdkError;
use chrono::NaiveDate;
use pos_core::ids::OperatorId;
use pos_fiscal::archive::ArchiveOutput;
use pos_fiscal::model::{DocRef, Series};
use pos_fiscal::store::{self, CashCount, Recorded, VerifyOptions};
use pos_fiscal::verify::Report;

impl Register {
    /// The local date of now in the store's time zone.
    pub fn today(&self) -> NaiveDate {
        self.clock
            .now()
            .with_timezone(&self.config.time_zone)
            .date_naive()
    }

    /// Closes local day `day` (default: today), running any missing earlier
    /// day first. Returns the Z records made, oldest first.
    pub fn close_day(
        &mut self,
        day: Option<NaiveDate>,
        cash: Option<CashCount>,
        operator: &OperatorId,
    ) -> Result<Vec<DocRef>, SdkError> {
        let day = day.unwrap_or_else(|| self.today());
        self.fiscal_tx(|tx, signer, now| {
            store::close_day(tx, signer, now, day, cash, operator.as_str())
        })
    }

    /// Closes a month (and first its missing days).
    pub fn close_month(
        &mut self,
        year: i32,
        month: u32,
        operator: &OperatorId,
    ) -> Result<Vec<DocRef>, SdkError> {
        self.fiscal_tx(|tx, signer, now| {
            store::close_month(tx, signer, now, year, month, operator.as_str())
        })
    }

    /// Closes a year (and first its missing months).
    pub fn close_year(
        &mut self,
        year: i32,
        operator: &OperatorId,
    ) -> Result<Vec<DocRef>, SdkError> {
        self.fiscal_tx(|tx, signer, now| {
            store::close_year(tx, signer, now, year, operator.as_str())
        })
    }

    /// Verifies the till (see [`Register::verify`]) and logs the audit
    /// itself: JET 280, preceded by JET 90 when a defect was found. The
    /// explicit "tax audit" action of the till app.
    pub fn audit(&mut self, operator: &OperatorId) -> Result<Report, SdkError> {
        let report = self.verify()?;
        self.fiscal_tx(|tx, signer, now| {
            store::record_audit(tx, signer, now, operator.as_str(), &report)
        })?;
        Ok(report)
    }

    /// Verifies the journal and everything stored beside it (derived
    /// columns, head, meta, running totals, closures, the business copy of
    /// every ticket) without writing anything.
    pub fn verify(&self) -> Result<Report, SdkError> {
        crate::verify::verify_connection(&self.conn, &VerifyOptions::default())
    }

    /// Records a reprint of ticket `number` (series T) as a signed duplicate
    /// in series C; returns the record and the reprint counter (1, 2, 3...).
    pub fn duplicate(
        &mut self,
        series: Series,
        number: u64,
        operator: &OperatorId,
    ) -> Result<(Recorded, u32), SdkError> {
        let original = DocRef { series, number };
        self.fiscal_tx(|tx, signer, now| {
            store::record_duplicate(tx, signer, now, original, operator.as_str())
        })
    }

    /// Sets the SIREN used to name the FEC (a JET 270 compliance setting).
    pub fn set_siren(&mut self, siren: &str, operator: &OperatorId) -> Result<(), SdkError> {
        self.fiscal_tx(|tx, signer, now| {
            store::set_siren(tx, signer, now, siren, operator.as_str())
        })
    }

    /// The FEC of every closed day: (file name, ISO-8859-15 bytes); a JET 110.
    pub fn export_fec(
        &mut self,
        siren: &str,
        operator: &OperatorId,
    ) -> Result<(String, Vec<u8>), SdkError> {
        self.fiscal_tx(|tx, signer, now| {
            store::export_fec(tx, signer, now, siren, operator.as_str())
        })
    }

    /// Archives local days `[from, to]` (at most a year, never the future).
    pub fn archive(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        operator: &OperatorId,
    ) -> Result<ArchiveOutput, SdkError> {
        self.fiscal_tx(|tx, signer, now| {
            pos_fiscal::archive::make_archive(tx, signer, now, from, to, operator.as_str())
        })
    }

    /// Seals the fiscal journal: signs one head over every record written
    /// since the last seal, so a cut tail or an old copy of the file is
    /// found by `verify` (and by the server's mirror). A sale makes one
    /// signature and leaves the head alone; call this when the till goes
    /// idle. Shutdown (drop of the register), a sync round, closures and
    /// archives seal by themselves. Signs nothing when nothing is new;
    /// returns whether a head was signed.
    pub fn seal(&mut self) -> Result<bool, SdkError> {
        // The head's time is informative: no clock check, so a till whose
        // clock is refused can still seal what it wrote.
        let now = stamp(&self.config, self.clock.now())?;
        let tx = self.conn.transaction()?;
        let sealed = store::seal(&tx, self.signer.as_ref(), &now)?;
        tx.commit()?;
        Ok(sealed)
    }

    fn fiscal_tx<T>(
        &mut self,
        f: impl FnOnce(
            &rusqlite::Transaction<'_>,
            &dyn pos_fiscal::Signer,
            pos_fiscal::model::Stamp,
        ) -> pos_fiscal::Result<T>,
    ) -> Result<T, SdkError> {
        let now = stamp(&self.config, self.checked_now()?)?;
        let tx = self.conn.transaction()?;
        let out = f(&tx, self.signer.as_ref(), now)?;
        tx.commit()?;
        Ok(out)
    }
}
