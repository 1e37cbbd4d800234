//! Stock transfers between locations, within a store or to another store:
//! both legs (transfer out, transfer in) are written in ONE transaction, so
//! the chain's stock never shows the goods in both places or in neither,
//! and both stores' tills see their leg at their next pull. A transfer is
//! idempotent by its id; it never takes stock that is reserved or absent.

use super::apply::add_stock;
use super::store::Tx;
use super::web::available;
use crate::error::{Result, ServerError, SyncError};
use chrono::{DateTime, Utc};
use pos_core::ids::{LocationId, MovementId, OperatorId, Sku};
use pos_core::stock::{MovementReason, StockMovement};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A transfer request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The caller's id for the transfer (1 to 56 characters): its legs are
    /// `<id>/out` and `<id>/in`.
    pub id: String,
    /// The item.
    pub sku: String,
    /// Where the goods leave (in the request's store).
    pub from: String,
    /// Where they arrive.
    pub to: String,
    /// The receiving store (default: the same store).
    #[serde(default)]
    pub to_store: Option<String>,
    /// Positive quantity, at most 3 decimals.
    pub quantity: Decimal,
}

fn bad(rule: &'static str) -> ServerError {
    ServerError::from(SyncError::Invalid {
        message: "transfer",
        rule,
    })
}

fn leg(
    t: &Transfer,
    suffix: &str,
    reason: MovementReason,
    location: &str,
    quantity: Decimal,
    at: DateTime<Utc>,
) -> Result<StockMovement> {
    Ok(StockMovement {
        id: MovementId::new(format!("{}/{suffix}", t.id)).map_err(|_| bad_id())?,
        reason,
        sku: Sku::new(t.sku.as_str()).map_err(|_| bad_id())?,
        location: LocationId::new(location).map_err(|_| bad_id())?,
        quantity,
        operator: OperatorId::new("transfer").map_err(|_| bad_id())?,
        at,
        reference: Some(t.id.clone()),
    })
}

fn bad_id() -> ServerError {
    bad("id, sku and locations are 1 to 64 printable characters (id at most 56)")
}

/// Runs a transfer in `tx`: returns the stored transfer document and
/// whether it was new (false: the same id was already done).
pub fn transfer(
    tx: &mut dyn Tx,
    store: &str,
    t: &Transfer,
    at: DateTime<Utc>,
) -> Result<(serde_json::Value, bool)> {
    if t.id.is_empty() || t.id.chars().count() > 56 {
        return Err(bad_id());
    }
    if t.quantity <= Decimal::ZERO || t.quantity.normalize().scale() > 3 {
        return Err(bad("the quantity is positive with at most 3 decimals"));
    }
    let to_store = t.to_store.as_deref().unwrap_or(store);
    if to_store.is_empty() || to_store.len() > 128 {
        return Err(bad("the receiving store is 1 to 128 characters"));
    }
    if to_store == store && t.from == t.to {
        return Err(bad("a transfer moves goods to another place"));
    }
    if let Some((json, _)) = tx.document("transfer", store, &t.id)? {
        let doc =
            serde_json::from_str(&json).map_err(|_| SyncError::Corrupt { what: "transfer" })?;
        return Ok((doc, false));
    }
    let neg = Decimal::ZERO
        .checked_sub(t.quantity)
        .ok_or(SyncError::Overflow { what: "transfer" })?;
    let out = leg(t, "out", MovementReason::TransferOut, &t.from, neg, at)?;
    let inn = leg(t, "in", MovementReason::TransferIn, &t.to, t.quantity, at)?;
    let (_, _, avail) = available(tx, store, &t.sku, &t.from)?;
    if t.quantity > avail {
        return Err(ServerError::from(SyncError::InsufficientStock {
            sku: t.sku.clone(),
            available: avail,
            requested: t.quantity,
        }));
    }
    // Movement ids are per store, and this store's transfer ids are checked
    // above; a leg that is not new means the receiving store already holds
    // a movement of that id (its own transfer of the same id): refused,
    // never reported as done with nothing moved.
    let added_out = add_stock(tx, store, None, std::slice::from_ref(&out))?;
    let added_in = add_stock(tx, to_store, None, std::slice::from_ref(&inn))?;
    if added_out != 1 || added_in != 1 {
        return Err(crate::validate::refuse(
            crate::validate::Field::TransferId,
            "the id of a transfer is not used by a movement of either store",
        ));
    }
    let doc = serde_json::json!({
        "id": t.id, "sku": t.sku, "from": t.from, "to": t.to, "to_store": to_store,
        "quantity": t.quantity.to_string(), "legs": [out.id.as_str(), inn.id.as_str()],
    });
    tx.put_document("transfer", store, &t.id, &doc.to_string(), "{}")?;
    Ok((doc, true))
}
