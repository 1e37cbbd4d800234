//! Operators at the till (issue 14): kept in the till file with their role
//! and a salted Argon2id hash of their PIN, signed in with the PIN.
//!
//! Wrong PINs are counted in the till file (`operator_sign_ins`), so a
//! restart does not give five more tries; five in a row lock the operator
//! out for [`LOCKOUT_MINUTES`] by the till's clock. No PIN and no hash is
//! ever in an error, a log line or a sync event (the hash comes down from
//! the back office to the till only). Adding an operator or changing their
//! role or status is a user-rights change: a signed JET 130 that names the
//! operator, their role and status (never their name or PIN).
//!
//! [`LOCKOUT_MINUTES`]: pos_core::operator::LOCKOUT_MINUTES

use super::Register;
use crate::SdkError;
use chrono::{DateTime, Utc};
use pos_core::cart::Actor;
use pos_core::ids::OperatorId;
use pos_core::operator::{Operator, OperatorError, PinHash, Role, SignInState, check_pin};
use pos_fiscal::jet::JetCode;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;

/// Where an operator's record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorSource {
    /// Made on this till (a till without a back office).
    Local,
    /// Sent by the back office through the sync feed.
    BackOffice,
}

impl OperatorSource {
    fn name(self) -> &'static str {
        match self {
            OperatorSource::Local => "local",
            OperatorSource::BackOffice => "back_office",
        }
    }
}

impl Register {
    /// Adds an operator made on this till, with their PIN (4 to 8 digits,
    /// kept only as a salted hash). An id already used is refused; logged
    /// as a JET 130 (rights change).
    pub fn add_operator(
        &mut self,
        id: &OperatorId,
        name: &str,
        role: Role,
        pin: &str,
    ) -> Result<Operator, SdkError> {
        let operator = Operator::new(id.clone(), name, role, true)?;
        check_pin(pin)?;
        let now = self.checked_now()?;
        if find(&self.conn, id)?.is_some() {
            return Err(SdkError::InvalidInput {
                field: "operator id",
                expected: "an id no other operator of this till has",
            });
        }
        let hash = PinHash::derive(pin, self.salt(now)?)?;
        let stamp = super::stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        put(&tx, &operator, &hash, 0, now)?;
        log_rights_change(
            &tx,
            self.signer.as_ref(),
            stamp,
            &operator,
            OperatorSource::Local,
        )?;
        tx.commit()?;
        Ok(operator)
    }

