//! The ledger of one gift card or store credit.

use super::code::GiftCardCode;
use crate::ids::{OperationId, TicketId};
use crate::money::to_minor_i128;
use crate::{CoreError, Currency, Money};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Gift card (sold, may be reloaded) or store credit (given on a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredValueKind {
    /// A gift card.
    GiftCard,
    /// Store credit (avoir).
    StoreCredit,
}

/// What an operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredValueOpKind {
    /// The card was created with a first amount.
    Issue,
    /// Value added.
    Load,
    /// Value spent as a tender.
    Redeem,
    /// A redemption given back (the sale it paid was refunded).
    Refund,
    /// The remaining value lapsed (expiry date, or the card was voided).
    Expire,
}

impl StoredValueOpKind {
    /// True when the operation adds value.
    pub fn is_credit(&self) -> bool {
        matches!(
            self,
            StoredValueOpKind::Issue | StoredValueOpKind::Load | StoredValueOpKind::Refund
        )
    }
}

/// One entry of the card's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredValueOp {
    /// Idempotency key.
    pub id: OperationId,
    /// Client time.
    pub at: DateTime<Utc>,
    /// What it did.
    pub kind: StoredValueOpKind,
    /// The amount (positive; the kind gives the direction).
    pub amount: Money,
    /// The balance after it.
    pub balance_after: Money,
    /// The ticket it belongs to (sale paid, refund, gift card sold).
    pub ticket: Option<TicketId>,
}

/// A gift card or store credit and its ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredValueAccount {
    code: GiftCardCode,
    kind: StoredValueKind,
    currency: Currency,
    expires_at: Option<DateTime<Utc>>,
    balance: Money,
    ops: Vec<StoredValueOp>,
}

impl StoredValueAccount {
    /// Issues a card with a first positive amount. Issuing is idempotent
    /// through the store: a code exists once; see [`Self::is_same_issue`].
    pub fn issue(
        code: GiftCardCode,
        kind: StoredValueKind,
        op: OperationId,
        at: DateTime<Utc>,
        amount: Money,
        expires_at: Option<DateTime<Utc>>,
        ticket: Option<TicketId>,
    ) -> Result<StoredValueAccount, CoreError> {
        check_amount(&amount, amount.currency())?;
        let mut acc = StoredValueAccount {
            code,
            kind,
            currency: amount.currency(),
            expires_at,
            balance: Money::zero(amount.currency()),
            ops: Vec::new(),
        };
        acc.post(op, at, StoredValueOpKind::Issue, amount, ticket)?;
        Ok(acc)
    }

    /// True when an issue retry carries the same operation as this card's
    /// first one (the store answers a retry with the existing card).
    pub fn is_same_issue(&self, op: &OperationId, amount: Money) -> bool {
        self.ops.first().is_some_and(|o| {
            &o.id == op && o.amount == amount && o.kind == StoredValueOpKind::Issue
        })
    }

    /// The code.
    pub fn code(&self) -> &GiftCardCode {
        &self.code
    }

    /// Gift card or store credit.
    pub fn kind(&self) -> StoredValueKind {
        self.kind
    }

    /// The balance (never negative).
    pub fn balance(&self) -> Money {
        self.balance
    }

    /// The expiry date, if any.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// The ledger, oldest first.
    pub fn ops(&self) -> &[StoredValueOp] {
        &self.ops
    }

    /// True when the card may no longer be used at `at`: its date has come
    /// or an expiry was posted.
    pub fn is_expired(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
            || self.ops.iter().any(|o| o.kind == StoredValueOpKind::Expire)
    }

    /// Adds value.
    pub fn load(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
        amount: Money,
        ticket: Option<TicketId>,
    ) -> Result<&StoredValueOp, CoreError> {
        self.operate(op, at, StoredValueOpKind::Load, amount, ticket)
    }

    /// Spends value; above the balance is [`CoreError::InsufficientBalance`]
    /// and nothing changes.
    pub fn redeem(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
        amount: Money,
        ticket: Option<TicketId>,
    ) -> Result<&StoredValueOp, CoreError> {
        self.operate(op, at, StoredValueOpKind::Redeem, amount, ticket)
    }

