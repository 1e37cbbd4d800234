//! Parked carts (issue 14): set a cart aside in the till file and take it
//! back later, after a restart too. A resumed cart keeps its lines as rung
//! (the prices the customer was told) and runs the promotions of the
//! moment.

use crate::PosError;
use crate::cart::Cart;
use crate::guard::{guard, lock};
use crate::register::Register;
use std::sync::Arc;

/// A parked cart as the till lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ParkedCartInfo {
    /// Its id, to resume or discard it.
    pub id: String,
    /// The label it was parked under.
    pub label: String,
    /// When it was parked (epoch milliseconds).
    pub parked_at_millis: i64,
    /// How many lines it has.
    pub line_count: u32,
    /// Its total when parked (decimal string).
    pub total: String,
}

#[uniffi::export]
impl Register {
    /// Parks `cart` under `label` (1 to 64 characters); returns its id. An
    /// empty cart or one with return lines: `invalid_input`. The cart
    /// object itself is left as it was: drop it or clear it.
    pub fn park_cart(&self, cart: &Cart, label: String) -> Result<String, PosError> {
        guard(|| {
            let snapshot = cart.open()?.clone();
            Ok(lock(&self.inner).park_cart(&snapshot, &label)?)
        })
    }

    /// The parked carts, oldest first.
    pub fn parked_carts(&self) -> Result<Vec<ParkedCartInfo>, PosError> {
        guard(|| {
            Ok(lock(&self.inner)
                .parked_carts()?
                .into_iter()
                .map(|p| ParkedCartInfo {
                    id: p.id,
                    label: p.label,
                    parked_at_millis: p.parked_at.timestamp_millis(),
                    line_count: p.line_count,
                    total: p.total.amount().to_string(),
                })
                .collect())
        })
    }

    /// Takes parked cart `id` back as a new cart (it is no longer parked);
    /// unknown: `not_found`.
    pub fn resume_parked(&self, id: String) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let cart = lock(&self.inner).resume_parked(&id)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }

    /// Throws parked cart `id` away; unknown: `not_found`.
    pub fn discard_parked(&self, id: String) -> Result<(), PosError> {
        guard(|| Ok(lock(&self.inner).discard_parked(&id)?))
    }
}
