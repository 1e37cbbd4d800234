//! Write-behind buffers of the PostgreSQL storage: the rows a push makes
//! (events, stock movements, ledger movements, fiscal records, change-feed
//! entries) are kept in memory and written with one multi-row statement per
//! table (`INSERT ... SELECT FROM unnest(...)`), so a push of 100 events
//! costs a handful of round trips instead of several per event.
//!
//! Ordering is what makes it safe:
//! - a read of a table flushes that table's buffer first (read-your-writes);
//! - stock levels are added to (`on_hand + delta`) at commit, in key order,
//!   so the hot rows are locked only for the last statements of the
//!   transaction and two transactions lock them in the same order;
//! - change-feed entries are written LAST, after a per-store advisory lock
//!   that is held until commit: cursors of one store are handed out in
//!   commit order, so a pull never skips a change that commits later with a
//!   lower cursor (the classic sequence-gap hole).

use super::sqlite::kind_name;
use crate::error::{Result, SyncError};
use crate::wire::ChangeKind;
use postgres::Statement;
use postgres::types::ToSql;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Prepared statements of one connection, by SQL text.
pub(super) type StmtCache = HashMap<&'static str, Statement>;

/// Prepares `sql` once per connection.
pub(super) fn prepared(
    tx: &mut postgres::Transaction<'_>,
    cache: &mut StmtCache,
    sql: &'static str,
) -> Result<Statement> {
    if let Some(s) = cache.get(sql) {
        return Ok(s.clone());
    }
    let s = tx.prepare(sql)?;
    cache.insert(sql, s.clone());
    Ok(s)
}

/// A change-feed entry waiting for commit. `unless_dropped` names the
/// movement (stock or ledger) whose insert must have been new for the
/// change to be published.
struct PendingChange {
    store: String,
    kind: ChangeKind,
    key: String,
    origin: Option<String>,
    data: String,
    unless_dropped: Option<(Table, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Table {
    Stock,
    Ledger,
}

/// The pending rows of one transaction.
#[derive(Default)]
pub(super) struct Pending {
    /// event_id, device, seq, store, kind, created_at, json.
    events: Vec<(String, String, i64, String, String, String, String)>,
    event_ids: BTreeSet<String>,
    /// id, store, sku, location, quantity, origin.
    movements: Vec<(String, String, String, String, Decimal, Option<String>)>,
    /// ledger, id, store, account, delta.
    ledger: Vec<(String, String, String, String, String)>,
    /// device, series, number, hash, signature, json.
    fiscal: Vec<(String, String, i64, String, String, String)>,
    /// (store, sku, location) -> on-hand delta.
    levels: BTreeMap<(String, String, String), Decimal>,
    changes: Vec<PendingChange>,
    /// Movement ids an insert found already stored.
    dropped: BTreeSet<(Table, String)>,
}

const INSERT_EVENTS: &str = "INSERT INTO events(event_id, device, seq, store, kind, created_at, json)
 SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[])";
const INSERT_MOVEMENTS: &str =
    "INSERT INTO stock_movements(id, store, sku, location, quantity, origin)
 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
 ON CONFLICT DO NOTHING RETURNING store, id";
const INSERT_LEDGER: &str = "INSERT INTO ledger(ledger, id, store, account, delta)
 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
 ON CONFLICT DO NOTHING RETURNING ledger, store, id";
const INSERT_FISCAL: &str = "INSERT INTO fiscal_records(device, series, number, hash, signature, json)
 SELECT d, s, n, h, g, j FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[])
 WITH ORDINALITY AS t(d, s, n, h, g, j, o) ORDER BY o";
const ADD_LEVELS: &str = "INSERT INTO stock_levels(store, sku, location, on_hand, reserved)
 SELECT s, k, l, q, '0' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
 WITH ORDINALITY AS t(s, k, l, q, o) ORDER BY o
 ON CONFLICT(store, sku, location)
 DO UPDATE SET on_hand = (stock_levels.on_hand::numeric + excluded.on_hand::numeric)::text";
const LOCK_STORE: &str = "SELECT pg_advisory_xact_lock(hashtext($1))";
const INSERT_CHANGES: &str = "INSERT INTO changes(store, kind, key, origin, data)
 SELECT s, k, y, g, d FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
 WITH ORDINALITY AS t(s, k, y, g, d, o) ORDER BY o";

fn column<T, U: Clone>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

impl Pending {
    /// Buffers an event row.
    pub(super) fn event(&mut self, row: (String, String, i64, String, String, String, String)) {
        self.event_ids.insert(row.0.clone());
        self.events.push(row);
    }