    /// Gives back value that was redeemed (the sale was refunded); the
    /// refunds never exceed the redemptions.
    pub fn refund(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
        amount: Money,
        ticket: Option<TicketId>,
    ) -> Result<&StoredValueOp, CoreError> {
        self.operate(op, at, StoredValueOpKind::Refund, amount, ticket)
    }

    /// Posts the lapse of the whole remaining balance (expiry date reached,
    /// or the card voided). A card with a zero balance posts nothing
    /// (`Ok(None)`); once expired, the card refuses every operation.
    pub fn expire(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
    ) -> Result<Option<&StoredValueOp>, CoreError> {
        if let Some(i) = self.ops.iter().position(|o| o.id == op) {
            let prev = self.ops.get(i);
            return match prev {
                Some(p) if p.kind == StoredValueOpKind::Expire => Ok(prev),
                _ => Err(CoreError::IdempotencyConflict { id: op.to_string() }),
            };
        }
        if self.ops.iter().any(|o| o.kind == StoredValueOpKind::Expire) {
            return Err(CoreError::StoredValueExpired);
        }
        if self.balance.is_zero() {
            return Ok(None);
        }
        let amount = self.balance;
        self.post(op, at, StoredValueOpKind::Expire, amount, None)
            .map(Some)
    }

    fn operate(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
        kind: StoredValueOpKind,
        amount: Money,
        ticket: Option<TicketId>,
    ) -> Result<&StoredValueOp, CoreError> {
        if let Some(i) = self.ops.iter().position(|o| o.id == op) {
            let prev = self.ops.get(i);
            return match prev {
                // The time is not part of the request: a retry comes later.
                Some(p) if p.kind == kind && p.amount == amount && p.ticket == ticket => Ok(p),
                _ => Err(CoreError::IdempotencyConflict { id: op.to_string() }),
            };
        }
        check_amount(&amount, self.currency)?;
        if self.is_expired(at) {
            return Err(CoreError::StoredValueExpired);
        }
        match kind {
            StoredValueOpKind::Redeem if amount.amount() > self.balance.amount() => {
                return Err(CoreError::InsufficientBalance {
                    available: self.balance.format_plain(),
                    requested: amount.format_plain(),
                });
            }
            StoredValueOpKind::Refund => {
                let refundable = self
                    .total(StoredValueOpKind::Redeem)?
                    .checked_sub(&self.total(StoredValueOpKind::Refund)?)?;
                if amount.amount() > refundable.amount() {
                    return Err(CoreError::RefundExceedsRemaining {
                        requested: amount.format_plain(),
                        remaining: refundable.format_plain(),
                    });
                }
            }
            _ => {}
        }
        self.post(op, at, kind, amount, ticket)
    }

    fn total(&self, kind: StoredValueOpKind) -> Result<Money, CoreError> {
        Money::sum(
            self.currency,
            self.ops
                .iter()
                .filter(|o| o.kind == kind)
                .map(|o| &o.amount),
        )
    }

    fn post(
        &mut self,
        id: OperationId,
        at: DateTime<Utc>,
        kind: StoredValueOpKind,
        amount: Money,
        ticket: Option<TicketId>,
    ) -> Result<&StoredValueOp, CoreError> {
        let balance_after = if kind.is_credit() {
            self.balance.checked_add(&amount)?
        } else {
            self.balance.checked_sub(&amount)?
        };
        if balance_after.is_negative() {
            return Err(CoreError::InsufficientBalance {
                available: self.balance.format_plain(),
                requested: amount.format_plain(),
            });
        }
        self.balance = balance_after;
        self.ops.push(StoredValueOp {
            id,
            at,
            kind,
            amount,
            balance_after,
            ticket,
        });
        self.ops.last().ok_or(CoreError::Overflow)
    }
}

