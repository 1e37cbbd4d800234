//! Manual adjustments on a cart: line and ticket discounts with a reason,
//! a price override, line and ticket notes, and reading them back. Each
//! needs the acting operator's permission (a cashier gives discounts; only
//! a manager overrides a price); a refusal changes nothing.

use crate::cart::Cart;
use crate::guard::{guard, lock};
use crate::register::rights;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::cart::{Actor, ManualDiscount, PriceSource};
use pos_core::pricing::Discount as CoreDiscount;

/// A manual discount's value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Discount {
    /// A percentage, 0 to 100 (decimal string: `"10"` is 10 %).
    Percent {
        /// The percentage.
        value: String,
    },
    /// An amount off in the cart's currency (decimal string).
    Amount {
        /// The amount.
        value: String,
    },
}

impl Discount {
    fn to_core(&self) -> Result<CoreDiscount, PosError> {
        Ok(match self {
            Discount::Percent { value } => {
                CoreDiscount::Percent(convert::decimal("percent", value)?)
            }
            Discount::Amount { value } => CoreDiscount::Amount(convert::decimal("amount", value)?),
        })
    }

    fn of(d: &CoreDiscount) -> Discount {
        match d {
            CoreDiscount::Percent(v) => Discount::Percent {
                value: v.normalize().to_string(),
            },
            CoreDiscount::Amount(v) => Discount::Amount {
                value: v.normalize().to_string(),
            },
        }
    }
}

/// A manual discount as given: value, reason and who gave it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ManualDiscountInfo {
    /// What was keyed.
    pub discount: Discount,
    /// The reason code (`DAMAGED`, `STAFF`...).
    pub reason_code: String,
    /// The optional free text.
    pub reason_text: Option<String>,
    /// The operator who gave it.
    pub operator: String,
}

impl ManualDiscountInfo {
    fn of(m: &ManualDiscount) -> ManualDiscountInfo {
        ManualDiscountInfo {
            discount: Discount::of(&m.discount),
            reason_code: m.reason_code.clone(),
            reason_text: m.reason_text.clone(),
            operator: m.operator.to_string(),
        }
    }
}

/// A price keyed over the catalog's.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PriceOverrideInfo {
    /// The price it replaced (decimal string).
    pub replaced: String,
    /// Why (printed and journaled).
    pub reason: String,
    /// Who overrode it.
    pub operator: String,
}

/// What was adjusted by hand on one line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineAdjustments {
    /// The line id.
    pub line: u32,
    /// Its manual discount, if any.
    pub discount: Option<ManualDiscountInfo>,
    /// What the manual discount takes off (decimal string).
    pub discount_amount: String,
    /// The line's share of the ticket discount (decimal string).
    pub ticket_discount_share: String,
    /// Its price override, if any.
    pub price_override: Option<PriceOverrideInfo>,
    /// Its note, if any.
    pub note: Option<String>,
}

/// What was adjusted by hand on the cart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartAdjustments {
    /// The ticket discount, if any.
    pub ticket_discount: Option<ManualDiscountInfo>,
    /// The ticket's note, if any.
    pub note: Option<String>,
    /// Per line, in order.
    pub lines: Vec<LineAdjustments>,
}

fn actor(operator: &str, manager: bool) -> Result<Actor, PosError> {
    Ok(Actor::new(convert::operator(operator)?, rights(manager)))
}

#[uniffi::export]
impl Cart {
    /// Puts a manual discount on `line` (replacing any) with a reason code
    /// and an optional text, by `operator` (a cashier may; `manager` for a
    /// manager's rights). More than what is left of the line, a return
    /// line, or a missing permission is refused and changes nothing.
    pub fn set_line_discount(
        &self,
        line: u32,
        discount: Discount,
        reason_code: String,
        reason_text: Option<String>,
        operator: String,
        manager: bool,
    ) -> Result<(), PosError> {
        let (discount, actor) = (discount.to_core()?, actor(&operator, manager)?);
        self.with_line(line, |cart, id| {
            Ok(cart.set_line_discount(
                id,
                discount,
                &reason_code,
                reason_text.as_deref(),
                &actor,
            )?)
        })
    }

    /// Removes `line`'s manual discount.
    pub fn clear_line_discount(&self, line: u32) -> Result<(), PosError> {
        self.with_line(line, |cart, id| Ok(cart.clear_line_discount(id)?))
    }

    /// Puts a manual discount on the whole ticket (replacing any), spread
    /// over the lines in proportion to their amounts.
    pub fn set_ticket_discount(
        &self,
        discount: Discount,
        reason_code: String,
        reason_text: Option<String>,
        operator: String,
        manager: bool,
    ) -> Result<(), PosError> {
        let (discount, actor) = (discount.to_core()?, actor(&operator, manager)?);
        guard(|| {
            Ok(self.open()?.set_ticket_discount(
                discount,
                &reason_code,
                reason_text.as_deref(),
                &actor,
            )?)
        })
    }

    /// Removes the ticket discount.
    pub fn clear_ticket_discount(&self) -> Result<(), PosError> {
        guard(|| Ok(self.open()?.clear_ticket_discount()?))
    }

    /// Replaces `line`'s unit price (decimal string) with a reason; needs a
    /// manager (`PosError.Cart` `permission_denied` naming
    /// `price_override` otherwise).
    pub fn override_price(
        &self,
        line: u32,
        unit_price: String,
        reason: String,
        operator: String,
        manager: bool,
    ) -> Result<(), PosError> {
        let (price, actor) = (
            convert::decimal("unit price", &unit_price)?,
            actor(&operator, manager)?,
        );
        self.with_line(line, |cart, id| {
            let price = Money::new(price, cart.currency());
            Ok(cart.override_price(id, price, &reason, &actor)?)
        })
    }

    /// Sets (or with None clears) `line`'s note, printed under the line.
    pub fn set_line_note(&self, line: u32, note: Option<String>) -> Result<(), PosError> {
        self.with_line(
            line,
            |cart, id| Ok(cart.set_line_note(id, note.as_deref())?),
        )
    }

    /// Sets (or with None clears) the ticket's note.
    pub fn set_note(&self, note: Option<String>) -> Result<(), PosError> {
        guard(|| Ok(self.open()?.set_note(note.as_deref())?))
    }

    /// The discounts, overrides and notes keyed on the cart.
    pub fn adjustments(&self) -> Result<CartAdjustments, PosError> {
        guard(|| {
            let cart = lock(&self.inner);
            Ok(CartAdjustments {
                ticket_discount: cart.ticket_discount().map(ManualDiscountInfo::of),
                note: cart.note().map(str::to_owned),
                lines: cart
                    .lines()
                    .iter()
                    .map(|l| LineAdjustments {
                        line: l.id().get(),
                        discount: l.manual_discount().map(ManualDiscountInfo::of),
                        discount_amount: l.manual_discount_amount().format_plain(),
                        ticket_discount_share: l.ticket_discount_share().format_plain(),
                        price_override: match l.price_source() {
                            PriceSource::Override {
                                operator,
                                reason,
                                replaced,
                            } => Some(PriceOverrideInfo {
                                replaced: replaced.format_plain(),
                                reason: reason.clone(),
                                operator: operator.to_string(),
                            }),
                            _ => None,
                        },
                        note: l.note().map(str::to_owned),
                    })
                    .collect(),
            })
        })
    }
}
