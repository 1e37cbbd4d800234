//! A member's points: lots earned per ticket (FIFO, with expiry) and the
//! ledger of every movement (earn, burn, expire, reverse).

use super::program::{EarnLine, LoyaltyProgram, Reward, Tier};
use crate::ids::{CustomerId, OperationId, RewardId, TicketId};
use crate::{CoreError, Money};
use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Points earned by one ticket, spent first-in first-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointLot {
    /// The ticket that earned them.
    pub ticket: TicketId,
    /// When.
    pub earned_at: DateTime<Utc>,
    /// When they expire (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// Points earned.
    pub points: u64,
    /// Points not yet spent, expired or reversed.
    pub remaining: u64,
}

/// Why points were burned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BurnPurpose {
    /// Used as a tender worth this amount.
    Tender(Money),
    /// Exchanged for a reward.
    Reward(RewardId),
}

/// What a ledger entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points earned by a ticket.
    Earn {
        /// The ticket.
        ticket: TicketId,
    },
    /// Points spent.
    Burn {
        /// The operation (idempotency key).
        op: OperationId,
        /// On what.
        purpose: BurnPurpose,
    },
    /// Points of a lot that reached its expiry date.
    Expire {
        /// The ticket of the lot.
        ticket: TicketId,
    },
    /// Burned points given back because the sale they paid was refunded.
    Restore {
        /// The operation (idempotency key, e.g. the refund ticket id).
        op: OperationId,
        /// The burn being given back.
        burn: OperationId,
    },
    /// Points earned or spent on another till of the store, learnt from the
    /// sync server (positive: a lot keyed by the movement; negative: taken
    /// from the oldest lots, never below zero).
    Remote {
        /// The server's movement id (idempotency key).
        op: OperationId,
        /// Points the movement asked to take that were not there (the
        /// server's ledger holds the exact figure).
        unrecovered: u64,
    },
    /// Points taken back after a refund of the ticket that earned them.
    Reverse {
        /// The operation (idempotency key, e.g. the refund ticket id).
        op: OperationId,
        /// The original ticket.
        ticket: TicketId,
        /// Points that should have been taken back but were already spent
        /// (the balance never goes negative).
        unrecovered: u64,
    },
}

/// One movement of points (signed: earn positive, the others negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyEntry {
    /// Client time.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EntryKind,
    /// Signed points.
    pub points: i64,
}

/// What a ticket earned and how much of it was refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earning {
    /// When.
    pub at: DateTime<Utc>,
    /// Points earned.
    pub points: u64,
    /// The eligible amount that earned them.
    pub eligible: Decimal,
    /// Eligible amount refunded so far.
    pub refunded: Decimal,
    /// Points reversed so far (recovered or not).
    pub reversed: u64,
}

