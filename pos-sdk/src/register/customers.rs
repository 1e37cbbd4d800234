//! Customers, loyalty and stored value on the till: the profile with its
//! consents, the RGPD export and erasure, the loyalty account and gift cards
//! / store credit. Each aggregate is stored whole as JSON (the domain value)
//! next to an append-only movement ledger and a maintained balance; every
//! change also goes to the sync outbox in the same transaction.

use super::Register;
use crate::{SdkError, outbox};
use chrono::{DateTime, Utc};
use pos_core::Money;
use pos_core::customer::{Channel, ConsentSource, ConsentState, Customer, PersonalData};
use pos_core::ids::{CustomerGroupId, CustomerId, OperationId, OperatorId};
use pos_core::loyalty::{LoyaltyAccount, LoyaltyProgram};
use pos_core::stored_value::{GiftCardCode, StoredValueAccount, StoredValueKind};
use rusqlite::{OptionalExtension, Transaction, params};

impl Register {
    /// Sets (or replaces) the store's loyalty program; `None` switches it off.
    pub fn set_loyalty_program(
        &mut self,
        program: Option<&LoyaltyProgram>,
    ) -> Result<(), SdkError> {
        let tx = self.conn.transaction()?;
        match program {
            Some(p) => crate::db::meta_set(&tx, "loyalty_program", &serde_json::to_string(p)?)?,
            None => {
                tx.execute("DELETE FROM meta WHERE key = 'loyalty_program'", [])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The loyalty program in force, if any.
    pub fn loyalty_program(&self) -> Result<Option<LoyaltyProgram>, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        let json = crate::db::meta_get(&tx, "loyalty_program")?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    /// Registers a customer; returns their pseudonymous id (UUID v7).
    pub fn create_customer(
        &mut self,
        personal: PersonalData,
        group: Option<CustomerGroupId>,
    ) -> Result<Customer, SdkError> {
        let now = self.clock.now();
        let mut customer = Customer::new(CustomerId::new(self.ids.next(now))?, now, personal)?;
        customer.set_group(group)?;
        let tx = self.conn.transaction()?;
        save_customer(&tx, &customer, now)?;
        outbox::append(
            &tx,
            &self.ids.next(now),
            "customer",
            now,
            &serde_json::to_value(&customer)?,
        )?;
        tx.commit()?;
        Ok(customer)
    }

    /// A customer by id.
    pub fn customer(&self, id: &CustomerId) -> Result<Customer, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        load_customer(&tx, id)
    }

    /// Records a consent given or withdrawn for one channel.
    pub fn set_consent(
        &mut self,
        id: &CustomerId,
        channel: Channel,
        state: ConsentState,
        source: ConsentSource,
    ) -> Result<Customer, SdkError> {
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        let mut customer = load_customer(&tx, id)?;
        customer.set_consent(channel, state, now, source)?;
        save_customer(&tx, &customer, now)?;
        outbox::append(
            &tx,
            &self.ids.next(now),
            "customer",
            now,
            &serde_json::to_value(&customer)?,
        )?;
        tx.commit()?;
        Ok(customer)
    }

    /// Everything held on a customer (RGPD article 15): profile, consents and
    /// their history, purchases, loyalty account.
    pub fn export_customer(&self, id: &CustomerId) -> Result<serde_json::Value, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        let customer = load_customer(&tx, id)?;
        let loyalty = load_loyalty(&tx, id)?;
        Ok(serde_json::json!({
            "customer": customer.export()?,
            "loyalty": loyalty,
        }))
    }

    /// Erases a customer's personal data (RGPD article 17). The pseudonymous
    /// id stays, so tickets, the fiscal journal and the ledgers stay whole.
    /// Returns false if they were already erased.
    pub fn erase_customer(
        &mut self,
        id: &CustomerId,
        operator: &OperatorId,
    ) -> Result<bool, SdkError> {
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        let mut customer = load_customer(&tx, id)?;
        let erased = customer.erase(now, operator.clone());
        if erased {
            save_customer(&tx, &customer, now)?;
            outbox::append(
                &tx,
                &self.ids.next(now),
                "customer_erased",
                now,
                &serde_json::json!({ "customer": id }),
            )?;
        }
        tx.commit()?;
        Ok(erased)
    }

    /// A customer's loyalty points balance (0 without an account).
    pub fn loyalty_balance(&self, id: &CustomerId) -> Result<u64, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        Ok(load_loyalty(&tx, id)?
            .map(|a| a.balance())
            .transpose()?
            .unwrap_or(0))
    }

    /// A customer's loyalty account, if they have one.
    pub fn loyalty_account(&self, id: &CustomerId) -> Result<Option<LoyaltyAccount>, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        load_loyalty(&tx, id)
    }

    /// Issues a gift card or store credit with a first amount. Issuing the
    /// same code twice is refused.
    pub fn issue_stored_value(
        &mut self,
        code: &str,
        kind: StoredValueKind,
        amount: Money,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<StoredValueAccount, SdkError> {
        let now = self.clock.now();
        let code = GiftCardCode::new(code)?;
        let tx = self.conn.transaction()?;
        if load_stored_value(&tx, code.reveal())?.is_some() {
            return Err(SdkError::InvalidInput {
                field: "gift card code",
                expected: "a code not issued yet",
            });
        }
        let op = OperationId::new(self.ids.next(now))?;
        let account = StoredValueAccount::issue(code, kind, op, now, amount, expires_at, None)?;
        save_stored_value(&tx, &account, now, None)?;
        outbox::append(
            &tx,
            &self.ids.next(now),
            "stored_value",
            now,
            &serde_json::to_value(&account)?,
        )?;
        tx.commit()?;
        Ok(account)
    }

    /// A gift card or store-credit account by its code.
    pub fn stored_value(&self, code: &str) -> Result<StoredValueAccount, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        load_stored_value(&tx, code)?.ok_or_else(|| SdkError::NotFound {
            what: "gift card",
            id: mask(code),
        })
    }
}

