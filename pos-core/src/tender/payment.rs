//! A payment in progress and its settlement.

use super::card::CardReference;
use super::method::{Tender, TenderMethod};
use super::policy::{MealVoucherExcess, TenderPolicy};
use crate::{CoreError, Currency, Money};
use serde::{Deserialize, Serialize};

/// What a payment must settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDue {
    /// The ticket total (negative: the store pays back).
    pub total: Money,
    /// Σ final amounts of the meal-voucher-eligible lines (food).
    pub meal_voucher_eligible: Money,
}

impl PaymentDue {
    /// A total and the part of it meal vouchers may pay.
    pub fn new(total: Money, meal_voucher_eligible: Money) -> PaymentDue {
        PaymentDue {
            total,
            meal_voucher_eligible,
        }
    }
}

/// Whether money comes in (a sale) or goes out (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The customer pays (total ≥ 0).
    Collect,
    /// The store pays back (total < 0): no change, no meal voucher.
    PayOut,
}

/// A tender as settled. Amounts are signed like the total: negative when
/// the store pays out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledTender {
    /// How.
    pub method: TenderMethod,
    /// What was handed over (face value for vouchers).
    pub tendered: Money,
    /// What counts toward the ticket (cash counts in full; see `change`).
    pub applied: Money,
    /// Meal-voucher value lost to the customer (policy `Forfeit`), else zero.
    pub forfeited: Money,
    /// The processor's reference of an electronic payment; on a refund, it
    /// points at the original charge. Absent from the JSON when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardReference>,
}

/// The outcome of a completed payment: what the ticket records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// Collect or pay out.
    pub direction: Direction,
    /// The ticket total.
    pub total: Money,
    /// The cash rounding line (zero without cash or rounding).
    pub cash_rounding: Money,
    /// total + cash rounding: what actually changed hands.
    pub total_due: Money,
    /// The tenders, in the order they were taken.
    pub tenders: Vec<SettledTender>,
    /// Change given back in cash.
    pub change: Money,
}

/// A payment being taken: tenders in any order, each checked when added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    due: PaymentDue,
    policy: TenderPolicy,
    meal_voucher_used_today: Money,
    /// Tenders with positive amounts (magnitudes), whatever the direction.
    tenders: Vec<SettledTender>,
}

impl Payment {
    /// Starts a payment; `meal_voucher_used_today` is the face value the
    /// customer already paid in meal vouchers today (for the daily cap).
    pub fn new(
        due: PaymentDue,
        policy: TenderPolicy,
        meal_voucher_used_today: Money,
    ) -> Result<Payment, CoreError> {
        let currency = due.total.currency();
        for m in [
            due.meal_voucher_eligible,
            meal_voucher_used_today,
            policy.meal_voucher.daily_cap,
        ] {
            same_currency(currency, m)?;
        }
        if let Some(r) = policy.cash_rounding {
            same_currency(currency, r.increment())?;
        }
        due.total.to_minor_units()?;
        Ok(Payment {
            due,
            policy,
            meal_voucher_used_today,
            tenders: Vec::new(),
        })
    }

    /// What this payment settles.
    pub fn due(&self) -> PaymentDue {
        self.due
    }

    /// Collect or pay out.
    pub fn direction(&self) -> Direction {
        if self.due.total.is_negative() {
            Direction::PayOut
        } else {
            Direction::Collect
        }
    }

    /// The tenders taken so far (signed like the total).
    pub fn tenders(&self) -> Vec<SettledTender> {
        self.tenders.iter().map(|t| self.signed(t)).collect()
    }

    /// What is still due, exact (before cash rounding); negative once cash
    /// exceeds it (that is change). Signed like the total.
    pub fn remaining(&self) -> Result<Money, CoreError> {
        let left = self.remaining_magnitude()?;
        Ok(self.sign(left))
    }

    /// What is still to collect (a sale) or to pay back (a refund), as a
    /// positive amount whatever the direction, like the tenders [`add`]
    /// takes; negative once tenders exceed it (change).
    ///
    /// [`add`]: Payment::add
    pub fn outstanding(&self) -> Result<Money, CoreError> {
        self.remaining_magnitude()
    }