/// The result of a reversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    /// Points to take back for this refund.
    pub due: u64,
    /// Points actually taken back.
    pub recovered: u64,
    /// Points already spent that could not be taken back.
    pub unrecovered: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BurnRecord {
    at: DateTime<Utc>,
    points: u64,
    purpose: BurnPurpose,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RestoreRecord {
    at: DateTime<Utc>,
    burn: OperationId,
    points: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ReversalRecord {
    at: DateTime<Utc>,
    ticket: TicketId,
    amount: Decimal,
    result: Reversal,
}

/// A member's points account. Every operation is idempotent on its key
/// (ticket id for earning, operation id for the others) and leaves the
/// account unchanged when it fails. The balance never goes negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyAccount {
    customer: CustomerId,
    lots: Vec<PointLot>,
    entries: Vec<LoyaltyEntry>,
    earnings: BTreeMap<TicketId, Earning>,
    burns: BTreeMap<OperationId, BurnRecord>,
    reversals: BTreeMap<OperationId, ReversalRecord>,
    #[serde(default)]
    restores: BTreeMap<OperationId, RestoreRecord>,
    /// Movements applied from other tills, by movement id: the signed points.
    #[serde(default)]
    remotes: BTreeMap<OperationId, i64>,
}

impl LoyaltyAccount {
    /// An empty account.
    pub fn new(customer: CustomerId) -> LoyaltyAccount {
        LoyaltyAccount {
            customer,
            lots: Vec::new(),
            entries: Vec::new(),
            earnings: BTreeMap::new(),
            burns: BTreeMap::new(),
            reversals: BTreeMap::new(),
            restores: BTreeMap::new(),
            remotes: BTreeMap::new(),
        }
    }

    /// The member.
    pub fn customer(&self) -> &CustomerId {
        &self.customer
    }

    /// The lots, in the order earned.
    pub fn lots(&self) -> &[PointLot] {
        &self.lots
    }

    /// The ledger, oldest first.
    pub fn entries(&self) -> &[LoyaltyEntry] {
        &self.entries
    }

    /// What a ticket earned, if it earned here.
    pub fn earning(&self, ticket: &TicketId) -> Option<&Earning> {
        self.earnings.get(ticket)
    }

    /// Points on the account (lots not yet expired by [`Self::expire`]).
    pub fn balance(&self) -> Result<u64, CoreError> {
        sum_remaining(self.lots.iter())
    }

    /// Points usable at `at`: the balance without lots whose expiry has come.
    pub fn available_at(&self, at: DateTime<Utc>) -> Result<u64, CoreError> {
        sum_remaining(self.lots.iter().filter(|l| !is_expired(l, at)))
    }

    /// Earns the points of a ticket. The same ticket again is a no-op
    /// returning `Ok((points, false))`; with other content it is an
    /// idempotency conflict.
    pub fn earn(
        &mut self,
        program: &LoyaltyProgram,
        ticket: TicketId,
        at: DateTime<Utc>,
        lines: &[EarnLine],
    ) -> Result<(u64, bool), CoreError> {
        let breakdown = program.points_for(lines)?;
        if let Some(e) = self.earnings.get(&ticket) {
            return if e.points == breakdown.total && e.eligible == breakdown.eligible {
                Ok((e.points, false))
            } else {
                Err(CoreError::IdempotencyConflict {
                    id: ticket.to_string(),
                })
            };
        }
        let points = breakdown.total;
        let expires_at = match program.expiry_days {
            Some(days) => Some(
                at.checked_add_signed(TimeDelta::days(i64::from(days)))
                    .ok_or(CoreError::Overflow)?,
            ),
            None => None,
        };
        let signed = i64::try_from(points).map_err(|_| CoreError::Overflow)?;
        self.balance()?
            .checked_add(points)
            .ok_or(CoreError::Overflow)?;
        if points > 0 {
            self.lots.push(PointLot {
                ticket: ticket.clone(),
                earned_at: at,
                expires_at,
                points,
                remaining: points,
            });
            self.entries.push(LoyaltyEntry {
                at,
                kind: EntryKind::Earn {
                    ticket: ticket.clone(),
                },
                points: signed,
            });
        }
        self.earnings.insert(
            ticket,
            Earning {
                at,
                points,
                eligible: breakdown.eligible,
                refunded: Decimal::ZERO,
                reversed: 0,
            },
        );
        Ok((points, true))
    }

    /// Applies a points movement made on another till (pulled from the sync
    /// server), keyed by the server's movement id: a gain becomes a lot
    /// (`lot_id` names it, `expires_at` as the program says for points
    /// earned at `at`); a loss is taken from the oldest usable lots, never
    /// below zero. The same movement again is a no-op (`Ok(false)`); the
    /// same id with other points is an idempotency conflict.
    pub fn apply_remote(
        &mut self,
        op: OperationId,
        lot_id: TicketId,
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        points: i64,
    ) -> Result<bool, CoreError> {
        if let Some(prev) = self.remotes.get(&op) {
            return if *prev == points {
                Ok(false)
            } else {
                Err(CoreError::IdempotencyConflict { id: op.to_string() })
            };
        }
        let magnitude = points.unsigned_abs();
        let (signed, unrecovered) = if points >= 0 {
            self.balance()?
                .checked_add(magnitude)
                .ok_or(CoreError::Overflow)?;
            if magnitude > 0 {
                self.lots.push(PointLot {
                    ticket: lot_id,
                    earned_at: at,
                    expires_at,
                    points: magnitude,
                    remaining: magnitude,
                });
            }
            (points, 0)
        } else {
            self.expire(at)?;
            let taken = self.take(magnitude, None, at);
            let signed = negate_points(i64::try_from(taken).map_err(|_| CoreError::Overflow)?)?;
            (signed, magnitude.saturating_sub(taken))
        };
        self.entries.push(LoyaltyEntry {
            at,
            kind: EntryKind::Remote {
                op: op.clone(),
                unrecovered,
            },
            points: signed,
        });
        self.remotes.insert(op, points);
        Ok(true)
    }

    /// Posts the expiry of every lot whose date has come (an `Expire` entry
    /// per lot). Returns the points expired; running it again does nothing.
    pub fn expire(&mut self, at: DateTime<Utc>) -> Result<u64, CoreError> {
        let mut total: u64 = 0;
        for lot in self.lots.iter_mut().filter(|l| l.remaining > 0) {
            if !is_expired(lot, at) {
                continue;
            }
            let signed = i64::try_from(lot.remaining).map_err(|_| CoreError::Overflow)?;
            total = total
                .checked_add(lot.remaining)
                .ok_or(CoreError::Overflow)?;
            self.entries.push(LoyaltyEntry {
                at,
                kind: EntryKind::Expire {
                    ticket: lot.ticket.clone(),
                },
                points: negate_points(signed)?,
            });
            lot.remaining = 0;
        }
        Ok(total)
    }

    /// Exchanges points for a reward of the program.
    pub fn redeem_reward(
        &mut self,
        program: &LoyaltyProgram,
        op: OperationId,
        at: DateTime<Utc>,
        reward: &RewardId,
    ) -> Result<Reward, CoreError> {
        let r = program.reward(reward)?.clone();
        self.burn(op, at, r.cost, BurnPurpose::Reward(r.id.clone()))?;
        Ok(r)
    }

    /// Spends points as a tender; returns the amount they pay.
    pub fn pay_with_points(
        &mut self,
        program: &LoyaltyProgram,
        op: OperationId,
        at: DateTime<Utc>,
        points: u64,
    ) -> Result<Money, CoreError> {
        let value = program.value_of(points)?;
        self.burn(op, at, points, BurnPurpose::Tender(value))?;
        Ok(value)
    }

    /// Burns points, oldest expiry first, after posting what expired. Above
    /// the usable balance is an error and nothing changes. The same operation
    /// again is a no-op (`Ok(false)`).
    pub fn burn(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
        points: u64,
        purpose: BurnPurpose,
    ) -> Result<bool, CoreError> {
        let record = BurnRecord {
            at,
            points,
            purpose,
        };
        if let Some(prev) = self.burns.get(&op) {
            // The time is not part of the request: a retry comes later.
            return if prev.points == record.points && prev.purpose == record.purpose {
                Ok(false)
            } else {
                Err(CoreError::IdempotencyConflict { id: op.to_string() })
            };
        }
        if points == 0 {
            return Err(CoreError::InvalidAmount {
                amount: "0".to_owned(),
            });
        }
        let available = self.available_at(at)?;
        if points > available {
            return Err(CoreError::InsufficientPoints {
                balance: available,
                requested: points,
            });
        }
        let signed = negate_points(i64::try_from(points).map_err(|_| CoreError::Overflow)?)?;
        self.expire(at)?;
        // Cannot fall short: `points` was checked against the usable balance.
        self.take(points, None, at);
        self.entries.push(LoyaltyEntry {
            at,
            kind: EntryKind::Burn {
                op: op.clone(),
                purpose: record.purpose.clone(),
            },
            points: signed,
        });
        self.burns.insert(op, record);
        Ok(true)
    }

    /// Gives back burned points when the sale they paid is refunded: a new
    /// lot (expiring like freshly earned points) of at most what the burn
    /// took, less what was already given back. The same operation again is a
    /// no-op (`Ok(false)`).
    pub fn restore_burn(
        &mut self,
        program: &LoyaltyProgram,
        op: OperationId,
        at: DateTime<Utc>,
        burn: &OperationId,
        points: u64,
    ) -> Result<bool, CoreError> {
        let record = RestoreRecord {
            at,
            burn: burn.clone(),
            points,
        };
        if let Some(prev) = self.restores.get(&op) {
            return if prev.burn == record.burn && prev.points == record.points {
                Ok(false)
            } else {
                Err(CoreError::IdempotencyConflict { id: op.to_string() })
            };
        }
        let burned = self
            .burns
            .get(burn)
            .ok_or_else(|| CoreError::UnknownReference {
                what: "points burn",
                id: burn.to_string(),
            })?
            .points;
        let restored = self
            .restores
            .values()
            .filter(|r| &r.burn == burn)
            .try_fold(0u64, |acc, r| {
                acc.checked_add(r.points).ok_or(CoreError::Overflow)
            })?;
        let remaining = burned.saturating_sub(restored);
        if points == 0 {
            return Err(CoreError::InvalidAmount {
                amount: "0".to_owned(),
            });
        }
        if points > remaining {
            return Err(CoreError::RefundExceedsRemaining {
                requested: points.to_string(),
                remaining: remaining.to_string(),
            });
        }
        let signed = i64::try_from(points).map_err(|_| CoreError::Overflow)?;
        let expires_at = match program.expiry_days {
            Some(days) => Some(
                at.checked_add_signed(TimeDelta::days(i64::from(days)))
                    .ok_or(CoreError::Overflow)?,
            ),
            None => None,
        };
        let lot_ticket = TicketId::new(op.as_str())?;
        self.lots.push(PointLot {
            ticket: lot_ticket,
            earned_at: at,
            expires_at,
            points,
            remaining: points,
        });
        self.entries.push(LoyaltyEntry {
            at,
            kind: EntryKind::Restore {
                op: op.clone(),
                burn: burn.clone(),
            },
            points: signed,
        });
        self.restores.insert(op, record);
        Ok(true)
    }

    /// Takes back the points of a ticket in proportion to the eligible amount
    /// refunded: cumulatively, `floor(points × refunded / eligible)`, and
    /// exactly all of them once the whole eligible amount is refunded. Points
    /// come from the ticket's own lot first, then oldest first; points already
    /// spent are recorded as unrecovered (the balance never goes negative).
    /// The same operation again is a no-op returning the first result.
    pub fn reverse_refund(
        &mut self,
        op: OperationId,
        at: DateTime<Utc>,
        ticket: &TicketId,
        refunded_eligible: Decimal,
    ) -> Result<Reversal, CoreError> {
        if let Some(prev) = self.reversals.get(&op) {
            return if &prev.ticket == ticket && prev.amount == refunded_eligible {
                Ok(prev.result)
            } else {
                Err(CoreError::IdempotencyConflict { id: op.to_string() })
            };
        }
        let earning = self
            .earnings
            .get(ticket)
            .ok_or_else(|| CoreError::UnknownReference {
                what: "loyalty ticket",
                id: ticket.to_string(),
            })?;
        if refunded_eligible <= Decimal::ZERO {
            return Err(CoreError::InvalidAmount {
                amount: refunded_eligible.to_string(),
            });
        }
        let refunded = earning
            .refunded
            .checked_add(refunded_eligible)
            .ok_or(CoreError::Overflow)?;
        if refunded > earning.eligible {
            return Err(CoreError::RefundExceedsRemaining {
                requested: refunded_eligible.to_string(),
                remaining: earning
                    .eligible
                    .checked_sub(earning.refunded)
                    .ok_or(CoreError::Overflow)?
                    .to_string(),
            });
        }
        let target = if refunded == earning.eligible {
            earning.points
        } else {
            let share = Decimal::from(earning.points)
                .checked_mul(refunded)
                .and_then(|x| x.checked_div(earning.eligible))
                .ok_or(CoreError::Overflow)?
                .round_dp_with_strategy(0, RoundingStrategy::ToZero);
            u64::try_from(share).map_err(|_| CoreError::Overflow)?
        };
        let due = target
            .checked_sub(earning.reversed)
            .ok_or(CoreError::Overflow)?;
        self.expire(at)?;
        let recovered = self.take(due, Some(ticket), at);
        let unrecovered = due.saturating_sub(recovered);
        let signed = negate_points(i64::try_from(recovered).map_err(|_| CoreError::Overflow)?)?;
        if let Some(e) = self.earnings.get_mut(ticket) {
            e.refunded = refunded;
            e.reversed = target;
        }
        if due > 0 {
            self.entries.push(LoyaltyEntry {
                at,
                kind: EntryKind::Reverse {
                    op: op.clone(),
                    ticket: ticket.clone(),
                    unrecovered,
                },
                points: signed,
            });
        }
        let result = Reversal {
            due,
            recovered,
            unrecovered,
        };
        self.reversals.insert(
            op,
            ReversalRecord {
                at,
                ticket: ticket.clone(),
                amount: refunded_eligible,
                result,
            },
        );
        Ok(result)
    }

    /// Points earned over the program's window ending at `at`, net of
    /// reversals in the window: what tiers are based on.
    pub fn tier_points(
        &self,
        program: &LoyaltyProgram,
        at: DateTime<Utc>,
    ) -> Result<u64, CoreError> {
        let from = at
            .checked_sub_signed(TimeDelta::days(i64::from(program.tier_window_days)))
            .ok_or(CoreError::Overflow)?;
        let mut net: i64 = 0;
        for e in self.entries.iter().filter(|e| e.at > from && e.at <= at) {
            let delta = match &e.kind {
                EntryKind::Earn { .. } => e.points,
                EntryKind::Reverse { unrecovered, .. } => {
                    let u = i64::try_from(*unrecovered).map_err(|_| CoreError::Overflow)?;
                    e.points.checked_sub(u).ok_or(CoreError::Overflow)?
                }
                // Points gained at another till count like points earned here.
                EntryKind::Remote { .. } => e.points.max(0),
                EntryKind::Burn { .. } | EntryKind::Expire { .. } | EntryKind::Restore { .. } => 0,
            };
            net = net.checked_add(delta).ok_or(CoreError::Overflow)?;
        }
        Ok(u64::try_from(net).unwrap_or(0))
    }

    /// The member's tier at `at`.
    pub fn tier<'p>(
        &self,
        program: &'p LoyaltyProgram,
        at: DateTime<Utc>,
    ) -> Result<Option<&'p Tier>, CoreError> {
        Ok(program.tier_for(self.tier_points(program, at)?))
    }

    /// Takes up to `points` from the usable lots: the lot of `first` if
    /// given, then by expiry date, then in the order earned. Returns what was
    /// taken.
    fn take(&mut self, points: u64, first: Option<&TicketId>, at: DateTime<Utc>) -> u64 {
        let mut order: Vec<usize> = (0..self.lots.len()).collect();
        order.sort_by_key(|&i| {
            let lot = self.lots.get(i);
            let own = lot.is_some_and(|l| Some(&l.ticket) == first);
            let expiry = lot.and_then(|l| l.expires_at);
            (!own, expiry.is_none(), expiry, i)
        });
        let mut left = points;
        for i in order {
            if left == 0 {
                break;
            }
            if let Some(lot) = self.lots.get_mut(i) {
                if is_expired(lot, at) {
                    continue;
                }
                let t = lot.remaining.min(left);
                lot.remaining = lot.remaining.saturating_sub(t);
                left = left.saturating_sub(t);
            }
        }
        points.saturating_sub(left)
    }
}

fn is_expired(lot: &PointLot, at: DateTime<Utc>) -> bool {
    lot.expires_at.is_some_and(|e| e <= at)
}

fn sum_remaining<'a>(mut lots: impl Iterator<Item = &'a PointLot>) -> Result<u64, CoreError> {
    lots.try_fold(0u64, |acc, l| {
        acc.checked_add(l.remaining).ok_or(CoreError::Overflow)
    })
}

fn negate_points(p: i64) -> Result<i64, CoreError> {
    0i64.checked_sub(p).ok_or(CoreError::Overflow)
}