    /// Whether an event id is waiting in the buffer.
    pub(super) fn has_event(&self, id: &str) -> bool {
        self.event_ids.contains(id)
    }

    /// Buffers stock movements, their level deltas and their changes.
    /// Movements that touch reservations are not buffered (false): their
    /// level must be checked when they are applied, which the caller does.
    pub(super) fn movements(
        &mut self,
        store: &str,
        origin: Option<&str>,
        movements: &[pos_core::stock::StockMovement],
    ) -> Result<bool> {
        if movements.iter().any(|m| !m.effect().1.is_zero()) {
            return Ok(false);
        }
        for m in movements {
            let id = m.id.to_string();
            let data =
                serde_json::to_string(m).map_err(|_| SyncError::Corrupt { what: "movement" })?;
            self.movements.push((
                id.clone(),
                store.to_owned(),
                m.sku.as_str().to_owned(),
                m.location.as_str().to_owned(),
                m.quantity,
                origin.map(str::to_owned),
            ));
            self.changes.push(PendingChange {
                store: store.to_owned(),
                kind: ChangeKind::Stock,
                key: id.clone(),
                origin: origin.map(str::to_owned),
                data,
                unless_dropped: Some((Table::Stock, format!("{store}\u{1f}{id}"))),
            });
        }
        Ok(true)
    }

    /// Buffers a ledger movement and its change.
    pub(super) fn ledger(
        &mut self,
        ledger: &str,
        id: &str,
        store: &str,
        account: &str,
        delta: Decimal,
        origin: Option<&str>,
    ) {
        let kind = if ledger == super::apply::POINTS {
            ChangeKind::Loyalty
        } else {
            ChangeKind::StoredValue
        };
        let data = serde_json::json!({ "account": account, "delta": delta.to_string() });
        self.ledger.push((
            ledger.to_owned(),
            id.to_owned(),
            store.to_owned(),
            account.to_owned(),
            delta.to_string(),
        ));
        self.changes.push(PendingChange {
            store: store.to_owned(),
            kind,
            key: id.to_owned(),
            origin: origin.map(str::to_owned),
            data: data.to_string(),
            unless_dropped: Some((Table::Ledger, format!("{ledger}\u{1f}{store}\u{1f}{id}"))),
        });
    }

    /// Buffers a fiscal record row.
    pub(super) fn fiscal(&mut self, row: (String, String, i64, String, String, String)) {
        self.fiscal.push(row);
    }

    /// Buffers a change-feed entry.
    pub(super) fn change(
        &mut self,
        store: &str,
        kind: ChangeKind,
        key: &str,
        origin: Option<&str>,
        data: &str,
    ) {
        self.changes.push(PendingChange {
            store: store.to_owned(),
            kind,
            key: key.to_owned(),
            origin: origin.map(str::to_owned),
            data: data.to_owned(),
            unless_dropped: None,
        });
    }