    /// Adds a tender. On error nothing changes.
    pub fn add(&mut self, tender: Tender) -> Result<(), CoreError> {
        tender.check()?;
        let currency = self.currency();
        same_currency(currency, tender.amount)?;
        let amount = tender.amount;
        if !amount.amount().is_sign_positive()
            || amount.is_zero()
            || amount.to_minor_units().is_err()
        {
            return Err(CoreError::InvalidTenderAmount {
                amount: amount.amount().to_string(),
            });
        }
        let remaining = self.remaining_magnitude()?;
        let zero = Money::zero(currency);
        let exceeds = |method: &TenderMethod, limit: Money| CoreError::OverpaymentWithoutCash {
            method: method.code(),
            amount: amount.format_plain(),
            remaining: max(limit, zero).format_plain(),
        };
        let (applied, forfeited) = match (self.direction(), &tender.method) {
            (Direction::Collect, TenderMethod::Cash) => (amount, zero),
            (Direction::Collect, TenderMethod::MealVoucher) => {
                self.meal_voucher(amount, remaining)?
            }
            (Direction::Collect, method) => {
                if amount.amount() > remaining.amount() {
                    return Err(exceeds(method, remaining));
                }
                (amount, zero)
            }
            (Direction::PayOut, TenderMethod::MealVoucher) => {
                return Err(CoreError::TenderNotAccepted {
                    method: tender.method.code(),
                });
            }
            (Direction::PayOut, method) => {
                let limit = if method.is_cash() {
                    self.cash_rounded(remaining)?
                } else {
                    remaining
                };
                if amount.amount() > limit.amount() {
                    return Err(exceeds(method, limit));
                }
                (amount, zero)
            }
        };
        self.tenders.push(SettledTender {
            method: tender.method,
            tendered: amount,
            applied,
            forfeited,
            card: tender.card,
        });
        Ok(())
    }

    /// Removes the tender at `index` (e.g. a card payment that failed) and
    /// re-checks the others in order. On error nothing changes.
    pub fn remove(&mut self, index: usize) -> Result<(), CoreError> {
        if index >= self.tenders.len() {
            return Err(CoreError::UnknownLine {
                line: u32::try_from(index).unwrap_or(u32::MAX),
            });
        }
        let mut fresh = Payment {
            tenders: Vec::new(),
            ..self.clone()
        };
        for (i, t) in self.tenders.iter().enumerate() {
            if i != index {
                fresh.add(Tender {
                    method: t.method.clone(),
                    amount: t.tendered,
                    card: t.card.clone(),
                })?;
            }
        }
        *self = fresh;
        Ok(())
    }

    /// Closes the payment: computes cash rounding and change. Short of the
    /// total is [`CoreError::PaymentShort`].
    pub fn finish(&self) -> Result<Settlement, CoreError> {
        let currency = self.currency();
        let zero = Money::zero(currency);
        let due = self.due.total.amount().abs();
        let non_cash = self.sum(|t| !t.method.is_cash(), |t| t.applied)?;
        let cash = self.sum(|t| t.method.is_cash(), |t| t.tendered)?;
        let cash_part = Money::new(due, currency).checked_sub(&non_cash)?;
        let (rounding, change) = if cash.is_zero() {
            // A cash part that rounds to nothing (0.02 with a 0.05
            // increment) is settled without a cash tender.
            let rounded = self.cash_rounded(cash_part)?;
            if cash_part.amount() > zero.amount() && !rounded.is_zero() {
                return Err(CoreError::PaymentShort {
                    remaining: cash_part.format_plain(),
                });
            }
            (rounded.checked_sub(&cash_part)?, zero)
        } else {
            let rounded = self.cash_rounded(cash_part)?;
            let short = rounded.checked_sub(&cash)?;
            if short.amount() > zero.amount() {
                return Err(CoreError::PaymentShort {
                    remaining: short.format_plain(),
                });
            }
            let change = cash.checked_sub(&rounded)?;
            if self.direction() == Direction::PayOut && !change.is_zero() {
                return Err(CoreError::OverpaymentWithoutCash {
                    method: TenderMethod::Cash.code(),
                    amount: cash.format_plain(),
                    remaining: rounded.format_plain(),
                });
            }
            (rounded.checked_sub(&cash_part)?, change)
        };
        let cash_rounding = self.sign(rounding);
        Ok(Settlement {
            direction: self.direction(),
            total: self.due.total,
            cash_rounding,
            total_due: self.due.total.checked_add(&cash_rounding)?,
            tenders: self.tenders(),
            change,
        })
    }

    // --- internals (magnitudes) ---

    fn currency(&self) -> Currency {
        self.due.total.currency()
    }

    fn sign(&self, m: Money) -> Money {
        match self.direction() {
            Direction::Collect => m,
            Direction::PayOut => m.negated(),
        }
    }

    fn signed(&self, t: &SettledTender) -> SettledTender {
        SettledTender {
            method: t.method.clone(),
            tendered: self.sign(t.tendered),
            applied: self.sign(t.applied),
            forfeited: self.sign(t.forfeited),
            card: t.card.clone(),
        }
    }

    fn sum(
        &self,
        filter: impl Fn(&SettledTender) -> bool,
        value: impl Fn(&SettledTender) -> Money,
    ) -> Result<Money, CoreError> {
        let picked: Vec<Money> = self
            .tenders
            .iter()
            .filter(|t| filter(t))
            .map(value)
            .collect();
        Money::sum(self.currency(), &picked)
    }

    fn remaining_magnitude(&self) -> Result<Money, CoreError> {
        let paid = self.sum(|_| true, |t| t.applied)?;
        Money::new(self.due.total.amount().abs(), self.currency()).checked_sub(&paid)
    }

