//! The operators of a store, kept by the back office (issue 14): an owner
//! creates, updates or disables an operator of one of their retailer's
//! stores; the server hashes the PIN (Argon2id, a fresh salt; the PIN
//! itself is never kept nor logged), keeps a revision per operator and
//! appends the operator to the store's change feed
//! ([`ChangeKind::Operator`]), where that store's tills pull it, check it
//! with pos-core's types and apply the newest revision.
//!
//! A store of another retailer is answered `not_found`, as a store that
//! does not exist, so an owner learns nothing of other retailers.

use crate::error::{Result, ServerError, SyncError};
use crate::refunds_rows::{Arg, Col};
use crate::store::Tx;
use chrono::{DateTime, Utc};
use pos_core::ids::OperatorId;
use pos_core::operator::{Operator, PinHash, Role};
use pos_sync::operators::OperatorChange;
use pos_sync::wire::ChangeKind;

/// The table, the same text for both back ends (created with `IF NOT
/// EXISTS` when the storage opens).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS bo_operators (
    store TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    active BIGINT NOT NULL, pin_hash TEXT NOT NULL, revision BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL, PRIMARY KEY (store, id));
";

/// What an owner sends to create or change an operator.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorInput {
    /// The operator's id in the store.
    pub id: String,
    /// Their display name.
    pub name: String,
    /// Their role (`{"role": "cashier"}`, `{"role": "custom", "permissions": [...]}`).
    pub role: Role,
    /// Enabled (default) or disabled.
    #[serde(default = "yes")]
    pub active: bool,
    /// A new PIN (4 to 8 digits): required to create, optional to update.
    #[serde(default)]
    pub pin: Option<String>,
}

fn yes() -> bool {
    true
}

impl std::fmt::Debug for OperatorInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorInput")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// An operator as the back office lists it (no PIN, no hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OperatorView {
    /// The operator's id.
    pub id: String,
    /// Their display name.
    pub name: String,
    /// Their role's name.
    pub role: String,
    /// Enabled or not.
    pub active: bool,
    /// The back office's revision.
    pub revision: i64,
}

fn refused(e: pos_core::operator::OperatorError) -> ServerError {
    ServerError::from(SyncError::Invalid {
        message: "operator",
        rule: e.kind(),
    })
}

fn corrupt() -> ServerError {
    ServerError::from(SyncError::Corrupt { what: "operator" })
}

/// `Ok` when `store` is a store of `retailer`; `not_found` otherwise.
pub(crate) fn check_store(tx: &mut dyn Tx, retailer: &str, store: &str) -> Result<()> {
    match tx.bo_store_retailer(store)? {
        Some(r) if r == retailer => Ok(()),
        _ => Err(ServerError::from(SyncError::NotFound { what: "store" })),
    }
}

