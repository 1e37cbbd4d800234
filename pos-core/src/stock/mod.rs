//! Stock as an append-only ledger of movements.
//!
//! Every change of stock is a [`StockMovement`] (sale, return, receipt,
//! count adjustment, transfer out / in, loss, reservation, release,
//! consumption of a reservation) with a client-made id. Levels per (SKU,
//! location) — on hand, reserved, available — are derived from the
//! movements and kept up to date incrementally in a [`StockLedger`], so a
//! lookup costs the same with a million movements as with ten;
//! [`replay_levels`] recomputes them from scratch and the property tests
//! check both agree.
//!
//! Idempotency: the ledger itself remembers which movement ids it applied
//! (with a fingerprint of their content), so applying the same movement twice
//! is a no-op and reusing an id for a different movement is an
//! [`IdempotencyConflict`](crate::CoreError::IdempotencyConflict). The caller's
//! store persists the movements; rebuilding the ledger is a replay.
//!
//! Planning functions ([`check_sale`], [`plan_transfer`],
//! [`count_adjustments`]) look at the levels and refuse or report; applying a
//! movement only enforces what must always hold (reserved never below zero),
//! so movements synced from other tills always add up.
//!
//! ```
//! use pos_core::ids::{LocationId, MovementId, OperatorId, Sku};
//! use pos_core::stock::*;
//! use rust_decimal::Decimal;
//!
//! let ctx = MovementContext {
//!     operator: OperatorId::new("amelie")?,
//!     at: chrono::DateTime::from_timestamp(1_772_431_200, 0).unwrap_or_default(),
//!     reference: Some("BL-1001".into()),
//! };
//! let (sku, shop) = (Sku::new("BAGUETTE")?, LocationId::new("shop")?);
//! let receipt = StockMovement::new(
//!     MovementId::new("0192f3a0-0000-7000-8000-000000000001")?,
//!     MovementReason::Receipt, sku.clone(), shop.clone(), Decimal::from(40), &ctx,
//! )?;
//! let mut ledger = StockLedger::new();
//! assert_eq!(ledger.apply(&receipt)?, Applied::New);
//! assert_eq!(ledger.apply(&receipt)?, Applied::Duplicate); // a retry is a no-op
//! assert_eq!(ledger.level(&sku, &shop).available()?, Decimal::from(40));
//!
//! let policies = StockPolicies { default: NegativeStockPolicy::Block, ..Default::default() };
//! let ask = [SaleLine { sku, location: shop, quantity: Decimal::from(41) }];
//! let check = check_sale(&ledger, &ask, &policies)?;
//! assert_eq!(check.verdict(), StockVerdict::Block);
//! assert_eq!(check.shortfalls[0].missing()?, Decimal::ONE);
//! # Ok::<(), pos_core::CoreError>(())
//! ```

mod check;
mod ledger;
mod movement;
mod ops;

pub use check::{
    NegativeStockPolicy, SaleLine, Shortfall, StockCheck, StockPolicies, StockVerdict, check_sale,
};
pub use ledger::{Applied, StockLedger, StockLevel, replay_levels};
pub use movement::{MovementContext, MovementReason, StockMovement};
pub use ops::{count_adjustments, full_count_adjustments, plan_transfer};
