//! Stored-value loads and loyalty rewards: two ledger operations the
//! bindings expose that the facade had no call for. Each is ONE transaction
//! (the account, its ledger rows, the maintained balance and the outbox
//! event) and idempotent by the app's operation id. Their outbox kinds
//! (`stored_value_load`, `loyalty_reward`) are kept by the sync server as it
//! keeps every kind it does not apply yet.

use super::Register;
use super::customers::{load_loyalty, load_stored_value, save_loyalty, save_stored_value};
use crate::{SdkError, outbox};
use pos_core::Money;
use pos_core::ids::{CustomerId, OperationId, RewardId, TicketId};
use pos_core::loyalty::{LoyaltyAccount, Reward};
use pos_core::stored_value::StoredValueAccount;

impl Register {
    /// Adds `amount` to the gift card or store credit `code`. `ticket_id` is
    /// the completed ticket on which the customer paid for the load (the
    /// money taken is fiscal; the load itself is not). `op_id` is the app's
    /// idempotency key (None: the till makes one): the same load again is a
    /// no-op.
    pub fn load_stored_value(
        &mut self,
        code: &str,
        amount: Money,
        ticket_id: &str,
        op_id: Option<OperationId>,
    ) -> Result<StoredValueAccount, SdkError> {
        let now = self.checked_now()?;
        let ticket = TicketId::new(self.ticket(ticket_id)?.id())?;
        let op = match op_id {
            Some(id) => id,
            None => OperationId::new(self.ids.next(now))?,
        };
        let tx = self.conn.transaction()?;
        let mut account = load_stored_value(&tx, code)?.ok_or_else(|| SdkError::NotFound {
            what: "gift card",
            id: "****".into(),
        })?;
        let before = account.ops().len();
        account.load(op.clone(), now, amount, Some(ticket.clone()))?;
        if account.ops().len() > before {
            save_stored_value(&tx, &account, now, Some(ticket_id))?;
            // Its own kind: the server's `stored_value` event is the issue.
            outbox::append(
                &tx,
                &self.ids.next(now),
                "stored_value_load",
                now,
                &serde_json::json!({
                    "code": account.code(),
                    "op": op,
                    "amount": amount,
                    "ticket": ticket,
                    "balance": account.balance(),
                }),
            )?;
        }
        tx.commit()?;
        Ok(account)
    }

    /// Exchanges a customer's points for reward `reward` of the loyalty
    /// program in force; returns the reward (the app applies it to the
    /// cart). Above the usable balance nothing changes. `op_id` as above.
    pub fn redeem_loyalty_reward(
        &mut self,
        customer: &CustomerId,
        reward: &RewardId,
        op_id: Option<OperationId>,
    ) -> Result<Reward, SdkError> {
        let now = self.checked_now()?;
        let program = self.loyalty_program()?.ok_or(SdkError::Precondition {
            what: "a loyalty program",
        })?;
        let op = match op_id {
            Some(id) => id,
            None => OperationId::new(self.ids.next(now))?,
        };
        let tx = self.conn.transaction()?;
        // Refuses an unknown customer before touching points.
        super::customers::load_customer(&tx, customer)?;
        let mut account =
            load_loyalty(&tx, customer)?.unwrap_or_else(|| LoyaltyAccount::new(customer.clone()));
        let before = account.entries().len();
        let given = account.redeem_reward(&program, op, now, reward)?;
        if account.entries().len() > before {
            crate::sync::charge_points(&tx, customer.as_str(), given.cost)?;
            let ids = &self.ids;
            save_loyalty(&tx, &account, before, None, || ids.next(now))?;
            outbox::append(
                &tx,
                &self.ids.next(now),
                "loyalty_reward",
                now,
                &serde_json::json!({ "customer": customer, "reward": given.id, "points": given.cost }),
            )?;
        }
        tx.commit()?;
        Ok(given)
    }
}

