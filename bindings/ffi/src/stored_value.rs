//! Gift cards and store credit: issue, load, balance. Spending them is a
//! tender (`TenderMethod.GiftCard` / `StoreCredit`) of a sale. Codes are
//! secret-ish: what comes back shows only the masked code.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::ids::OperationId;
use pos_core::stored_value::{StoredValueAccount, StoredValueKind as CoreKind};

/// A gift card or store credit (avoir).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StoredValueKind {
    /// A gift card.
    GiftCard,
    /// Store credit.
    StoreCredit,
}

/// A gift card or store-credit account as the till shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoredValue {
    /// The code masked (`****7731`).
    pub masked_code: String,
    /// Gift card or store credit.
    pub kind: StoredValueKind,
    /// The balance (decimal string).
    pub balance: String,
    /// When it expires, epoch milliseconds (None: never).
    pub expires_at_millis: Option<i64>,
    /// Operations posted (issue, loads, redemptions...).
    pub operations: u32,
}

impl From<&StoredValueAccount> for StoredValue {
    fn from(a: &StoredValueAccount) -> StoredValue {
        StoredValue {
            masked_code: a.code().masked(),
            kind: match a.kind() {
                CoreKind::GiftCard => StoredValueKind::GiftCard,
                _ => StoredValueKind::StoreCredit,
            },
            balance: a.balance().format_plain(),
            expires_at_millis: a.expires_at().map(|t| t.timestamp_millis()),
            operations: u32::try_from(a.ops().len()).unwrap_or(u32::MAX),
        }
    }
}

#[uniffi::export]
impl Register {
    /// Issues a gift card or store credit `code` with a first `amount`
    /// (decimal string); the same code twice is refused.
    pub fn issue_stored_value(
        &self,
        code: String,
        kind: StoredValueKind,
        amount: String,
        expires_at_millis: Option<i64>,
    ) -> Result<StoredValue, PosError> {
        guard(|| {
            let amount = convert::decimal("amount", &amount)?;
            let expires = expires_at_millis
                .map(|ms| convert::instant("expires_at_millis", ms))
                .transpose()?;
            let kind = match kind {
                StoredValueKind::GiftCard => CoreKind::GiftCard,
                StoredValueKind::StoreCredit => CoreKind::StoreCredit,
            };
            let mut reg = lock(&self.inner);
            let amount = Money::new(amount, reg.config().currency);
            Ok((&reg.issue_stored_value(&code, kind, amount, expires)?).into())
        })
    }

    /// Adds `amount` (decimal string) to card `code`, paid for on the
    /// completed ticket `ticket_id`. `op_id`: the app's idempotency key (the
    /// same load again is a no-op).
    pub fn load_stored_value(
        &self,
        code: String,
        amount: String,
        ticket_id: String,
        op_id: Option<String>,
    ) -> Result<StoredValue, PosError> {
        guard(|| {
            let amount = convert::decimal("amount", &amount)?;
            let op_id = op_id.map(OperationId::new).transpose()?;
            let mut reg = lock(&self.inner);
            let amount = Money::new(amount, reg.config().currency);
            Ok((&reg.load_stored_value(&code, amount, &ticket_id, op_id)?).into())
        })
    }

    /// The account of card `code` (its balance, expiry, operations).
    pub fn stored_value(&self, code: String) -> Result<StoredValue, PosError> {
        guard(|| Ok((&lock(&self.inner).stored_value(&code)?).into()))
    }
}
