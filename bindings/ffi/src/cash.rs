//! Cash sessions (drawer float, counted cash) closed with the fiscal day.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::cash_session::CashCount;

/// What closing the drawer with the fiscal day produced.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CashClose {
    /// The cash counted (decimal string).
    pub counted: String,
    /// Counted minus expected (decimal string; negative when cash is missing).
    pub difference: String,
    /// The Z records made, as `"Z <number>"`, oldest first.
    pub closures: Vec<String>,
}

#[uniffi::export]
impl Register {
    /// Opens the drawer with `opening_float` (decimal string) counted in it;
    /// returns the session id. Refused while another session is open.
    // Not named `float`: the C header (Swift) would not compile.
    pub fn open_cash_session(
        &self,
        operator: String,
        opening_float: String,
    ) -> Result<String, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let float = convert::decimal("opening_float", &opening_float)?;
            let mut reg = lock(&self.inner);
            let currency = reg.config().currency;
            let session = reg.open_cash_session(&op, Money::new(float, currency))?;
            Ok(session.id().to_string())
        })
    }

    /// Closes the open drawer with the cash `counted` (decimal string) and
    /// today's fiscal day in one transaction.
    pub fn close_session_and_day(
        &self,
        operator: String,
        counted: String,
    ) -> Result<CashClose, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let counted = convert::decimal("counted", &counted)?;
            let mut reg = lock(&self.inner);
            let currency = reg.config().currency;
            let count = CashCount::Total(Money::new(counted, currency));
            let done = reg.close_session_and_day(None, &op, count)?;
            Ok(CashClose {
                counted: done.session.counted.format_plain(),
                difference: done.session.difference.format_plain(),
                closures: done
                    .closures
                    .iter()
                    .map(|d| format!("{} {}", d.series.code(), d.number))
                    .collect(),
            })
        })
    }
}
