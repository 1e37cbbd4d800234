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
