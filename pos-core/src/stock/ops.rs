//! Operations that produce movements: transfers and inventory counts.

use super::ledger::StockLedger;
use super::movement::{MovementContext, MovementReason, QUANTITY_DECIMALS, StockMovement};
use crate::CoreError;
use crate::ids::{LocationId, MovementId, Sku};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Plans a transfer of `quantity` (positive) of `sku` from one location to
/// another: two movements (out, in) to apply together with
/// [`StockLedger::apply_all`]. Refused when the source has less available than
/// the quantity (stock that is not there cannot travel).
pub fn plan_transfer(
    ledger: &StockLedger,
    ids: (MovementId, MovementId),
    sku: &Sku,
    from: &LocationId,
    to: &LocationId,
    quantity: Decimal,
    ctx: &MovementContext,
) -> Result<[StockMovement; 2], CoreError> {
    if from == to {
        return Err(CoreError::SameLocationTransfer);
    }
    if quantity.is_sign_negative() || quantity.is_zero() {
        return Err(CoreError::InvalidStockQuantity {
            movement: MovementReason::TransferOut.as_str(),
            quantity: quantity.to_string(),
        });
    }
    let out = StockMovement::new(
        ids.0,
        MovementReason::TransferOut,
        sku.clone(),
        from.clone(),
        MovementReason::TransferOut.signed(quantity),
        ctx,
    )?;
    let inn = StockMovement::new(
        ids.1,
        MovementReason::TransferIn,
        sku.clone(),
        to.clone(),
        quantity,
        ctx,
    )?;
    let available = ledger.level(sku, from).available()?;
    if quantity > available {
        return Err(CoreError::InsufficientStock {
            sku: sku.to_string(),
            location: from.to_string(),
            available: available.to_string(),
            requested: quantity.to_string(),
        });
    }
    Ok([out, inn])
}

/// Turns an inventory count at one location into count adjustments: for each
/// SKU counted, the difference between the count and what the ledger has on
/// hand (reserved goods are on the shelf too, so they are counted). SKUs not
/// in `counted` are left alone (a partial count). Counts equal to the ledger
/// produce nothing. `next_id` gives one id per adjustment, in SKU order.
pub fn count_adjustments(
    ledger: &StockLedger,
    location: &LocationId,
    counted: &BTreeMap<Sku, Decimal>,
    ctx: &MovementContext,
    mut next_id: impl FnMut() -> MovementId,
) -> Result<Vec<StockMovement>, CoreError> {
    let mut out = Vec::new();
    for (sku, count) in counted {
        if count.is_sign_negative() && !count.is_zero()
            || count.normalize().scale() > QUANTITY_DECIMALS
        {
            return Err(CoreError::InvalidStockQuantity {
                movement: MovementReason::CountAdjustment.as_str(),
                quantity: count.to_string(),
            });
        }
        let on_hand = ledger.level(sku, location).on_hand;
        let diff = count.checked_sub(on_hand).ok_or(CoreError::Overflow)?;
        if diff.is_zero() {
            continue;
        }
        out.push(StockMovement::new(
            next_id(),
            MovementReason::CountAdjustment,
            sku.clone(),
            location.clone(),
            diff.normalize(),
            ctx,
        )?);
    }
    Ok(out)
}

/// Like [`count_adjustments`] for a full count of the location: every SKU
/// with stock on hand there that is not in `counted` is counted as zero
/// (missing from the shelf).
pub fn full_count_adjustments(
    ledger: &StockLedger,
    location: &LocationId,
    counted: &BTreeMap<Sku, Decimal>,
    ctx: &MovementContext,
    next_id: impl FnMut() -> MovementId,
) -> Result<Vec<StockMovement>, CoreError> {
    let mut all = counted.clone();
    for (sku, loc, level) in ledger.all_levels() {
        if loc == location && !level.on_hand.is_zero() && !all.contains_key(sku) {
            all.insert(sku.clone(), Decimal::ZERO);
        }
    }
    count_adjustments(ledger, location, &all, ctx, next_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OperatorId;
    use chrono::DateTime;
    use rust_decimal_macros::dec;

    fn ctx() -> MovementContext {
        MovementContext {
            operator: OperatorId::new("op").unwrap(),
            at: DateTime::from_timestamp(0, 0).unwrap(),
            reference: Some("TR-1".into()),
        }
    }

    fn id(s: &str) -> MovementId {
        MovementId::new(s).unwrap()
    }

    fn loc(s: &str) -> LocationId {
        LocationId::new(s).unwrap()
    }

    fn stocked() -> StockLedger {
        let mut l = StockLedger::new();
        let r = StockMovement::new(
            id("r"),
            MovementReason::Receipt,
            Sku::new("A").unwrap(),
            loc("back"),
            dec!(10),
            &ctx(),
        )
        .unwrap();
        l.apply(&r).unwrap();
        l
    }

    #[test]
    fn transfer_moves_stock_in_one_operation() {
        let mut l = stocked();
        let sku = Sku::new("A").unwrap();
        let ms = plan_transfer(
            &l,
            (id("o"), id("i")),
            &sku,
            &loc("back"),
            &loc("shop"),
            dec!(4),
            &ctx(),
        )
        .unwrap();
        l.apply_all(&ms).unwrap();
        assert_eq!(l.level(&sku, &loc("back")).on_hand, dec!(6));
        assert_eq!(l.level(&sku, &loc("shop")).on_hand, dec!(4));
        let too_much = plan_transfer(
            &l,
            (id("o2"), id("i2")),
            &sku,
            &loc("back"),
            &loc("shop"),
            dec!(7),
            &ctx(),
        );
        assert_eq!(too_much.unwrap_err().kind(), "insufficient_stock");
        let same = plan_transfer(
            &l,
            (id("o3"), id("i3")),
            &sku,
            &loc("back"),
            &loc("back"),
            dec!(1),
            &ctx(),
        );
        assert_eq!(same.unwrap_err(), CoreError::SameLocationTransfer);
    }

    #[test]
    fn count_posts_the_difference() {
        let mut l = stocked();
        let mut counted = BTreeMap::new();
        counted.insert(Sku::new("A").unwrap(), dec!(8));
        counted.insert(Sku::new("B").unwrap(), dec!(2.5));
        counted.insert(Sku::new("C").unwrap(), dec!(0));
        let mut n = 0;
        let ms = count_adjustments(&l, &loc("back"), &counted, &ctx(), || {
            n += 1;
            id(&format!("c{n}"))
        })
        .unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].quantity, dec!(-2));
        assert_eq!(ms[1].quantity, dec!(2.5));
        l.apply_all(&ms).unwrap();
        let again = count_adjustments(&l, &loc("back"), &counted, &ctx(), || id("x")).unwrap();
        assert!(again.is_empty(), "a second identical count posts nothing");
        counted.insert(Sku::new("D").unwrap(), dec!(-1));
        assert!(count_adjustments(&l, &loc("back"), &counted, &ctx(), || id("y")).is_err());
    }

    #[test]
    fn a_full_count_zeroes_what_was_not_found() {
        let l = stocked();
        let counted = BTreeMap::new();
        let partial = count_adjustments(&l, &loc("back"), &counted, &ctx(), || id("p")).unwrap();
        assert!(partial.is_empty());
        let full = full_count_adjustments(&l, &loc("back"), &counted, &ctx(), || id("f")).unwrap();
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].quantity, dec!(-10));
        let elsewhere =
            full_count_adjustments(&l, &loc("shop"), &counted, &ctx(), || id("g")).unwrap();
        assert!(elsewhere.is_empty());
    }
}