/// Creates or updates operator `input.id` of `store` (of `retailer`) and
/// publishes it to the store's tills. A new operator needs a PIN; an
/// update without one keeps the PIN. `salt`: 16 fresh random bytes.
pub fn put(
    tx: &mut dyn Tx,
    retailer: &str,
    store: &str,
    input: &OperatorInput,
    salt: [u8; 16],
    now: DateTime<Utc>,
) -> Result<OperatorView> {
    check_store(tx, retailer, store)?;
    let id = OperatorId::new(&input.id).map_err(|_| {
        ServerError::from(SyncError::Invalid {
            message: "operator",
            rule: "invalid_operator_id",
        })
    })?;
    let operator =
        Operator::new(id, &input.name, input.role.clone(), input.active).map_err(refused)?;
    let current = tx.refunds().query(
        "SELECT pin_hash, revision FROM bo_operators WHERE store = ?1 AND id = ?2",
        &[Arg::Text(store), Arg::Text(&input.id)],
        &[Col::Text, Col::Int],
    )?;
    let (pin_hash, revision) = match (current.first().map(Vec::as_slice), &input.pin) {
        (_, Some(pin)) => (
            PinHash::derive(pin, salt).map_err(refused)?.to_text(),
            current
                .first()
                .and_then(|r| r.get(1))
                .map(|c| c.int())
                .transpose()?
                .unwrap_or(0),
        ),
        (Some([hash, revision]), None) => (hash.text()?.to_owned(), revision.int()?),
        (Some(_), None) => return Err(corrupt()),
        (None, None) => {
            return Err(refused(pos_core::operator::OperatorError::InvalidPin));
        }
    };
    let revision = revision.checked_add(1).ok_or_else(corrupt)?;
    let role = serde_json::to_string(&operator.role).map_err(|_| corrupt())?;
    tx.refunds().exec(
        "INSERT INTO bo_operators(store, id, name, role, active, pin_hash, revision, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(store, id) DO UPDATE SET name = excluded.name, role = excluded.role,
           active = excluded.active, pin_hash = excluded.pin_hash,
           revision = excluded.revision, updated_ms = excluded.updated_ms",
        &[
            Arg::Text(store),
            Arg::Text(operator.id.as_str()),
            Arg::Text(&operator.name),
            Arg::Text(&role),
            Arg::Int(i64::from(operator.active)),
            Arg::Text(&pin_hash),
            Arg::Int(revision),
            Arg::Int(now.timestamp_millis()),
        ],
    )?;
    let change = OperatorChange {
        id: operator.id.to_string(),
        name: operator.name.clone(),
        role: operator.role.clone(),
        active: operator.active,
        pin_hash,
        revision,
    };
    let data = serde_json::to_string(&change).map_err(|_| corrupt())?;
    tx.append_change(
        store,
        ChangeKind::Operator,
        operator.id.as_str(),
        None,
        &data,
    )?;
    Ok(OperatorView {
        id: operator.id.to_string(),
        name: operator.name,
        role: operator.role.name().to_owned(),
        active: operator.active,
        revision,
    })
}

/// Disables operator `id` of `store` (of `retailer`): published as a new
/// revision; the tills refuse their sign-in once they pulled it.
pub fn disable(
    tx: &mut dyn Tx,
    retailer: &str,
    store: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<OperatorView> {
    check_store(tx, retailer, store)?;
    let current = list(tx, retailer, store)?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| ServerError::from(SyncError::NotFound { what: "operator" }))?;
    let rows = tx.refunds().query(
        "SELECT role FROM bo_operators WHERE store = ?1 AND id = ?2",
        &[Arg::Text(store), Arg::Text(id)],
        &[Col::Text],
    )?;
    let role: Role = rows
        .first()
        .and_then(|r| r.first())
        .map(|c| c.text())
        .transpose()?
        .and_then(|t| serde_json::from_str(t).ok())
        .ok_or_else(corrupt)?;
    let input = OperatorInput {
        id: current.id,
        name: current.name,
        role,
        active: false,
        pin: None,
    };
    put(tx, retailer, store, &input, [0; 16], now)
}

/// The operators of `store` (of `retailer`), by id.
pub fn list(tx: &mut dyn Tx, retailer: &str, store: &str) -> Result<Vec<OperatorView>> {
    check_store(tx, retailer, store)?;
    let rows = tx.refunds().query(
        "SELECT id, name, role, active, revision FROM bo_operators WHERE store = ?1 ORDER BY id",
        &[Arg::Text(store)],
        &[Col::Text, Col::Text, Col::Text, Col::Int, Col::Int],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let [id, name, role, active, revision] = r.as_slice() else {
            return Err(corrupt());
        };
        let role: Role = serde_json::from_str(role.text()?).map_err(|_| corrupt())?;
        out.push(OperatorView {
            id: id.text()?.to_owned(),
            name: name.text()?.to_owned(),
            role: role.name().to_owned(),
            active: active.int()? != 0,
            revision: revision.int()?,
        });
    }
    Ok(out)
}