    /// Enables or disables an operator (a disabled one cannot sign in);
    /// returns whether anything changed (a JET 130 is logged when it did).
    pub fn set_operator_active(&mut self, id: &OperatorId, active: bool) -> Result<bool, SdkError> {
        let now = self.checked_now()?;
        let (mut operator, hash, revision) = find(&self.conn, id)?.ok_or_else(|| unknown(id))?;
        if operator.active == active {
            return Ok(false);
        }
        operator.active = active;
        let stamp = super::stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        put(&tx, &operator, &hash, revision, now)?;
        log_rights_change(
            &tx,
            self.signer.as_ref(),
            stamp,
            &operator,
            OperatorSource::Local,
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Every operator of the till, by id (no PIN hash).
    pub fn operators(&self) -> Result<Vec<Operator>, SdkError> {
        let mut st = self
            .conn
            .prepare("SELECT id, name, role, active FROM operators ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, active) = row?;
            out.push(decode(&id, &name, &role, active)?);
        }
        Ok(out)
    }

    /// Signs operator `id` in with their PIN and returns who acts with what
    /// rights. Refused: `unknown_operator`, `operator_inactive`,
    /// `operator_locked` (until the lockout ends, even with the right PIN),
    /// `wrong_pin` with the tries left (the fifth in a row locks), and
    /// `invalid_pin` for what cannot be a PIN (not counted).
    pub fn sign_in(&mut self, id: &OperatorId, pin: &str) -> Result<Actor, SdkError> {
        check_pin(pin)?;
        let now = self.clock.now();
        let (operator, hash, _) = find(&self.conn, id)?.ok_or_else(|| unknown(id))?;
        if !operator.active {
            return Err(OperatorError::Inactive {
                operator: id.to_string(),
            }
            .into());
        }
        let tx = self.conn.transaction()?;
        let state = sign_in_state(&tx, id)?.before_attempt(id, now)?;
        if hash.verify(pin) {
            tx.execute(
                "DELETE FROM operator_sign_ins WHERE operator_id = ?1",
                [id.as_str()],
            )?;
            tx.commit()?;
            return Ok(Actor::new(operator.id, operator.role.permissions()));
        }
        let (state, refused) = state.after_wrong_pin(id, now);
        save_sign_in_state(&tx, id, state)?;
        tx.commit()?;
        Err(refused.into())
    }

    /// A 16-byte salt: the random and time bits of a fresh UUID v7 from the
    /// till's id generator (a salt must be unique, not secret).
    fn salt(&self, now: DateTime<Utc>) -> Result<[u8; 16], SdkError> {
        let id = self.ids.next(now);
        uuid::Uuid::parse_str(&id)
            .map(|u| *u.as_bytes())
            .map_err(|_| SdkError::Corrupt {
                what: "generated id",
            })
    }
}

fn unknown(id: &OperatorId) -> SdkError {
    OperatorError::UnknownOperator {
        operator: id.to_string(),
    }
    .into()
}

fn decode(id: &str, name: &str, role: &str, active: bool) -> Result<Operator, SdkError> {
    let corrupt = SdkError::Corrupt { what: "operator" };
    let id = OperatorId::new(id).map_err(|_| SdkError::Corrupt { what: "operator" })?;
    let role: Role = serde_json::from_str(role).map_err(|_| corrupt)?;
    Ok(Operator {
        id,
        name: name.to_owned(),
        role,
        active,
    })
}

/// The operator `id`, their PIN hash and the back office's revision.
fn find(
    conn: &rusqlite::Connection,
    id: &OperatorId,
) -> Result<Option<(Operator, PinHash, i64)>, SdkError> {
    let row = conn
        .query_row(
            "SELECT name, role, active, pin_hash, revision FROM operators WHERE id = ?1",
            [id.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((name, role, active, hash, revision)) = row else {
        return Ok(None);
    };
    let operator = decode(id.as_str(), &name, &role, active)?;
    let hash = PinHash::parse(&hash).map_err(|_| SdkError::Corrupt {
        what: "operator PIN hash",
    })?;
    Ok(Some((operator, hash, revision)))
}

fn put(
    tx: &Transaction<'_>,
    operator: &Operator,
    hash: &PinHash,
    revision: i64,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO operators(id, name, role, pin_hash, active, revision, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
           pin_hash = excluded.pin_hash, active = excluded.active,
           revision = excluded.revision, updated_at = excluded.updated_at",
        params![
            operator.id.as_str(),
            operator.name,
            serde_json::to_string(&operator.role)?,
            hash.to_text(),
            operator.active,
            revision,
            now.to_rfc3339(),
        ],
    )?;
    Ok(())
}

fn sign_in_state(tx: &Transaction<'_>, id: &OperatorId) -> Result<SignInState, SdkError> {
    let row = tx
        .query_row(
            "SELECT failed, locked_until FROM operator_sign_ins WHERE operator_id = ?1",
            [id.as_str()],
            |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Option<String>>(1)?)),
        )
        .optional()?;
    let Some((failed, locked_until)) = row else {
        return Ok(SignInState::default());
    };
    let locked_until = locked_until
        .map(|t| DateTime::parse_from_rfc3339(&t).map(|t| t.with_timezone(&Utc)))
        .transpose()
        .map_err(|_| SdkError::Corrupt {
            what: "operator lockout",
        })?;
    Ok(SignInState {
        failed,
        locked_until,
    })
}

fn save_sign_in_state(
    tx: &Transaction<'_>,
    id: &OperatorId,
    state: SignInState,
) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO operator_sign_ins(operator_id, failed, locked_until) VALUES (?1, ?2, ?3)
         ON CONFLICT(operator_id) DO UPDATE SET failed = excluded.failed,
           locked_until = excluded.locked_until",
        params![
            id.as_str(),
            state.failed,
            state.locked_until.map(|t| t.to_rfc3339())
        ],
    )?;
    Ok(())
}

fn log_rights_change(
    tx: &Transaction<'_>,
    signer: &dyn pos_fiscal::Signer,
    stamp: pos_fiscal::model::Stamp,
    operator: &Operator,
    source: OperatorSource,
) -> Result<(), SdkError> {
    let mut detail = BTreeMap::new();
    detail.insert("operator".to_owned(), operator.id.to_string());
    detail.insert("role".to_owned(), operator.role.name().to_owned());
    let rights: Vec<&str> = operator
        .role
        .permissions()
        .iter()
        .map(|p| p.name())
        .collect();
    detail.insert("permissions".to_owned(), rights.join(","));
    detail.insert("active".to_owned(), operator.active.to_string());
    detail.insert("source".to_owned(), source.name().to_owned());
    pos_fiscal::store::record_event(
        tx,
        signer,
        stamp,
        JetCode::RightsChange,
        operator.id.as_str(),
        detail,
    )?;
    Ok(())
}

/// Applies an operator sent by the back office (sync), already checked
/// with pos-core's types ([`pos_sync::operators::OperatorChange::validate`]):
/// kept only when its revision is newer than the till's (a change pulled
/// late never undoes a newer one), logged as a JET 130. Returns whether it
/// was applied.
pub(crate) fn apply_from_back_office(
    tx: &Transaction<'_>,
    signer: &dyn pos_fiscal::Signer,
    stamp: pos_fiscal::model::Stamp,
    operator: &Operator,
    hash: &PinHash,
    revision: i64,
    now: DateTime<Utc>,
) -> Result<bool, SdkError> {
    let current: Option<i64> = tx
        .query_row(
            "SELECT revision FROM operators WHERE id = ?1",
            [operator.id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if current.is_some_and(|c| c >= revision) {
        return Ok(false);
    }
    put(tx, operator, hash, revision, now)?;
    log_rights_change(tx, signer, stamp, operator, OperatorSource::BackOffice)?;
    Ok(true)
}