    fn cash_rounded(&self, m: Money) -> Result<Money, CoreError> {
        match self.policy.cash_rounding {
            Some(r) => Ok(Money::new(r.round(m.amount())?, self.currency())),
            None => Ok(m),
        }
    }

    /// The meal-voucher checks of a sale: eligible food left, daily cap,
    /// balance, and the excess policy. Returns (applied, forfeited).
    fn meal_voucher(&self, amount: Money, remaining: Money) -> Result<(Money, Money), CoreError> {
        let zero = Money::zero(self.currency());
        let is_mv = |t: &SettledTender| matches!(t.method, TenderMethod::MealVoucher);
        let eligible_left = self
            .due
            .meal_voucher_eligible
            .checked_sub(&self.sum(is_mv, |t| t.applied)?)?;
        if eligible_left.amount() <= zero.amount() {
            return Err(CoreError::MealVoucherNotEligible);
        }
        let cap_left = self
            .policy
            .meal_voucher
            .daily_cap
            .checked_sub(&self.meal_voucher_used_today)?
            .checked_sub(&self.sum(is_mv, |t| t.tendered)?)?;
        if amount.amount() > cap_left.amount() {
            return Err(CoreError::MealVoucherAboveCap {
                requested: amount.format_plain(),
                remaining: max(cap_left, zero).format_plain(),
            });
        }
        let limit = min(eligible_left, remaining);
        if amount.amount() <= limit.amount() {
            return Ok((amount, zero));
        }
        match self.policy.meal_voucher.excess {
            MealVoucherExcess::Forfeit if limit.amount() > zero.amount() => {
                Ok((limit, amount.checked_sub(&limit)?))
            }
            _ if eligible_left.amount() < remaining.amount() => {
                Err(CoreError::MealVoucherAboveEligible {
                    requested: amount.format_plain(),
                    eligible: eligible_left.format_plain(),
                })
            }
            _ => Err(CoreError::OverpaymentWithoutCash {
                method: TenderMethod::MealVoucher.code(),
                amount: amount.format_plain(),
                remaining: max(remaining, zero).format_plain(),
            }),
        }
    }
}

fn same_currency(expected: Currency, m: Money) -> Result<(), CoreError> {
    if m.currency() == expected {
        Ok(())
    } else {
        Err(CoreError::CurrencyMismatch {
            expected: expected.code().to_owned(),
            found: m.currency().code().to_owned(),
        })
    }
}

fn max(a: Money, b: Money) -> Money {
    if a.amount() >= b.amount() { a } else { b }
}

fn min(a: Money, b: Money) -> Money {
    if a.amount() <= b.amount() { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn eur(a: rust_decimal::Decimal) -> Money {
        Money::new(a, Currency::EUR)
    }

    #[test]
    fn settlement_balances() {
        // Σ applied − change = total + rounding, in both directions.
        let mut policy = TenderPolicy::france(Currency::EUR);
        policy.cash_rounding =
            Some(super::super::CashRounding::new(dec!(0.05), Currency::EUR).unwrap());
        for total in [dec!(17.32), dec!(-17.32), dec!(0.01), dec!(-0.03)] {
            let mut p = Payment::new(
                PaymentDue::new(eur(total), eur(dec!(0))),
                policy,
                eur(dec!(0)),
            )
            .unwrap();
            p.add(Tender::new(TenderMethod::Card, eur(dec!(0.01))))
                .unwrap();
            let cash = if total > dec!(0) {
                dec!(20)
            } else {
                policy
                    .cash_rounding
                    .unwrap()
                    .round(total.abs() - dec!(0.01))
                    .unwrap()
            };
            if cash > dec!(0) {
                p.add(Tender::new(TenderMethod::Cash, eur(cash))).unwrap();
            }
            let s = p.finish().unwrap();
            let applied: rust_decimal::Decimal = s.tenders.iter().map(|t| t.applied.amount()).sum();
            let change = if total > dec!(0) {
                s.change.amount()
            } else {
                -s.change.amount()
            };
            assert_eq!(applied - change, s.total_due.amount(), "{total}");
            assert_eq!(s.total_due.amount(), total + s.cash_rounding.amount());
        }
    }

    #[test]
    fn a_failed_add_changes_nothing() {
        let mut p = Payment::new(
            PaymentDue::new(eur(dec!(10)), eur(dec!(5))),
            TenderPolicy::france(Currency::EUR),
            eur(dec!(0)),
        )
        .unwrap();
        p.add(Tender::new(TenderMethod::Card, eur(dec!(4))))
            .unwrap();
        let before = p.clone();
        assert!(
            p.add(Tender::new(TenderMethod::Card, eur(dec!(7))))
                .is_err()
        );
        assert!(
            p.add(Tender::new(TenderMethod::MealVoucher, eur(dec!(6))))
                .is_err()
        );
        assert_eq!(p, before);
    }
}
