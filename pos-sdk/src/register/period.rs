//! Whether a sale can be recorded now, found out before any tender is
//! taken: the injected clock is plausible against the journal, the fiscal
//! day is not closed, and the cash session the till requires is open.
//!
//! A card terminal must never charge for a sale the till will refuse: the
//! app asks [`Register::period_state`] (or simply calls `start_payment`,
//! which refuses with `day_closed` / `session_closed` / `clock_implausible`).
//!
//! The clock is checked before every journal write. A refused time is
//! logged as JET 320 dated at the journal's last time (the refused time
//! would break the chain's order), with the refused time in its detail.

use super::{Register, RegisterConfig, stamp};
use crate::SdkError;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use pos_fiscal::jet::JetCode;
use std::collections::BTreeMap;

/// Whether a sale can be recorded now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodState {
    /// Sales can be recorded.
    Open,
    /// Today's fiscal day is closed (a Z was made): no sale until tomorrow.
    DayClosed {
        /// The closed local day.
        day: NaiveDate,
    },
    /// The till sells only in an open cash session and none is open.
    SessionRequired,
}

impl PeriodState {
    /// A stable snake_case name (`open`, `day_closed`, `session_closed`).
    pub fn as_str(&self) -> &'static str {
        match self {
            PeriodState::Open => "open",
            PeriodState::DayClosed { .. } => crate::codes::DAY_CLOSED,
            PeriodState::SessionRequired => crate::codes::SESSION_CLOSED,
        }
    }

    /// The refusal this state means for a sale (`None` when open).
    pub fn refusal(&self) -> Option<SdkError> {
        match *self {
            PeriodState::Open => None,
            PeriodState::DayClosed { day } => Some(SdkError::DayClosed { day }),
            PeriodState::SessionRequired => Some(SdkError::SessionClosed),
        }
    }
}

impl Register {
    /// Whether a sale can be recorded now (reads only). A clock the journal
    /// cannot accept is an error (`clock_implausible`).
    pub fn period_state(&self) -> Result<PeriodState, SdkError> {
        let now = self.clock.now();
        self.clock_verdict(now)?;
        self.period_at(now)
    }

    pub(crate) fn period_at(&self, now: DateTime<Utc>) -> Result<PeriodState, SdkError> {
        let today = now.with_timezone(&self.config.time_zone).date_naive();
        if let Some(closed) = pos_fiscal::store::last_closed_day(&self.conn)?
            && today <= closed
        {
            return Ok(PeriodState::DayClosed { day: today });
        }
        if self.config.require_cash_session && self.current_cash_session()?.is_none() {
            return Ok(PeriodState::SessionRequired);
        }
        Ok(PeriodState::Open)
    }

    /// Now, if a sale can be recorded now; otherwise the refusal
    /// (`clock_implausible`, `day_closed`, `session_closed`). Changes
    /// nothing but the JET of a refused clock.
    pub(crate) fn sellable_now(&self) -> Result<DateTime<Utc>, SdkError> {
        let now = self.checked_now()?;
        match self.period_at(now)?.refusal() {
            Some(e) => Err(e),
            None => Ok(now),
        }
    }

    /// The injected clock's time, if the journal can accept it; a refused
    /// time is logged (JET 320) and returned as `clock_implausible`.
    pub(crate) fn checked_now(&self) -> Result<DateTime<Utc>, SdkError> {
        let now = self.clock.now();
        if let Err(refused) = self.clock_verdict(now) {
            let tx = self.conn.unchecked_transaction()?;
            log_clock_refusal(&tx, self.signer.as_ref(), &self.config, now, &refused)?;
            tx.commit()?;
            return Err(refused);
        }
        Ok(now)
    }

    /// Checks `now` against the journal's genesis and last record.
    fn clock_verdict(&self, now: DateTime<Utc>) -> Result<(), SdkError> {
        clock_verdict(&self.conn, &self.config, now)
    }
}

/// Checks `now` against the journal's genesis and last record.
pub(crate) fn clock_verdict(
    conn: &rusqlite::Connection,
    config: &RegisterConfig,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    let policy = config.clock;
    let last = journal_time(conn, "last_ts")?;
    let genesis = journal_time(conn, "init_ts")?;
    let refuse = |reason: &'static str| SdkError::ClockImplausible {
        reason,
        at: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        last: last.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    };
    if now.year() < policy.earliest_year {
        return Err(refuse(TOO_EARLY));
    }
    let slack = |t: DateTime<Utc>| t.checked_sub_signed(policy.max_back).unwrap_or(t);
    if now < slack(genesis) {
        return Err(refuse("before the journal began"));
    }
    if now < slack(last) {
        return Err(refuse("set back before the journal's last record"));
    }
    let horizon = last.checked_add_signed(policy.max_forward).unwrap_or(last);
    if now > horizon {
        return Err(refuse("implausibly far after the journal's last record"));
    }
    Ok(())
}

const TOO_EARLY: &str = "before the year 2000 (a clock giving seconds instead of milliseconds?)";

/// Refuses to begin a journal at a time no till can be at (a clock giving
/// seconds where milliseconds are expected lands in January 1970).
pub(crate) fn check_genesis_time(
    config: &RegisterConfig,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    if now.year() < config.clock.earliest_year {
        return Err(SdkError::ClockImplausible {
            reason: TOO_EARLY,
            at: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            last: "none (new journal)".to_owned(),
        });
    }
    Ok(())
}

/// JET 320, dated at the journal's last time (the refused time would break
/// the chain's order), inside the caller's transaction.
pub(crate) fn log_clock_refusal(
    conn: &rusqlite::Connection,
    signer: &dyn pos_fiscal::Signer,
    config: &RegisterConfig,
    now: DateTime<Utc>,
    refused: &SdkError,
) -> Result<(), SdkError> {
    let last = journal_time(conn, "last_ts")?;
    let at = stamp(config, last)?;
    let mut detail = BTreeMap::new();
    // As epoch milliseconds: any refused time can be written so.
    detail.insert(
        "refused_millis".to_owned(),
        now.timestamp_millis().to_string(),
    );
    detail.insert("last_ts".to_owned(), at.utc_string());
    if let SdkError::ClockImplausible { reason, .. } = refused {
        detail.insert("reason".to_owned(), (*reason).to_owned());
        tracing::warn!(target: "pos_sdk::clock", reason = *reason, refused_millis = now.timestamp_millis(), "clock refused (JET)");
    }
    pos_fiscal::store::record_event(
        conn,
        signer,
        at,
        JetCode::ClockRefused,
        config.system_operator.as_str(),
        detail,
    )?;
    Ok(())
}

/// A UTC time the journal keeps in its meta table (`last_ts`, `init_ts`).
fn journal_time(conn: &rusqlite::Connection, key: &str) -> Result<DateTime<Utc>, SdkError> {
    let text = pos_fiscal::store::rows::meta_get(conn, key)?.ok_or(SdkError::Corrupt {
        what: "journal time",
    })?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| SdkError::Corrupt {
            what: "journal time",
        })
}
