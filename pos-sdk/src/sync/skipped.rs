//! Pulled changes the till set aside instead of applying: why (a stable
//! code and a message without personal data), and the table that keeps them
//! so that a skip is counted and listed, never silently dropped.

use crate::SdkError;
use chrono::{DateTime, Utc};
use pos_sync::wire::{Change, ChangeKind};
use rusqlite::{Transaction, params};

/// Longest change key kept in the table (the feed's keys are ids; a longer
/// one is cut, on a character boundary).
const MAX_KEY_CHARS: usize = 200;

/// Why a pulled change was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// The data does not decode as this kind of change.
    Undecodable,
    /// A stock movement that breaks pos-core's rules (quantity non-zero,
    /// at most 3 decimals, sign of its reason; reference text).
    InvalidStockMovement,
    /// Not a pos-core customer id, or a document naming another customer.
    InvalidCustomerId,
    /// Not a gift-card code as pos-core normalises it (8 to 32 letters and
    /// digits), or a document of another card.
    InvalidCardCode,
    /// Not a non-zero amount in whole minor units of the till's currency.
    InvalidAmount,
    /// Not a whole number of points.
    InvalidPoints,
    /// The change key is not a valid operation id.
    InvalidKey,
    /// Not a pos-core order id.
    InvalidOrderId,
    /// Not one of pos-core's order states.
    InvalidOrderState,
    /// A pickup time that is not RFC 3339.
    InvalidPickupTime,
    /// A catalog that pos-core does not import.
    InvalidCatalog,
    /// pos-core refused to apply it to the till's state.
    Refused,
    /// The till's tables refused it (a constraint, not an I/O failure).
    StorageRefused,
}

impl SkipReason {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::Undecodable => "undecodable",
            SkipReason::InvalidStockMovement => "invalid_stock_movement",
            SkipReason::InvalidCustomerId => "invalid_customer_id",
            SkipReason::InvalidCardCode => "invalid_card_code",
            SkipReason::InvalidAmount => "invalid_amount",
            SkipReason::InvalidPoints => "invalid_points",
            SkipReason::InvalidKey => "invalid_key",
            SkipReason::InvalidOrderId => "invalid_order_id",
            SkipReason::InvalidOrderState => "invalid_order_state",
            SkipReason::InvalidPickupTime => "invalid_pickup_time",
            SkipReason::InvalidCatalog => "invalid_catalog",
            SkipReason::Refused => "refused",
            SkipReason::StorageRefused => "storage_refused",
        }
    }

    /// What the rule is, in words (no data from the change).
    pub fn message(&self) -> &'static str {
        match self {
            SkipReason::Undecodable => "the data does not decode as this kind of change",
            SkipReason::InvalidStockMovement => {
                "the stock movement breaks pos-core's rules (non-zero quantity, at most 3 decimals, sign of its reason, reference text)"
            }
            SkipReason::InvalidCustomerId => "not a valid customer id for this change",
            SkipReason::InvalidCardCode => {
                "not a gift-card code of 8 to 32 letters and digits for this change"
            }
            SkipReason::InvalidAmount => {
                "the amount is not a non-zero decimal in whole minor units of the till's currency"
            }
            SkipReason::InvalidPoints => "the points are not a whole number",
            SkipReason::InvalidKey => "the change key is not a valid operation id",
            SkipReason::InvalidOrderId => "the change key is not a valid order id",
            SkipReason::InvalidOrderState => "the order state is not one of pos-core's states",
            SkipReason::InvalidPickupTime => "the pickup time is not an RFC 3339 instant",
            SkipReason::InvalidCatalog => "the catalog does not import",
            SkipReason::Refused => "pos-core refused to apply it",
            SkipReason::StorageRefused => "the till's tables refused it",
        }
    }
}

/// A reason and, where it helps, pos-core's or the SDK's own error kind
/// (a stable code too, never data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Skip {
    pub(crate) reason: SkipReason,
    pub(crate) detail: Option<&'static str>,
}

impl Skip {
    pub(crate) fn new(reason: SkipReason) -> Skip {
        Skip {
            reason,
            detail: None,
        }
    }

    pub(crate) fn because(reason: SkipReason, detail: &'static str) -> Skip {
        Skip {
            reason,
            detail: Some(detail),
        }
    }

    fn message(&self) -> String {
        match self.detail {
            Some(d) => format!("{} ({d})", self.reason.message()),
            None => self.reason.message().to_owned(),
        }
    }
}

impl From<SkipReason> for Skip {
    fn from(reason: SkipReason) -> Skip {
        Skip::new(reason)
    }
}

/// One pulled change the till set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedChange {
    /// Its cursor in the store's feed (the pull moved past it).
    pub cursor: u64,
    /// What it was about.
    pub kind: ChangeKind,
    /// Its key in the feed (movement, customer, order id...).
    pub key: String,
    /// Stable code ([`SkipReason::code`]).
    pub code: String,
    /// The rule it broke, without personal data.
    pub message: String,
    /// When the till skipped it (till clock).
    pub skipped_at: DateTime<Utc>,
}

fn kind_name(kind: ChangeKind) -> Result<String, SdkError> {
    match serde_json::to_value(kind)? {
        serde_json::Value::String(s) => Ok(s),
        _ => Err(SdkError::Corrupt {
            what: "change kind",
        }),
    }
}

fn cursor_i64(cursor: u64) -> Result<i64, SdkError> {
    i64::try_from(cursor).map_err(|_| SdkError::Corrupt {
        what: "change cursor",
    })
}

/// Records a skipped change (once per cursor: applying the same batch again
/// after a crash adds nothing).
pub(crate) fn record(
    tx: &Transaction<'_>,
    c: &Change,
    skip: &Skip,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    let key: String = c.key.chars().take(MAX_KEY_CHARS).collect();
    tx.prepare_cached(
        "INSERT INTO sync_skipped_changes(cursor, kind, key, code, message, skipped_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(cursor) DO NOTHING",
    )?
    .execute(params![
        cursor_i64(c.cursor)?,
        kind_name(c.kind)?,
        key,
        skip.reason.code(),
        skip.message(),
        now.to_rfc3339(),
    ])?;
    Ok(())
}

/// How many pulled changes were skipped, ever.
pub(crate) fn count(tx: &Transaction<'_>) -> Result<u64, SdkError> {
    let n: i64 = tx.query_row("SELECT COUNT(*) FROM sync_skipped_changes", [], |r| {
        r.get(0)
    })?;
    u64::try_from(n).map_err(|_| SdkError::Corrupt {
        what: "skipped change count",
    })
}

/// The last `limit` skipped changes, newest (highest cursor) first.
pub(crate) fn list(tx: &Transaction<'_>, limit: u32) -> Result<Vec<SkippedChange>, SdkError> {
    let mut stmt = tx.prepare_cached(
        "SELECT cursor, kind, key, code, message, skipped_at FROM sync_skipped_changes
         ORDER BY cursor DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let corrupt = || SdkError::Corrupt {
        what: "skipped change",
    };
    let mut out = Vec::new();
    for row in rows {
        let (cursor, kind, key, code, message, at) = row?;
        out.push(SkippedChange {
            cursor: u64::try_from(cursor).map_err(|_| corrupt())?,
            kind: serde_json::from_value(serde_json::Value::String(kind)).map_err(|_| corrupt())?,
            key,
            code,
            message,
            skipped_at: DateTime::parse_from_rfc3339(&at)
                .map_err(|_| corrupt())?
                .with_timezone(&Utc),
        });
    }
    Ok(out)
}
