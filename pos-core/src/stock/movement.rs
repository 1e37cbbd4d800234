//! One stock movement: what moved, where, why, who and when.

use crate::CoreError;
use crate::ids::{LocationId, MovementId, OperatorId, Sku};
use crate::money::negate;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Most decimals a stock quantity may have (grams, millilitres).
pub const QUANTITY_DECIMALS: u32 = 3;

/// Longest reference text (a ticket, order, delivery note or transfer id).
const MAX_REFERENCE_LEN: usize = 64;

/// Why stock moved. The sign of a movement's quantity is fixed by its reason
/// (see [`MovementReason::sign`]), except for count adjustments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementReason {
    /// Sold at a till: on hand goes down (negative).
    Sale,
    /// Returned by a customer: on hand goes up (positive).
    Return,
    /// Received from a supplier: on hand goes up (positive).
    Receipt,
    /// The difference posted by an inventory count: either sign.
    CountAdjustment,
    /// Sent to another location: on hand goes down (negative).
    TransferOut,
    /// Received from another location: on hand goes up (positive).
    TransferIn,
    /// Broken, stolen, expired: on hand goes down (negative).
    Loss,
    /// Held for an order: reserved goes up (positive), on hand unchanged.
    Reservation,
    /// A hold given back: reserved goes down (negative), on hand unchanged.
    Release,
    /// A held quantity leaves with its order: reserved and on hand both go
    /// down (negative).
    Consumption,
}

impl MovementReason {
    /// Every reason, in declaration order.
    pub const ALL: [MovementReason; 10] = [
        MovementReason::Sale,
        MovementReason::Return,
        MovementReason::Receipt,
        MovementReason::CountAdjustment,
        MovementReason::TransferOut,
        MovementReason::TransferIn,
        MovementReason::Loss,
        MovementReason::Reservation,
        MovementReason::Release,
        MovementReason::Consumption,
    ];

    /// The snake_case name (as serialised).
    pub fn as_str(&self) -> &'static str {
        match self {
            MovementReason::Sale => "sale",
            MovementReason::Return => "return",
            MovementReason::Receipt => "receipt",
            MovementReason::CountAdjustment => "count_adjustment",
            MovementReason::TransferOut => "transfer_out",
            MovementReason::TransferIn => "transfer_in",
            MovementReason::Loss => "loss",
            MovementReason::Reservation => "reservation",
            MovementReason::Release => "release",
            MovementReason::Consumption => "consumption",
        }
    }

    /// The required sign of the quantity: `Some(true)` positive,
    /// `Some(false)` negative, `None` either (count adjustments).
    pub fn sign(&self) -> Option<bool> {
        match self {
            MovementReason::Return
            | MovementReason::Receipt
            | MovementReason::TransferIn
            | MovementReason::Reservation => Some(true),
            MovementReason::Sale
            | MovementReason::TransferOut
            | MovementReason::Loss
            | MovementReason::Release
            | MovementReason::Consumption => Some(false),
            MovementReason::CountAdjustment => None,
        }
    }

    /// How a signed quantity changes (on hand, reserved).
    pub fn effect(&self, quantity: Decimal) -> (Decimal, Decimal) {
        match self {
            MovementReason::Reservation | MovementReason::Release => (Decimal::ZERO, quantity),
            MovementReason::Consumption => (quantity, quantity),
            _ => (quantity, Decimal::ZERO),
        }
    }

    /// The signed quantity for a positive magnitude, following [`Self::sign`]
    /// (a count adjustment keeps the magnitude's sign as given).
    pub fn signed(&self, magnitude: Decimal) -> Decimal {
        match self.sign() {
            Some(false) => negate(magnitude.abs()),
            Some(true) => magnitude.abs(),
            None => magnitude,
        }
    }
}

/// Who records a movement, when, and for which document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MovementContext {
    /// The operator (or the system account) recording it.
    pub operator: OperatorId,
    /// The client's time of the event (passed in: the domain never reads a clock).
    pub at: DateTime<Utc>,
    /// The document behind it: ticket, order, delivery note or transfer id.
    pub reference: Option<String>,
}

/// One entry of the stock ledger. Built through [`StockMovement::new`], which
/// validates it; a deserialised movement is validated again when applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockMovement {
    /// Client-made UUID v7: the idempotency key.
    pub id: MovementId,
    /// Why stock moved.
    pub reason: MovementReason,
    /// The item.
    pub sku: Sku,
    /// Where.
    pub location: LocationId,
    /// Signed quantity, at most 3 decimals (see [`MovementReason::sign`]).
    pub quantity: Decimal,
    /// Who recorded it.
    pub operator: OperatorId,
    /// Client time.
    pub at: DateTime<Utc>,
    /// The document behind it.
    pub reference: Option<String>,
}