fn mask(code: &str) -> String {
    GiftCardCode::new(code)
        .map(|c| c.masked())
        .unwrap_or_else(|_| "****".into())
}

pub(super) fn load_customer(tx: &Transaction<'_>, id: &CustomerId) -> Result<Customer, SdkError> {
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM customers WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let json = json.ok_or_else(|| SdkError::NotFound {
        what: "customer",
        id: id.to_string(),
    })?;
    Ok(serde_json::from_str(&json)?)
}

/// Applies an erasure decided elsewhere (pulled from the sync server): the
/// same [`Customer::erase`] as a local erasure, so the personal data and
/// consents go and the id and purchase history stay. No outbox event: the
/// server already knows. A customer this till never saw gets nothing.
pub(crate) fn erase_pulled(
    tx: &Transaction<'_>,
    id: &CustomerId,
    at: DateTime<Utc>,
) -> Result<(), SdkError> {
    let mut customer = match load_customer(tx, id) {
        Ok(c) => c,
        Err(SdkError::NotFound { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    let operator = OperatorId::new("sync-server")?;
    if customer.erase(at, operator) {
        save_customer(tx, &customer, at)?;
    }
    Ok(())
}

pub(super) fn save_customer(
    tx: &Transaction<'_>,
    c: &Customer,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO customers(id, json, erased, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET json = excluded.json, erased = excluded.erased, updated_at = excluded.updated_at",
        params![c.id().as_str(), serde_json::to_string(c)?, c.is_erased(), now.to_rfc3339()],
    )?;
    Ok(())
}

pub(crate) fn load_loyalty(
    tx: &Transaction<'_>,
    id: &CustomerId,
) -> Result<Option<LoyaltyAccount>, SdkError> {
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM loyalty_accounts WHERE customer_id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

/// Saves the account, appends the entries it gained since `entries_before`
/// to the movement ledger and maintains the balance.
pub(crate) fn save_loyalty(
    tx: &Transaction<'_>,
    account: &LoyaltyAccount,
    entries_before: usize,
    document: Option<&str>,
    mut new_id: impl FnMut() -> String,
) -> Result<(), SdkError> {
    let id = account.customer().as_str();
    tx.execute(
        "INSERT INTO loyalty_accounts(customer_id, json) VALUES (?1, ?2)
         ON CONFLICT(customer_id) DO UPDATE SET json = excluded.json",
        params![id, serde_json::to_string(account)?],
    )?;
    for entry in account.entries().iter().skip(entries_before) {
        tx.execute(
            "INSERT INTO loyalty_movements(id, customer_id, points, document, at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![new_id(), id, entry.points, document, entry.at.to_rfc3339(), serde_json::to_string(entry)?],
        )?;
    }
    let balance = i64::try_from(account.balance()?).map_err(|_| SdkError::Corrupt {
        what: "loyalty balance",
    })?;
    tx.execute(
        "INSERT INTO loyalty_balances(customer_id, points) VALUES (?1, ?2)
         ON CONFLICT(customer_id) DO UPDATE SET points = excluded.points",
        params![id, balance],
    )?;
    Ok(())
}

pub(super) fn load_stored_value(
    tx: &Transaction<'_>,
    code: &str,
) -> Result<Option<StoredValueAccount>, SdkError> {
    // Codes are stored as the domain normalises them (no spaces or dashes).
    let code = GiftCardCode::new(code)?;
    let code = code.reveal();
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM stored_value_accounts WHERE code = ?1",
            [code],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

/// Saves the account, appends its newest operation to the ledger and
/// maintains the balance.
pub(super) fn save_stored_value(
    tx: &Transaction<'_>,
    account: &StoredValueAccount,
    now: DateTime<Utc>,
    document: Option<&str>,
) -> Result<(), SdkError> {
    let code = account.code().reveal();
    tx.execute(
        "INSERT INTO stored_value_accounts(code, json) VALUES (?1, ?2)
         ON CONFLICT(code) DO UPDATE SET json = excluded.json",
        params![code, serde_json::to_string(account)?],
    )?;
    if let Some(op) = account.ops().last() {
        tx.execute(
            "INSERT INTO stored_value_movements(id, card, amount, document, at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO NOTHING",
            params![
                op.id.as_str(),
                code,
                if op.kind.is_credit() { op.amount } else { op.amount.negated() }.format_plain(),
                document,
                now.to_rfc3339(),
                serde_json::to_string(op)?
            ],
        )?;
    }
    tx.execute(
        "INSERT INTO stored_value_balances(card, balance) VALUES (?1, ?2)
         ON CONFLICT(card) DO UPDATE SET balance = excluded.balance",
        params![code, account.balance().format_plain()],
    )?;
    Ok(())
}
