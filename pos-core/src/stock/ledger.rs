//! Stock levels kept up to date movement by movement, and the full replay
//! they must always equal.

use super::movement::StockMovement;
use crate::CoreError;
use crate::ids::{LocationId, MovementId, Sku};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::hash::{DefaultHasher, Hash, Hasher};

/// The stock of one SKU at one location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockLevel {
    /// Physically there (may be negative when the policy allowed an oversell).
    pub on_hand: Decimal,
    /// Held for orders (never negative).
    pub reserved: Decimal,
}

impl StockLevel {
    /// What may still be sold: on hand minus reserved.
    pub fn available(&self) -> Result<Decimal, CoreError> {
        self.on_hand
            .checked_sub(self.reserved)
            .ok_or(CoreError::Overflow)
    }

    /// The level after one (validated) movement; reserved may not go below zero.
    fn after(&self, m: &StockMovement) -> Result<StockLevel, CoreError> {
        let (d_hand, d_reserved) = m.effect();
        let on_hand = self
            .on_hand
            .checked_add(d_hand)
            .ok_or(CoreError::Overflow)?;
        let reserved = self
            .reserved
            .checked_add(d_reserved)
            .ok_or(CoreError::Overflow)?;
        if reserved.is_sign_negative() && !reserved.is_zero() {
            return Err(CoreError::ReservationExceeded {
                sku: m.sku.to_string(),
                location: m.location.to_string(),
                reserved: self.reserved.to_string(),
                requested: d_reserved.abs().to_string(),
            });
        }
        Ok(StockLevel {
            on_hand: on_hand.normalize(),
            reserved: reserved.normalize(),
        })
    }
}

/// What applying a movement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The movement was new and changed the levels.
    New,
    /// The same movement was already applied: nothing changed.
    Duplicate,
}

/// The derived state of the stock ledger: levels per (SKU, location) and the
/// ids already applied (with a fingerprint of their content).
///
/// Lookups are two B-tree searches, independent of how many movements were
/// applied. The movements themselves are kept by the caller's store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockLedger {
    levels: BTreeMap<Sku, BTreeMap<LocationId, StockLevel>>,
    applied: BTreeMap<MovementId, u64>,
}

impl StockLedger {
    /// An empty ledger.
    pub fn new() -> StockLedger {
        StockLedger::default()
    }

