//! Web-shop revenue for the back office: an order paid online is the web
//! channel's sale (`web` shipped, `click_collect` picked up) on the day the
//! server received it; cancelled or refunded, it no longer counts. An order
//! paid at pickup is not recorded here: the till's ticket is its sale, so
//! nothing is counted twice.
//!
//! Amounts are computed once, when the order is accepted, with pos-core's
//! money rules (unit price × quantity rounded half-up to the cent per line)
//! and kept in whole cents, like the tickets' facts.

use crate::error::{Result, ServerError, SyncError};
use crate::refunds_rows::{Arg, Col};
use crate::store::Tx;
use crate::validate::{Field, refuse};
use crate::web::WebOrder;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

/// The table, the same text for both back ends (created with `IF NOT
/// EXISTS` when the storage opens).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS web_sales (
    store TEXT NOT NULL, order_id TEXT NOT NULL, at_ms BIGINT NOT NULL, channel TEXT NOT NULL,
    total BIGINT NOT NULL, lines TEXT NOT NULL, voided BIGINT NOT NULL,
    PRIMARY KEY (store, order_id));
CREATE INDEX IF NOT EXISTS web_sales_by_time ON web_sales(store, at_ms);
";

/// Highest unit price accepted (a sanity bound far above any real item).
const MAX_UNIT_PRICE: Decimal = Decimal::from_parts(10_000_000, 0, 0, false, 0);

/// One line's amount in cents: `unit_price × quantity`, rounded half away
/// from zero to the cent.
fn line_cents(unit_price: Decimal, quantity: Decimal) -> Result<i64> {
    let amount = unit_price
        .checked_mul(quantity)
        .ok_or(SyncError::Overflow {
            what: "web order amount",
        })?
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let cents = amount
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or(SyncError::Overflow {
            what: "web order amount",
        })?;
    i64::try_from(cents).map_err(|_| {
        ServerError::from(SyncError::Overflow {
            what: "web order amount",
        })
    })
}

/// Checks the lines' prices: each given price is positive or zero with at
/// most 2 decimals and under 10 000 000; an order paid online prices every
/// line. Its amounts (per line and total, in cents) are returned.
pub fn check_prices(o: &WebOrder) -> Result<Option<(i64, Vec<i64>)>> {
    for l in &o.lines {
        if let Some(p) = l.unit_price
            && (p.is_sign_negative() || p.normalize().scale() > 2 || p > MAX_UNIT_PRICE)
        {
            return Err(refuse(
                Field::Amount,
                "unit prices are 0 to 10 000 000 with at most 2 decimals",
            ));
        }
    }
    if !o.paid_online {
        return Ok(None);
    }
    let mut lines = Vec::with_capacity(o.lines.len());
    let mut total: i64 = 0;
    for l in &o.lines {
        let price = l.unit_price.ok_or(refuse(
            Field::Amount,
            "an order paid online gives every line's unit price",
        ))?;
        let cents = line_cents(price, l.quantity)?;
        total = total.checked_add(cents).ok_or(SyncError::Overflow {
            what: "web order total",
        })?;
        lines.push(cents);
    }
    Ok(Some((total, lines)))
}

/// A line as the table keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredLine {
    sku: String,
    quantity: Decimal,
    /// Cents.
    amount: i64,
}

/// Records a paid order's revenue (once: an order id is created once).
/// `now`: the server's time of receipt, which the revenue is dated by.
pub(crate) fn record(
    tx: &mut dyn Tx,
    store: &str,
    o: &WebOrder,
    now: Option<DateTime<Utc>>,
) -> Result<()> {
    let Some((total, amounts)) = check_prices(o)? else {
        return Ok(());
    };
    let now = now.ok_or(refuse(
        Field::Amount,
        "an order paid online is dated by the server's clock",
    ))?;
    let lines: Vec<StoredLine> = o
        .lines
        .iter()
        .zip(amounts)
        .map(|(l, amount)| StoredLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
            amount,
        })
        .collect();
    let lines = serde_json::to_string(&lines).map_err(|_| corrupt())?;
    tx.refunds().exec(
        "INSERT INTO web_sales(store, order_id, at_ms, channel, total, lines, voided)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) ON CONFLICT(store, order_id) DO NOTHING",
        &[
            Arg::Text(store),
            Arg::Text(&o.id),
            Arg::Int(now.timestamp_millis()),
            Arg::Text(&o.channel),
            Arg::Int(total),
            Arg::Text(&lines),
        ],
    )?;
    Ok(())
}

