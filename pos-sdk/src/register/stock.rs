//! Stock operations outside sales: supplier receipts, losses, transfers
//! between locations and inventory counts. Each is one transaction: the
//! movements, the maintained levels and the outbox event.

use super::Register;
use super::sale::{apply_movement, read_level};
use crate::{SdkError, outbox};
use pos_core::ids::{LocationId, MovementId, OperatorId, Sku};
use pos_core::stock::{
    MovementContext, MovementReason, StockLedger, StockMovement, count_adjustments, plan_transfer,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

impl Register {
    /// Records one movement (receipt from a supplier, loss, ...) of
    /// `quantity` (its magnitude; the reason gives the sign).
    pub fn record_stock(
        &mut self,
        reason: MovementReason,
        sku: &Sku,
        location: &LocationId,
        quantity: Decimal,
        operator: &OperatorId,
        reference: Option<String>,
    ) -> Result<StockMovement, SdkError> {
        if matches!(reason, MovementReason::Sale | MovementReason::Return) {
            return Err(SdkError::InvalidInput {
                field: "stock reason",
                expected: "not sale or return (tickets post those)",
            });
        }
        let now = self.clock.now();
        let ctx = MovementContext {
            operator: operator.clone(),
            at: now,
            reference,
        };
        let movement = StockMovement::new(
            MovementId::new(self.ids.next(now))?,
            reason,
            sku.clone(),
            location.clone(),
            reason.signed(quantity),
            &ctx,
        )?;
        self.post_movements(std::slice::from_ref(&movement))?;
        Ok(movement)
    }

    /// Moves stock from one location to another (two movements, one operation).
    pub fn transfer_stock(
        &mut self,
        sku: &Sku,
        from: &LocationId,
        to: &LocationId,
        quantity: Decimal,
        operator: &OperatorId,
    ) -> Result<[StockMovement; 2], SdkError> {
        let now = self.clock.now();
        let ctx = MovementContext {
            operator: operator.clone(),
            at: now,
            reference: None,
        };
        let ledger = self.ledger_for(&[(sku.clone(), from.clone()), (sku.clone(), to.clone())])?;
        let ids = (
            MovementId::new(self.ids.next(now))?,
            MovementId::new(self.ids.next(now))?,
        );
        let movements = plan_transfer(&ledger, ids, sku, from, to, quantity, &ctx)?;
        self.post_movements(&movements)?;
        Ok(movements)
    }

    /// Posts an inventory count: the difference with the levels becomes
    /// count adjustments.
    pub fn count_stock(
        &mut self,
        location: &LocationId,
        counted: &BTreeMap<Sku, Decimal>,
        operator: &OperatorId,
    ) -> Result<Vec<StockMovement>, SdkError> {
        let now = self.clock.now();
        let ctx = MovementContext {
            operator: operator.clone(),
            at: now,
            reference: Some("inventory".into()),
        };
        let keys: Vec<(Sku, LocationId)> = counted
            .keys()
            .map(|s| (s.clone(), location.clone()))
            .collect();
        let ledger = self.ledger_for(&keys)?;
        // At most one adjustment per counted SKU: make their ids up front.
        let mut ids = counted
            .keys()
            .map(|_| MovementId::new(self.ids.next(now)))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let spare = MovementId::new(self.ids.next(now))?;
        let movements = count_adjustments(&ledger, location, counted, &ctx, || {
            ids.next().unwrap_or_else(|| spare.clone())
        })?;
        self.post_movements(&movements)?;
        Ok(movements)
    }

    fn ledger_for(&self, keys: &[(Sku, LocationId)]) -> Result<StockLedger, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut levels = Vec::with_capacity(keys.len());
        for (sku, location) in keys {
            levels.push((
                sku.clone(),
                location.clone(),
                read_level(&tx, sku, location)?,
            ));
        }
        Ok(StockLedger::from_levels(levels))
    }

    fn post_movements(&mut self, movements: &[StockMovement]) -> Result<(), SdkError> {
        if movements.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        for m in movements {
            apply_movement(&tx, m, None)?;
        }
        outbox::append(
            &tx,
            &self.ids.next(now),
            "stock",
            now,
            &serde_json::json!({ "stock_movements": movements }),
        )?;
        tx.commit()?;
        Ok(())
    }
}