    /// Writes buffered events.
    pub(super) fn flush_events(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        cache: &mut StmtCache,
    ) -> Result<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.events);
        self.event_ids.clear();
        let st = prepared(tx, cache, INSERT_EVENTS)?;
        let cols: [&(dyn ToSql + Sync); 7] = [
            &column(&rows, |r| r.0.clone()),
            &column(&rows, |r| r.1.clone()),
            &column(&rows, |r| r.2),
            &column(&rows, |r| r.3.clone()),
            &column(&rows, |r| r.4.clone()),
            &column(&rows, |r| r.5.clone()),
            &column(&rows, |r| r.6.clone()),
        ];
        tx.execute(&st, &cols)?;
        Ok(())
    }

    /// Writes buffered stock movements; the new ones add to the pending
    /// level deltas, the known ones drop their change.
    pub(super) fn flush_movements(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        cache: &mut StmtCache,
    ) -> Result<()> {
        if self.movements.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.movements);
        let st = prepared(tx, cache, INSERT_MOVEMENTS)?;
        let cols: [&(dyn ToSql + Sync); 6] = [
            &column(&rows, |r| r.0.clone()),
            &column(&rows, |r| r.1.clone()),
            &column(&rows, |r| r.2.clone()),
            &column(&rows, |r| r.3.clone()),
            &column(&rows, |r| r.4.to_string()),
            &column(&rows, |r| r.5.clone()),
        ];
        let new: BTreeSet<String> = tx
            .query(&st, &cols)?
            .iter()
            .map(|r| format!("{}\u{1f}{}", r.get::<_, String>(0), r.get::<_, String>(1)))
            .collect();
        let mut seen = BTreeSet::new();
        for (id, store, sku, location, qty, _) in rows {
            // Ids are per store. The same one twice in one buffer: only its
            // first row was new.
            let key = format!("{store}\u{1f}{id}");
            if !new.contains(&key) || !seen.insert(key.clone()) {
                self.dropped.insert((Table::Stock, key));
                continue;
            }
            let d = self.levels.entry((store, sku, location)).or_default();
            *d = d.checked_add(qty).ok_or(SyncError::Overflow {
                what: "stock level",
            })?;
        }
        Ok(())
    }

    /// Writes the pending level deltas (in key order).
    pub(super) fn flush_levels(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        cache: &mut StmtCache,
    ) -> Result<()> {
        self.flush_movements(tx, cache)?;
        if self.levels.is_empty() {
            return Ok(());
        }
        let levels = std::mem::take(&mut self.levels);
        let st = prepared(tx, cache, ADD_LEVELS)?;
        let keys: Vec<_> = levels.iter().collect();
        let cols: [&(dyn ToSql + Sync); 4] = [
            &column(&keys, |(k, _)| k.0.clone()),
            &column(&keys, |(k, _)| k.1.clone()),
            &column(&keys, |(k, _)| k.2.clone()),
            &column(&keys, |(_, d)| d.to_string()),
        ];
        tx.execute(&st, &cols)?;
        Ok(())
    }

    /// Writes buffered ledger movements; the known ones drop their change.
    pub(super) fn flush_ledger(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        cache: &mut StmtCache,
    ) -> Result<()> {
        if self.ledger.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.ledger);
        let st = prepared(tx, cache, INSERT_LEDGER)?;
        let cols: [&(dyn ToSql + Sync); 5] = [
            &column(&rows, |r| r.0.clone()),
            &column(&rows, |r| r.1.clone()),
            &column(&rows, |r| r.2.clone()),
            &column(&rows, |r| r.3.clone()),
            &column(&rows, |r| r.4.clone()),
        ];
        let new: BTreeSet<String> = tx
            .query(&st, &cols)?
            .iter()
            .map(|r| {
                format!(
                    "{}\u{1f}{}\u{1f}{}",
                    r.get::<_, String>(0),
                    r.get::<_, String>(1),
                    r.get::<_, String>(2)
                )
            })
            .collect();
        let mut seen = BTreeSet::new();
        for (ledger, id, store, ..) in rows {
            let key = format!("{ledger}\u{1f}{store}\u{1f}{id}");
            if !new.contains(&key) || !seen.insert(key.clone()) {
                self.dropped.insert((Table::Ledger, key));
            }
        }
        Ok(())
    }

    /// Writes buffered fiscal records (in acceptance order).
    pub(super) fn flush_fiscal(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        cache: &mut StmtCache,
    ) -> Result<()> {
        if self.fiscal.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.fiscal);
        let st = prepared(tx, cache, INSERT_FISCAL)?;
        let cols: [&(dyn ToSql + Sync); 6] = [
            &column(&rows, |r| r.0.clone()),
            &column(&rows, |r| r.1.clone()),
            &column(&rows, |r| r.2),
            &column(&rows, |r| r.3.clone()),
            &column(&rows, |r| r.4.clone()),
            &column(&rows, |r| r.5.clone()),
        ];
        tx.execute(&st, &cols)?;
        Ok(())
    }

    /// Writes every buffer; the change feed last, under the per-store
    /// locks (taken in store order and held until commit).
    pub(super) fn flush_all(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        cache: &mut StmtCache,
    ) -> Result<()> {
        self.flush_events(tx, cache)?;
        self.flush_ledger(tx, cache)?;
        self.flush_fiscal(tx, cache)?;
        self.flush_levels(tx, cache)?;
        let changes: Vec<PendingChange> = std::mem::take(&mut self.changes)
            .into_iter()
            .filter(|c| {
                c.unless_dropped
                    .as_ref()
                    .is_none_or(|d| !self.dropped.contains(d))
            })
            .collect();
        self.dropped.clear();
        if changes.is_empty() {
            return Ok(());
        }
        let stores: BTreeSet<&str> = changes.iter().map(|c| c.store.as_str()).collect();
        let lock = prepared(tx, cache, LOCK_STORE)?;
        for s in stores {
            tx.execute(&lock, &[&s])?;
        }
        let st = prepared(tx, cache, INSERT_CHANGES)?;
        let cols: [&(dyn ToSql + Sync); 5] = [
            &column(&changes, |c| c.store.clone()),
            &column(&changes, |c| kind_name(c.kind).to_owned()),
            &column(&changes, |c| c.key.clone()),
            &column(&changes, |c| c.origin.clone()),
            &column(&changes, |c| c.data.clone()),
        ];
        tx.execute(&st, &cols)?;
        Ok(())
    }
}
