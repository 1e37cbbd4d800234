//! Parked carts (issue 14): a cart set aside in the till file so the till
//! can serve the next customer, and taken back later, after a restart too.
//!
//! A resumed cart keeps its lines as they were rung (the prices the
//! customer was told, overrides and manual discounts included) and runs
//! the till's promotions of the moment again, as pos-core's
//! [`pos_core::cart::ParkedCart`] explains. A parked cart is not a
//! document: nothing fiscal is written when parking, resuming or
//! discarding, and it never syncs (it belongs to the till that rang it).

use super::Register;
use crate::SdkError;
use chrono::{DateTime, Utc};
use pos_core::Money;
use pos_core::cart::{Cart, ParkedCart};
use rusqlite::{OptionalExtension, params};

/// Longest label of a parked cart, in characters.
pub const MAX_PARKED_LABEL_LEN: usize = 64;

/// A parked cart as the till lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedSummary {
    /// Its id (UUID v7), to resume or discard it.
    pub id: String,
    /// The label the operator gave it (`table 4`, `Mme Martin`).
    pub label: String,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
    /// How many lines it has.
    pub line_count: u32,
    /// Its total when parked.
    pub total: Money,
}

impl Register {
    /// Parks `cart` under `label` (1 to 64 printable characters) and
    /// returns its id. A cart with return lines (a refund or exchange) is
    /// refused, and so is an empty cart.
    pub fn park_cart(&mut self, cart: &Cart, label: &str) -> Result<String, SdkError> {
        let label = label.trim();
        let len = label.chars().count();
        if len == 0 || len > MAX_PARKED_LABEL_LEN || label.chars().any(char::is_control) {
            return Err(SdkError::InvalidInput {
                field: "parked cart label",
                expected: "1 to 64 printable characters",
            });
        }
        if cart.is_empty() {
            return Err(SdkError::InvalidInput {
                field: "cart",
                expected: "a cart with at least one line",
            });
        }
        let parked = cart.to_parked().ok_or(SdkError::InvalidInput {
            field: "cart",
            expected: "a sale without return lines (refunds and exchanges are not parked)",
        })?;
        let now = self.clock.now();
        let id = self.ids.next(now);
        let lines = u32::try_from(cart.lines().len()).map_err(|_| SdkError::InvalidInput {
            field: "cart",
            expected: "fewer lines",
        })?;
        self.conn.execute(
            "INSERT INTO parked_carts(id, label, parked_at, line_count, currency, total, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                label,
                now.to_rfc3339(),
                lines,
                cart.currency().code(),
                cart.total().amount().to_string(),
                serde_json::to_string(&parked)?,
            ],
        )?;
        Ok(id)
    }

    /// The parked carts, oldest first.
    pub fn parked_carts(&self) -> Result<Vec<ParkedSummary>, SdkError> {
        let mut st = self.conn.prepare(
            "SELECT id, label, parked_at, line_count, currency, total FROM parked_carts
             ORDER BY parked_at, id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let corrupt = || SdkError::Corrupt {
            what: "parked cart",
        };
        let mut out = Vec::new();
        for row in rows {
            let (id, label, at, line_count, currency, total) = row?;
            let currency = pos_core::Currency::from_code(&currency).map_err(|_| corrupt())?;
            let total = total.parse().map_err(|_| corrupt())?;
            out.push(ParkedSummary {
                id,
                label,
                parked_at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|_| corrupt())?
                    .with_timezone(&Utc),
                line_count,
                total: Money::new(total, currency),
            });
        }
        Ok(out)
    }

    /// Takes parked cart `id` back: a new cart of this till (its promotions
    /// now) holding the parked lines; the parked copy is removed in the
    /// same step. A cart that no longer restores (a line the cart refuses
    /// now) stays parked and the error says why.
    pub fn resume_parked(&mut self, id: &str) -> Result<Cart, SdkError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM parked_carts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let json = json.ok_or_else(|| not_found(id))?;
        let parked: ParkedCart = serde_json::from_str(&json).map_err(|_| SdkError::Corrupt {
            what: "parked cart",
        })?;
        let mut cart = self.new_cart();
        cart.restore_parked(&parked)?;
        // One writer: nothing removed it since the read above.
        self.discard_parked(id)?;
        Ok(cart)
    }

    /// Throws parked cart `id` away.
    pub fn discard_parked(&mut self, id: &str) -> Result<(), SdkError> {
        let n = self
            .conn
            .execute("DELETE FROM parked_carts WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}

fn not_found(id: &str) -> SdkError {
    SdkError::NotFound {
        what: "parked cart",
        id: id.chars().take(64).collect(),
    }
}