    /// Builds a ledger by applying movements in order (a restart, a sync).
    pub fn from_movements<'a>(
        movements: impl IntoIterator<Item = &'a StockMovement>,
    ) -> Result<StockLedger, CoreError> {
        let mut ledger = StockLedger::new();
        for m in movements {
            ledger.apply(m)?;
        }
        Ok(ledger)
    }

    /// A ledger holding levels read from a store, with no applied ids: lets
    /// the facade check a sale against its maintained levels without
    /// replaying the movements.
    pub fn from_levels(
        levels: impl IntoIterator<Item = (Sku, LocationId, StockLevel)>,
    ) -> StockLedger {
        let mut ledger = StockLedger::new();
        for (sku, location, level) in levels {
            ledger
                .levels
                .entry(sku)
                .or_default()
                .insert(location, level);
        }
        ledger
    }

    /// The level of a SKU at a location (zero when nothing ever moved).
    pub fn level(&self, sku: &Sku, location: &LocationId) -> StockLevel {
        self.levels
            .get(sku)
            .and_then(|by_loc| by_loc.get(location))
            .copied()
            .unwrap_or_default()
    }

    /// The levels of a SKU at every location where it moved, by location.
    pub fn levels_of(&self, sku: &Sku) -> impl Iterator<Item = (&LocationId, &StockLevel)> {
        self.levels.get(sku).into_iter().flat_map(|m| m.iter())
    }

    /// Every level, sorted by SKU then location.
    pub fn all_levels(&self) -> impl Iterator<Item = (&Sku, &LocationId, &StockLevel)> {
        self.levels
            .iter()
            .flat_map(|(sku, by_loc)| by_loc.iter().map(move |(loc, l)| (sku, loc, l)))
    }

    /// The levels as one flat sorted map (to compare with [`replay_levels`]).
    pub fn to_map(&self) -> BTreeMap<(Sku, LocationId), StockLevel> {
        self.all_levels()
            .map(|(s, l, v)| ((s.clone(), l.clone()), *v))
            .collect()
    }

    /// True when a movement with this id was applied.
    pub fn is_applied(&self, id: &MovementId) -> bool {
        self.applied.contains_key(id)
    }

    /// How many distinct movements were applied.
    pub fn applied_count(&self) -> usize {
        self.applied.len()
    }

    /// Applies one movement. The same movement twice is a no-op
    /// ([`Applied::Duplicate`]); the same id with other content is an
    /// [`CoreError::IdempotencyConflict`]. On error nothing changes.
    pub fn apply(&mut self, m: &StockMovement) -> Result<Applied, CoreError> {
        m.validate()?;
        let fp = fingerprint(m);
        if let Some(prev) = self.applied.get(&m.id) {
            return duplicate_or_conflict(*prev, fp, &m.id);
        }
        let next = self.level(&m.sku, &m.location).after(m)?;
        self.levels
            .entry(m.sku.clone())
            .or_default()
            .insert(m.location.clone(), next);
        self.applied.insert(m.id.clone(), fp);
        Ok(Applied::New)
    }

    /// Applies several movements as one operation (a transfer, an order
    /// acceptance): either all of them or, on the first error, none.
    pub fn apply_all(&mut self, movements: &[StockMovement]) -> Result<Vec<Applied>, CoreError> {
        let mut overlay: BTreeMap<(&Sku, &LocationId), StockLevel> = BTreeMap::new();
        let mut seen: BTreeMap<&MovementId, u64> = BTreeMap::new();
        let mut results = Vec::with_capacity(movements.len());
        for m in movements {
            m.validate()?;
            let fp = fingerprint(m);
            if let Some(prev) = self.applied.get(&m.id).or_else(|| seen.get(&m.id)) {
                results.push(duplicate_or_conflict(*prev, fp, &m.id)?);
                continue;
            }
            let current = match overlay.get(&(&m.sku, &m.location)) {
                Some(l) => *l,
                None => self.level(&m.sku, &m.location),
            };
            overlay.insert((&m.sku, &m.location), current.after(m)?);
            seen.insert(&m.id, fp);
            results.push(Applied::New);
        }
        for ((sku, loc), level) in overlay {
            self.levels
                .entry(sku.clone())
                .or_default()
                .insert(loc.clone(), level);
        }
        for (id, fp) in seen {
            self.applied.insert(id.clone(), fp);
        }
        Ok(results)
    }
}

fn duplicate_or_conflict(prev: u64, fp: u64, id: &MovementId) -> Result<Applied, CoreError> {
    if prev == fp {
        Ok(Applied::Duplicate)
    } else {
        Err(CoreError::IdempotencyConflict { id: id.to_string() })
    }
}

/// A content fingerprint to tell a retry from an id reused for something
/// else. SipHash with fixed keys: deterministic, kept in memory only.
fn fingerprint(m: &StockMovement) -> u64 {
    let mut h = DefaultHasher::new();
    m.reason.hash(&mut h);
    m.sku.hash(&mut h);
    m.location.hash(&mut h);
    m.quantity.normalize().hash(&mut h);
    m.operator.hash(&mut h);
    m.at.hash(&mut h);
    m.reference.hash(&mut h);
    h.finish()
}