/// A cancelled or refunded order's revenue no longer counts.
pub(crate) fn void(tx: &mut dyn Tx, store: &str, order_id: &str) -> Result<()> {
    tx.refunds().exec(
        "UPDATE web_sales SET voided = 1 WHERE store = ?1 AND order_id = ?2",
        &[Arg::Text(store), Arg::Text(order_id)],
    )?;
    Ok(())
}

/// One paid web order as the dashboard counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSale {
    /// Store.
    pub store: String,
    /// The order's id.
    pub order_id: String,
    /// `web` or `click_collect`.
    pub channel: String,
    /// Received at (local time of the back office, Europe/Paris).
    pub local: NaiveDateTime,
    /// Total in cents.
    pub total: i64,
    /// Lines: (SKU, quantity in thousandths, amount in cents).
    pub lines: Vec<(String, i64, i64)>,
}

fn corrupt() -> ServerError {
    ServerError::from(SyncError::Corrupt { what: "web sale" })
}

/// The paid, not voided web orders of `store` received in `[from, to)`.
pub fn sales(
    tx: &mut dyn Tx,
    store: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<WebSale>> {
    let rows = tx.refunds().query(
        "SELECT order_id, channel, at_ms, total, lines FROM web_sales
         WHERE store = ?1 AND at_ms >= ?2 AND at_ms < ?3 AND voided = 0 ORDER BY at_ms, order_id",
        &[
            Arg::Text(store),
            Arg::Int(from.timestamp_millis()),
            Arg::Int(to.timestamp_millis()),
        ],
        &[Col::Text, Col::Text, Col::Int, Col::Int, Col::Text],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let [order_id, channel, at_ms, total, lines] = r.as_slice() else {
            return Err(corrupt());
        };
        let at = DateTime::<Utc>::from_timestamp_millis(at_ms.int()?).ok_or_else(corrupt)?;
        let offset = crate::backoffice::web::paris_offset_min(at);
        let local = at
            .checked_add_signed(Duration::minutes(i64::from(offset)))
            .ok_or_else(corrupt)?
            .naive_utc();
        let parsed: Vec<StoredLine> = serde_json::from_str(lines.text()?).map_err(|_| corrupt())?;
        let mut lines = Vec::with_capacity(parsed.len());
        for l in parsed {
            let qty_milli = l
                .quantity
                .checked_mul(Decimal::ONE_THOUSAND)
                .and_then(|q| i64::try_from(q.round()).ok())
                .ok_or_else(corrupt)?;
            lines.push((l.sku, qty_milli, l.amount));
        }
        out.push(WebSale {
            store: store.to_owned(),
            order_id: order_id.text()?.to_owned(),
            channel: channel.text()?.to_owned(),
            local,
            total: total.int()?,
            lines,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::web::WebOrderLine;

    fn order(paid: bool, prices: &[(&str, Option<&str>)]) -> WebOrder {
        WebOrder {
            id: "w-1".into(),
            channel: "web".into(),
            location: "shop".into(),
            lines: prices
                .iter()
                .map(|(q, p)| WebOrderLine {
                    sku: "TS-M".into(),
                    quantity: q.parse().unwrap(),
                    unit_price: p.map(|p| p.parse().unwrap()),
                })
                .collect(),
            pickup_at: None,
            paid_online: paid,
        }
    }

    #[test]
    fn amounts_are_price_times_quantity_rounded_per_line_by_hand() {
        // 2 × 19.90 = 39.80; 0.333 kg × 12.99 = 4.32567 → 4.33; total 44.13.
        let o = order(true, &[("2", Some("19.90")), ("0.333", Some("12.99"))]);
        assert_eq!(check_prices(&o).unwrap(), Some((4413, vec![3980, 433])));
        // Half a cent rounds away from zero: 0.5 × 0.01 = 0.005 → 0.01.
        let o = order(true, &[("0.5", Some("0.01"))]);
        assert_eq!(check_prices(&o).unwrap(), Some((1, vec![1])));
    }

    #[test]
    fn bad_or_missing_prices_are_refused() {
        for bad in ["-1", "1.999", "10000001"] {
            let o = order(false, &[("1", Some(bad))]);
            assert_eq!(
                check_prices(&o).unwrap_err().code(),
                "invalid_amount",
                "{bad}"
            );
        }
        let o = order(true, &[("1", Some("2.00")), ("1", None)]);
        assert_eq!(check_prices(&o).unwrap_err().code(), "invalid_amount");
        // Not paid online: prices are optional and nothing is counted.
        assert_eq!(check_prices(&order(false, &[("1", None)])).unwrap(), None);
    }
}