#[cfg(test)]
mod tests {
    use crate::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions, SdkError};
    use pos_core::customer::PersonalData;
    use pos_core::ids::{LocationId, OperationId, OperatorId, RegisterId, RewardId, StoreId};
    use pos_core::loyalty::{LoyaltyProgram, Reward, RewardKind};
    use pos_core::stored_value::StoredValueKind;
    use pos_core::tender::{Tender, TenderMethod};
    use pos_core::{Currency, Money};
    use rust_decimal::Decimal;
    use std::sync::Arc;

    fn eur(s: &str) -> Money {
        Money::parse(s, Currency::EUR).unwrap()
    }

    fn till() -> Register {
        let config = RegisterConfig::france(
            StoreId::new("s").unwrap(),
            RegisterId::new("r").unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap();
        let clock = Arc::new(ManualClock::new("2026-03-01T10:00:00Z".parse().unwrap()));
        let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
        let mut reg =
            Register::in_memory(config, clock, IdGenerator::seeded(1), Box::new(signer)).unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        reg
    }

    fn sell(reg: &mut Register, code: &str) -> String {
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        reg.scan(&mut cart, code, &ctx).unwrap();
        let mut payment = reg.start_payment(&cart, None).unwrap();
        let due = payment.remaining().unwrap();
        payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
        let options = SaleOptions::by(OperatorId::new("a").unwrap());
        reg.complete_sale(cart, payment, &options)
            .unwrap()
            .ticket
            .id()
            .to_owned()
    }

    #[test]
    fn a_load_adds_once_per_operation_and_needs_a_real_ticket() {
        let mut reg = till();
        reg.issue_stored_value(
            "GIFT-0000-7731",
            StoredValueKind::GiftCard,
            eur("20.00"),
            None,
        )
        .unwrap();
        let ticket = sell(&mut reg, "2000000001012");
        let op = OperationId::new("load-1").unwrap();
        let card = reg
            .load_stored_value("GIFT00007731", eur("15.50"), &ticket, Some(op.clone()))
            .unwrap();
        assert_eq!(card.balance(), eur("35.50"));
        // A retry of the same operation changes nothing.
        let again = reg
            .load_stored_value("GIFT00007731", eur("15.50"), &ticket, Some(op))
            .unwrap();
        assert_eq!(again.balance(), eur("35.50"));
        let unknown_ticket = reg.load_stored_value("GIFT00007731", eur("1"), "nope", None);
        assert!(matches!(unknown_ticket, Err(SdkError::NotFound { .. })));
        let unknown_card = reg.load_stored_value("GIFT00009999", eur("1"), &ticket, None);
        assert!(matches!(unknown_card, Err(SdkError::NotFound { .. })));
        assert_eq!(
            reg.stored_value("GIFT00007731").unwrap().balance(),
            eur("35.50")
        );
    }

    #[test]
    fn a_reward_burns_its_cost_and_refuses_above_the_balance() {
        let mut reg = till();
        let program = LoyaltyProgram {
            currency: Currency::EUR,
            points_per_unit: Decimal::ONE,
            bonuses: vec![],
            tiers: vec![],
            rewards: vec![Reward {
                id: RewardId::new("coffee").unwrap(),
                name: "Coffee".into(),
                cost: 10,
                kind: RewardKind::AmountOff(eur("2.00")),
            }],
            point_value: eur("0.01"),
            expiry_days: None,
            tier_window_days: 365,
        };
        let customer = reg
            .create_customer(PersonalData::default(), None)
            .unwrap()
            .id()
            .clone();
        let coffee = RewardId::new("coffee").unwrap();
        assert!(reg.redeem_loyalty_reward(&customer, &coffee, None).is_err());
        reg.set_loyalty_program(Some(&program)).unwrap();
        // 0 points: refused, nothing changes.
        let refused = reg.redeem_loyalty_reward(&customer, &coffee, None);
        assert!(
            matches!(
                refused,
                Err(SdkError::Core(
                    pos_core::CoreError::InsufficientPoints { .. }
                ))
            ),
            "{refused:?}"
        );
        // A 24.90 sale to the customer earns 24 points.
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
        let mut payment = reg.start_payment(&cart, Some(&customer)).unwrap();
        payment
            .add(Tender::new(TenderMethod::Card, eur("24.90")))
            .unwrap();
        let mut options = SaleOptions::by(OperatorId::new("a").unwrap());
        options.customer = Some(customer.clone());
        reg.complete_sale(cart, payment, &options).unwrap();
        assert_eq!(reg.loyalty_balance(&customer).unwrap(), 24);
        let op = OperationId::new("reward-1").unwrap();
        let given = reg
            .redeem_loyalty_reward(&customer, &coffee, Some(op.clone()))
            .unwrap();
        assert_eq!(given.cost, 10);
        assert_eq!(reg.loyalty_balance(&customer).unwrap(), 14);
        reg.redeem_loyalty_reward(&customer, &coffee, Some(op))
            .unwrap();
        assert_eq!(reg.loyalty_balance(&customer).unwrap(), 14);
    }
}