/// Recomputes every level from scratch by summing the movements (first
/// occurrence of an id wins; later copies are skipped): the reference the
/// incremental [`StockLedger`] must always equal. Levels that moved end up in
/// the map even if they came back to zero.
pub fn replay_levels<'a>(
    movements: impl IntoIterator<Item = &'a StockMovement>,
) -> Result<BTreeMap<(Sku, LocationId), StockLevel>, CoreError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out: BTreeMap<(Sku, LocationId), StockLevel> = BTreeMap::new();
    for m in movements {
        if !seen.insert(&m.id) {
            continue;
        }
        let (d_hand, d_reserved) = m.reason.effect(m.quantity);
        let level = match out.entry((m.sku.clone(), m.location.clone())) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(StockLevel::default()),
        };
        level.on_hand = level
            .on_hand
            .checked_add(d_hand)
            .ok_or(CoreError::Overflow)?;
        level.reserved = level
            .reserved
            .checked_add(d_reserved)
            .ok_or(CoreError::Overflow)?;
    }
    for level in out.values_mut() {
        level.on_hand = level.on_hand.normalize();
        level.reserved = level.reserved.normalize();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OperatorId;
    use crate::stock::{MovementContext, MovementReason};
    use chrono::DateTime;
    use rust_decimal_macros::dec;

    fn mv(id: &str, reason: MovementReason, sku: &str, q: Decimal) -> StockMovement {
        StockMovement::new(
            MovementId::new(id).unwrap(),
            reason,
            Sku::new(sku).unwrap(),
            LocationId::new("shop").unwrap(),
            q,
            &MovementContext {
                operator: OperatorId::new("op").unwrap(),
                at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                reference: None,
            },
        )
        .unwrap()
    }

    fn at_shop(l: &StockLedger, sku: &str) -> StockLevel {
        l.level(&Sku::new(sku).unwrap(), &LocationId::new("shop").unwrap())
    }

    #[test]
    fn levels_follow_movements() {
        let mut l = StockLedger::new();
        l.apply(&mv("1", MovementReason::Receipt, "A", dec!(10)))
            .unwrap();
        l.apply(&mv("2", MovementReason::Sale, "A", dec!(-3)))
            .unwrap();
        l.apply(&mv("3", MovementReason::Reservation, "A", dec!(2)))
            .unwrap();
        let lvl = at_shop(&l, "A");
        assert_eq!((lvl.on_hand, lvl.reserved), (dec!(7), dec!(2)));
        assert_eq!(lvl.available().unwrap(), dec!(5));
        l.apply(&mv("4", MovementReason::Consumption, "A", dec!(-2)))
            .unwrap();
        let lvl = at_shop(&l, "A");
        assert_eq!((lvl.on_hand, lvl.reserved), (dec!(5), dec!(0)));
        assert_eq!(at_shop(&l, "B"), StockLevel::default());
    }

    #[test]
    fn same_movement_twice_is_a_no_op_and_reused_id_conflicts() {
        let mut l = StockLedger::new();
        let m = mv("1", MovementReason::Receipt, "A", dec!(10));
        assert_eq!(l.apply(&m).unwrap(), Applied::New);
        let before = l.clone();
        assert_eq!(l.apply(&m).unwrap(), Applied::Duplicate);
        assert_eq!(l, before);
        let other = mv("1", MovementReason::Receipt, "A", dec!(11));
        assert_eq!(l.apply(&other).unwrap_err().kind(), "idempotency_conflict");
        assert_eq!(l, before);
    }

    #[test]
    fn releasing_more_than_reserved_is_refused_and_changes_nothing() {
        let mut l = StockLedger::new();
        l.apply(&mv("1", MovementReason::Reservation, "A", dec!(1)))
            .unwrap();
        let before = l.clone();
        let err = l
            .apply(&mv("2", MovementReason::Release, "A", dec!(-2)))
            .unwrap_err();
        assert!(matches!(err, CoreError::ReservationExceeded { .. }));
        assert_eq!(l, before);
    }

    #[test]
    fn batches_are_all_or_nothing() {
        let mut l = StockLedger::new();
        let before = l.clone();
        let batch = [
            mv("1", MovementReason::Receipt, "A", dec!(5)),
            mv("2", MovementReason::Release, "A", dec!(-1)),
        ];
        assert!(l.apply_all(&batch).is_err());
        assert_eq!(l, before);
        let batch = [
            mv("1", MovementReason::Reservation, "A", dec!(5)),
            mv("2", MovementReason::Release, "A", dec!(-1)),
            mv("1", MovementReason::Reservation, "A", dec!(5)),
        ];
        let r = l.apply_all(&batch).unwrap();
        assert_eq!(r, vec![Applied::New, Applied::New, Applied::Duplicate]);
        assert_eq!(at_shop(&l, "A").reserved, dec!(4));
    }

    #[test]
    fn replay_equals_incremental() {
        let ms = vec![
            mv("1", MovementReason::Receipt, "A", dec!(5.5)),
            mv("2", MovementReason::Sale, "A", dec!(-0.25)),
            mv("3", MovementReason::Receipt, "B", dec!(1)),
            mv("2", MovementReason::Sale, "A", dec!(-0.25)),
        ];
        let l = StockLedger::from_movements(&ms).unwrap();
        assert_eq!(l.to_map(), replay_levels(&ms).unwrap());
        assert_eq!(l.applied_count(), 3);
    }
}
