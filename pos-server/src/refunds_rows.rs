//! The refund tables ([`super::refunds`]) on SQLite and PostgreSQL: one
//! statement text for both (`?N` placeholders, rewritten to `$N` for
//! PostgreSQL), a row lock only PostgreSQL needs (a SQLite write
//! transaction already holds the only writer).

use crate::error::{Result, ServerError, SyncError};

/// The refund tables, the same text for both back ends (created with
/// `IF NOT EXISTS` when the storage opens).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS refund_originals (
    ticket_id TEXT PRIMARY KEY, store TEXT NOT NULL, device TEXT NOT NULL,
    register TEXT NOT NULL, series TEXT NOT NULL, number BIGINT NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS refund_originals_by_number ON refund_originals(register, series, number);
CREATE TABLE IF NOT EXISTS refund_taken (
    ticket_id TEXT NOT NULL, line BIGINT NOT NULL, source TEXT NOT NULL, quantity TEXT NOT NULL,
    PRIMARY KEY (ticket_id, line, source));
CREATE TABLE IF NOT EXISTS refund_reservations (
    id TEXT PRIMARY KEY, device TEXT NOT NULL, rkey TEXT NOT NULL, ticket_id TEXT NOT NULL,
    request TEXT NOT NULL, answer TEXT NOT NULL, expires_ms BIGINT NOT NULL, consumed_by TEXT,
    UNIQUE (device, rkey));
CREATE INDEX IF NOT EXISTS refund_reservations_by_ticket ON refund_reservations(ticket_id);
CREATE TABLE IF NOT EXISTS refund_flags (
    event_id TEXT NOT NULL, original TEXT NOT NULL, line BIGINT NOT NULL, store TEXT NOT NULL,
    device TEXT NOT NULL, refund_ticket TEXT NOT NULL, reason TEXT NOT NULL, excess TEXT,
    unverified BIGINT NOT NULL, PRIMARY KEY (event_id, original, line));
CREATE INDEX IF NOT EXISTS refund_flags_by_store ON refund_flags(store);
";

/// A statement argument.
#[derive(Debug)]
pub enum Arg<'a> {
    /// Text.
    Text(&'a str),
    /// A whole number.
    Int(i64),
    /// NULL.
    Null,
}

/// A column's type, to read it.
#[derive(Debug, Clone, Copy)]
pub enum Col {
    /// TEXT (nullable).
    Text,
    /// BIGINT.
    Int,
}

/// A value read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// NULL.
    Null,
}

impl Cell {
    pub fn text(&self) -> Result<&str> {
        match self {
            Cell::Text(s) => Ok(s),
            _ => Err(corrupt()),
        }
    }
    pub fn opt_text(&self) -> Result<Option<&str>> {
        match self {
            Cell::Text(s) => Ok(Some(s)),
            Cell::Null => Ok(None),
            Cell::Int(_) => Err(corrupt()),
        }
    }
    pub fn int(&self) -> Result<i64> {
        match self {
            Cell::Int(i) => Ok(*i),
            _ => Err(corrupt()),
        }
    }
}

fn corrupt() -> ServerError {
    ServerError::from(SyncError::Corrupt { what: "refund row" })
}

/// The refund tables inside one transaction.
pub trait RefundRows {
    /// Runs a statement; the rows it changed.
    #[doc(hidden)]
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
    /// Runs a query, reading `cols`.
    #[doc(hidden)]
    fn query(&mut self, sql: &str, args: &[Arg<'_>], cols: &[Col]) -> Result<Vec<Vec<Cell>>>;
    /// ` FOR UPDATE` where the back end needs a row lock to serialize
    /// writers of one original (PostgreSQL), else empty.
    #[doc(hidden)]
    fn for_update(&self) -> &'static str;
}

struct Sqlite<'a, 't>(&'a rusqlite::Transaction<'t>);

/// The refund rows of a SQLite transaction.
pub(crate) fn sqlite<'a, 't>(tx: &'a rusqlite::Transaction<'t>) -> Box<dyn RefundRows + 'a>
where
    't: 'a,
{
    Box::new(Sqlite(tx))
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Arg::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            Arg::Null => ToSqlOutput::Owned(Value::Null),
        })
    }
}

impl RefundRows for Sqlite<'_, '_> {
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let n = self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args.iter()))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>], cols: &[Col]) -> Result<Vec<Vec<Cell>>> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(cols.len());
            for (i, c) in cols.iter().enumerate() {
                row.push(match c {
                    Col::Text => r
                        .get::<_, Option<String>>(i)?
                        .map_or(Cell::Null, Cell::Text),
                    Col::Int => r.get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn for_update(&self) -> &'static str {
        ""
    }
}

struct Pg<'a, 't>(&'a mut postgres::Transaction<'t>);

/// The refund rows of a PostgreSQL transaction.
pub(crate) fn pg<'a, 't>(tx: &'a mut postgres::Transaction<'t>) -> Box<dyn RefundRows + 'a>
where
    't: 'a,
{
    Box::new(Pg(tx))
}

/// `?N` placeholders as PostgreSQL's `$N` (no statement here holds a `?`
/// in a literal).
fn dollars(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<Box<dyn postgres::types::ToSql + Sync + 'a>> {
    args.iter()
        .map(|a| -> Box<dyn postgres::types::ToSql + Sync> {
            match a {
                Arg::Text(s) => Box::new(*s),
                Arg::Int(i) => Box::new(*i),
                Arg::Null => Box::new(Option::<String>::None),
            }
        })
        .collect()
}

impl RefundRows for Pg<'_, '_> {
    fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let owned = pg_args(args);
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        Ok(self.0.execute(dollars(sql).as_str(), &params)?)
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>], cols: &[Col]) -> Result<Vec<Vec<Cell>>> {
        let owned = pg_args(args);
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        let rows = self.0.query(dollars(sql).as_str(), &params)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(cols.len());
            for (i, c) in cols.iter().enumerate() {
                row.push(match c {
                    Col::Text => r
                        .try_get::<_, Option<String>>(i)?
                        .map_or(Cell::Null, Cell::Text),
                    Col::Int => r
                        .try_get::<_, Option<i64>>(i)?
                        .map_or(Cell::Null, Cell::Int),
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn for_update(&self) -> &'static str {
        " FOR UPDATE"
    }
}