/// Positive, in the card's currency, in whole minor units.
fn check_amount(amount: &Money, currency: Currency) -> Result<(), CoreError> {
    if amount.currency() != currency {
        return Err(CoreError::CurrencyMismatch {
            expected: currency.code().to_owned(),
            found: amount.currency().code().to_owned(),
        });
    }
    let whole = to_minor_i128(amount.amount(), currency.minor_units()).is_ok();
    if amount.is_zero() || amount.is_negative() || !whole {
        return Err(CoreError::InvalidAmount {
            amount: amount.amount().to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn eur(x: rust_decimal::Decimal) -> Money {
        Money::new(x, Currency::EUR)
    }

    fn op(s: &str) -> OperationId {
        OperationId::new(s).unwrap()
    }

    fn card() -> StoredValueAccount {
        StoredValueAccount::issue(
            GiftCardCode::new("GC441099217731").unwrap(),
            StoredValueKind::GiftCard,
            op("issue"),
            t(0),
            eur(dec!(50)),
            Some(t(1000)),
            None,
        )
        .unwrap()
    }

    #[test]
    fn redeem_load_refund() {
        let mut c = card();
        c.redeem(op("r1"), t(1), eur(dec!(20.50)), None).unwrap();
        assert_eq!(c.balance().amount(), dec!(29.50));
        c.load(op("l1"), t(2), eur(dec!(10)), None).unwrap();
        c.refund(op("f1"), t(3), eur(dec!(5.50)), None).unwrap();
        assert_eq!(c.balance().amount(), dec!(45.00));
        assert_eq!(c.ops().len(), 4);
        assert_eq!(c.ops()[3].balance_after.amount(), dec!(45.00));
        let err = c
            .refund(op("f2"), t(4), eur(dec!(15.01)), None)
            .unwrap_err();
        assert_eq!(err.kind(), "refund_exceeds_remaining");
    }

    #[test]
    fn redeem_above_balance_changes_nothing() {
        let mut c = card();
        let before = c.clone();
        let err = c
            .redeem(op("r1"), t(1), eur(dec!(50.01)), None)
            .unwrap_err();
        assert_eq!(
            err,
            CoreError::InsufficientBalance {
                available: "50.00".into(),
                requested: "50.01".into()
            }
        );
        assert!(!err.to_string().contains("7731"));
        assert_eq!(c, before);
        for bad in [eur(dec!(0)), eur(dec!(-1)), eur(dec!(0.001))] {
            assert_eq!(
                c.redeem(op("r2"), t(1), bad, None).unwrap_err().kind(),
                "invalid_amount"
            );
        }
        let usd = Money::new(dec!(1), Currency::from_code("USD").unwrap());
        assert_eq!(
            c.load(op("r3"), t(1), usd, None).unwrap_err().kind(),
            "currency_mismatch"
        );
        assert_eq!(c, before);
    }

    #[test]
    fn operations_are_idempotent() {
        let mut c = card();
        c.redeem(op("r1"), t(1), eur(dec!(10)), None).unwrap();
        let once = c.clone();
        c.redeem(op("r1"), t(1), eur(dec!(10)), None).unwrap();
        assert_eq!(c, once);
        let err = c.redeem(op("r1"), t(1), eur(dec!(11)), None).unwrap_err();
        assert_eq!(err.kind(), "idempotency_conflict");
        assert!(c.is_same_issue(&op("issue"), eur(dec!(50))));
    }

    #[test]
    fn expiry_lapses_the_balance() {
        let mut c = card();
        assert_eq!(
            c.redeem(op("r1"), t(1000), eur(dec!(1)), None).unwrap_err(),
            CoreError::StoredValueExpired
        );
        let e = c.expire(op("x"), t(1000)).unwrap().unwrap();
        assert_eq!(e.amount.amount(), dec!(50));
        assert!(c.balance().is_zero());
        assert!(c.expire(op("x"), t(1000)).is_ok(), "retry");
        assert_eq!(
            c.expire(op("y"), t(1001)).unwrap_err(),
            CoreError::StoredValueExpired
        );
        assert_eq!(
            c.load(op("l"), t(1001), eur(dec!(5)), None).unwrap_err(),
            CoreError::StoredValueExpired
        );
    }
}
