//! The cart and the payment being taken, as objects the app holds.

use crate::guard::{guard, lock};
use crate::types::{CartLine, TenderMethod};
use crate::{PosError, convert};
use pos_core::cart::Cart as CoreCart;
use pos_core::tender::Payment as CorePayment;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// A sale (or refund) being rung up. Once it completes a sale it is
/// consumed: changing, paying or completing it again is `cart_completed`.
#[derive(Debug, uniffi::Object)]
pub struct Cart {
    pub(crate) inner: Mutex<CoreCart>,
    /// The ticket (`T3`) this cart completed; set once, under the cart's
    /// lock, by the call that recorded the sale.
    pub(crate) completed: OnceLock<String>,
}

/// The refusal of a cart or payment already consumed by a sale.
pub(crate) fn consumed(ticket: &str) -> PosError {
    PosError::from(pos_sdk::SdkError::CartCompleted {
        ticket: ticket.to_owned(),
    })
}

impl Cart {
    /// Wraps a domain cart.
    pub(crate) fn wrap(cart: CoreCart) -> Cart {
        Cart {
            inner: Mutex::new(cart),
            completed: OnceLock::new(),
        }
    }

    /// The cart, locked, if it has not completed a sale yet. Checked after
    /// taking the lock: the completing call marks it under the same lock.
    pub(crate) fn open(&self) -> Result<MutexGuard<'_, CoreCart>, PosError> {
        let cart = lock(&self.inner);
        match self.completed.get() {
            Some(ticket) => Err(consumed(ticket)),
            None => Ok(cart),
        }
    }

    pub(crate) fn with_line<T>(
        &self,
        line: u32,
        f: impl FnOnce(&mut CoreCart, pos_core::cart::LineId) -> Result<T, PosError>,
    ) -> Result<T, PosError> {
        guard(|| {
            let mut cart = self.open()?;
            let id = cart
                .lines()
                .iter()
                .map(|l| l.id())
                .find(|id| id.get() == line)
                .ok_or_else(|| PosError::invalid("line", "a line id of this cart"))?;
            f(&mut cart, id)
        })
    }
}

#[uniffi::export]
impl Cart {
    /// Whether the cart completed a sale (it can then only be read).
    pub fn is_completed(&self) -> bool {
        self.completed.get().is_some()
    }

    /// The total to pay, tax included (decimal string).
    pub fn total(&self) -> Result<String, PosError> {
        guard(|| Ok(lock(&self.inner).total().format_plain()))
    }

    /// The lines, in order.
    pub fn lines(&self) -> Result<Vec<CartLine>, PosError> {
        guard(|| {
            Ok(lock(&self.inner)
                .lines()
                .iter()
                .map(|l| CartLine {
                    id: l.id().get(),
                    sku: l.item().sku.to_string(),
                    label: l.label().to_owned(),
                    quantity: l.quantity().normalize().to_string(),
                    unit_price: l.unit_price().format_plain(),
                    amount: l.amount().format_plain(),
                    vat_rate: l.vat_rate().percent_string(),
                })
                .collect())
        })
    }

    /// Whether the cart has no line.
    pub fn is_empty(&self) -> Result<bool, PosError> {
        guard(|| Ok(lock(&self.inner).is_empty()))
    }

    /// Sets a line's quantity (decimal string); on error nothing changes.
    pub fn set_quantity(&self, line: u32, quantity: String) -> Result<(), PosError> {
        let q = convert::decimal("quantity", &quantity)?;
        self.with_line(line, |cart, id| Ok(cart.set_quantity(id, q)?))
    }

    /// Removes a line.
    pub fn remove_line(&self, line: u32) -> Result<(), PosError> {
        self.with_line(line, |cart, id| {
            cart.remove(id).map(|_| ()).map_err(Into::into)
        })
    }

    /// Enters a coupon code: None when it applies, or why it does not
    /// apply now (the code is kept and applies as soon as it can, e.g. once
    /// the minimum spend is reached). A code no promotion has, or one
    /// already on the ticket, raises `PosError.Cart` `coupon_unknown` /
    /// `coupon_duplicate` and changes nothing.
    pub fn add_coupon(&self, code: String) -> Result<Option<String>, PosError> {
        guard(|| {
            Ok(self.open()?.enter_coupon(&code)?.map(|r| {
                serde_json::to_value(&r)
                    .ok()
                    .and_then(|v| v.get("reason").and_then(|x| x.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| "rejected".to_owned())
            }))
        })
    }
}

/// A payment being taken for a cart; consumed with its cart by the sale.
#[derive(Debug, uniffi::Object)]
pub struct Payment {
    pub(crate) inner: Mutex<CorePayment>,
    pub(crate) currency: pos_core::Currency,
    /// The ticket this payment settled (see [`Cart::completed`]).
    pub(crate) completed: OnceLock<String>,
}

impl Payment {
    /// Wraps a domain payment.
    pub(crate) fn wrap(payment: CorePayment, currency: pos_core::Currency) -> Payment {
        Payment {
            inner: Mutex::new(payment),
            currency,
            completed: OnceLock::new(),
        }
    }

    /// The payment, locked, if it has not settled a sale yet.
    pub(crate) fn open(&self) -> Result<MutexGuard<'_, CorePayment>, PosError> {
        let payment = lock(&self.inner);
        match self.completed.get() {
            Some(ticket) => Err(consumed(ticket)),
            None => Ok(payment),
        }
    }
}

/// Marks a cart and its payment consumed by the sale `ticket` (call while
/// holding both locks, after the sale is recorded).
pub(crate) fn consume(cart: &Cart, payment: &Payment, ticket: String) {
    let _ = payment.completed.set(ticket.clone());
    let _ = cart.completed.set(ticket);
}

#[uniffi::export]
impl Payment {
    /// Adds a tender of `amount` (decimal string); on error nothing changes.
    pub fn add(&self, method: TenderMethod, amount: String) -> Result<(), PosError> {
        guard(|| {
            let tender = method.tender(&amount, self.currency)?;
            Ok(self.open()?.add(tender)?)
        })
    }

    /// What is still to collect, or for a refund to pay back, as a positive
    /// decimal string (zero when settled, negative when tenders exceed it);
    /// tenders are added as positive amounts in both directions.
    pub fn remaining(&self) -> Result<String, PosError> {
        guard(|| Ok(lock(&self.inner).outstanding()?.format_plain()))
    }
}