impl StockMovement {
    /// A validated movement with a signed quantity.
    pub fn new(
        id: MovementId,
        reason: MovementReason,
        sku: Sku,
        location: LocationId,
        quantity: Decimal,
        ctx: &MovementContext,
    ) -> Result<StockMovement, CoreError> {
        let m = StockMovement {
            id,
            reason,
            sku,
            location,
            quantity,
            operator: ctx.operator.clone(),
            at: ctx.at,
            reference: ctx.reference.clone(),
        };
        m.validate()?;
        Ok(m)
    }

    /// Checks the quantity (non-zero, at most 3 decimals, sign of its reason)
    /// and the reference text.
    pub fn validate(&self) -> Result<(), CoreError> {
        validate_quantity(self.reason, self.quantity)?;
        if let Some(r) = &self.reference {
            let ok = !r.is_empty()
                && r.chars().count() <= MAX_REFERENCE_LEN
                && !r.chars().any(char::is_control);
            if !ok {
                return Err(CoreError::InvalidId {
                    kind: "movement reference",
                });
            }
        }
        Ok(())
    }

    /// The change to (on hand, reserved).
    pub fn effect(&self) -> (Decimal, Decimal) {
        self.reason.effect(self.quantity)
    }
}

/// A quantity is valid for a reason when non-zero, with at most 3 decimals and
/// the reason's sign.
pub(crate) fn validate_quantity(
    reason: MovementReason,
    quantity: Decimal,
) -> Result<(), CoreError> {
    let sign_ok = match reason.sign() {
        Some(true) => quantity.is_sign_positive(),
        Some(false) => quantity.is_sign_negative(),
        None => true,
    };
    if quantity.is_zero() || !sign_ok || quantity.normalize().scale() > QUANTITY_DECIMALS {
        return Err(CoreError::InvalidStockQuantity {
            movement: reason.as_str(),
            quantity: quantity.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ctx() -> MovementContext {
        MovementContext {
            operator: OperatorId::new("op-1").unwrap(),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            reference: None,
        }
    }

    fn mv(reason: MovementReason, q: Decimal) -> Result<StockMovement, CoreError> {
        StockMovement::new(
            MovementId::new("m-1").unwrap(),
            reason,
            Sku::new("SKU").unwrap(),
            LocationId::new("shop").unwrap(),
            q,
            &ctx(),
        )
    }

    #[test]
    fn signs_follow_the_reason() {
        assert!(mv(MovementReason::Sale, dec!(-1)).is_ok());
        assert!(mv(MovementReason::Sale, dec!(1)).is_err());
        assert!(mv(MovementReason::Receipt, dec!(-1)).is_err());
        assert!(mv(MovementReason::CountAdjustment, dec!(-2.5)).is_ok());
        assert!(mv(MovementReason::CountAdjustment, dec!(2.5)).is_ok());
        assert!(mv(MovementReason::Release, dec!(-1)).is_ok());
        assert!(mv(MovementReason::Reservation, dec!(-1)).is_err());
    }

    #[test]
    fn zero_and_sub_gram_quantities_are_refused() {
        let err = mv(MovementReason::Loss, dec!(0)).unwrap_err();
        assert_eq!(err.kind(), "invalid_stock_quantity");
        assert!(mv(MovementReason::Receipt, dec!(0.0005)).is_err());
        assert!(mv(MovementReason::Receipt, dec!(0.500)).is_ok());
        assert!(mv(MovementReason::Receipt, dec!(1.2500)).is_ok());
    }

    #[test]
    fn effects_touch_the_right_bucket() {
        assert_eq!(
            MovementReason::Consumption.effect(dec!(-2)),
            (dec!(-2), dec!(-2))
        );
        assert_eq!(
            MovementReason::Reservation.effect(dec!(2)),
            (dec!(0), dec!(2))
        );
        assert_eq!(MovementReason::Loss.effect(dec!(-2)), (dec!(-2), dec!(0)));
        assert_eq!(MovementReason::Sale.signed(dec!(3)), dec!(-3));
        assert_eq!(MovementReason::Receipt.signed(dec!(-3)), dec!(3));
    }

    #[test]
    fn references_are_checked() {
        let mut c = ctx();
        c.reference = Some("bad\nref".into());
        let r = StockMovement::new(
            MovementId::new("m").unwrap(),
            MovementReason::Receipt,
            Sku::new("S").unwrap(),
            LocationId::new("L").unwrap(),
            dec!(1),
            &c,
        );
        assert!(matches!(r, Err(CoreError::InvalidId { .. })));
    }
}
