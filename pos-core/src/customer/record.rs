//! The customer record: profile, group, consents, purchases, erasure.

use super::consent::{Channel, ConsentEvent, ConsentSource, ConsentState, ConsentStatus};
use super::profile::PersonalData;
use crate::ids::{CustomerGroupId, CustomerId, OperatorId, TicketId};
use crate::{CoreError, Currency, Money};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version tag of the RGPD export document.
pub const EXPORT_FORMAT: &str = "pos-sdk.customer-export/1";

/// One ticket of the customer (a refund has a negative total).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// The ticket.
    pub ticket_id: TicketId,
    /// When it was completed.
    pub at: DateTime<Utc>,
    /// Its total.
    pub total: Money,
}

/// The record that an erasure happened (kept after it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// When.
    pub at: DateTime<Utc>,
    /// Who carried it out.
    pub operator: OperatorId,
}

/// A customer, keyed by a pseudonymous id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    id: CustomerId,
    created_at: DateTime<Utc>,
    group: Option<CustomerGroupId>,
    personal: Option<PersonalData>,
    consents: BTreeMap<Channel, ConsentStatus>,
    consent_history: Vec<ConsentEvent>,
    purchases: Vec<Purchase>,
    erasure: Option<Erasure>,
}

impl Customer {
    /// A new customer; the personal data is validated.
    pub fn new(
        id: CustomerId,
        created_at: DateTime<Utc>,
        personal: PersonalData,
    ) -> Result<Customer, CoreError> {
        personal.validate()?;
        Ok(Customer {
            id,
            created_at,
            group: None,
            personal: Some(personal),
            consents: BTreeMap::new(),
            consent_history: Vec::new(),
            purchases: Vec::new(),
            erasure: None,
        })
    }

    /// The pseudonymous id (the only reference other records hold).
    pub fn id(&self) -> &CustomerId {
        &self.id
    }

    /// When the record was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// The customer group (for group price lists).
    pub fn group(&self) -> Option<&CustomerGroupId> {
        self.group.as_ref()
    }

    /// The personal data; `None` once erased.
    pub fn personal(&self) -> Option<&PersonalData> {
        self.personal.as_ref()
    }

    /// The erasure record, if the customer was erased.
    pub fn erasure(&self) -> Option<&Erasure> {
        self.erasure.as_ref()
    }

    /// True once erased.
    pub fn is_erased(&self) -> bool {
        self.erasure.is_some()
    }

    /// Replaces the personal data (validated; refused once erased).
    pub fn update_personal(&mut self, personal: PersonalData) -> Result<(), CoreError> {
        self.ensure_not_erased()?;
        personal.validate()?;
        self.personal = Some(personal);
        Ok(())
    }

    /// Puts the customer in a group, or out of any.
    pub fn set_group(&mut self, group: Option<CustomerGroupId>) -> Result<(), CoreError> {
        self.ensure_not_erased()?;
        self.group = group;
        Ok(())
    }

    /// Grants or withdraws consent on one channel; every change is kept in
    /// the history. Refused once erased.
    pub fn set_consent(
        &mut self,
        channel: Channel,
        state: ConsentState,
        at: DateTime<Utc>,
        source: ConsentSource,
    ) -> Result<(), CoreError> {
        self.ensure_not_erased()?;
        self.record_consent(channel, state, at, source);
        Ok(())
    }

    fn record_consent(
        &mut self,
        channel: Channel,
        state: ConsentState,
        at: DateTime<Utc>,
        source: ConsentSource,
    ) {
        self.consents
            .insert(channel, ConsentStatus { state, at, source });
        self.consent_history.push(ConsentEvent {
            channel,
            state,
            at,
            source,
        });
    }

    /// The current consent of a channel (`None`: never asked).
    pub fn consent(&self, channel: Channel) -> Option<ConsentStatus> {
        self.consents.get(&channel).copied()
    }

    /// Every consent change, oldest first.
    pub fn consent_history(&self) -> &[ConsentEvent] {
        &self.consent_history
    }

    /// The address (e-mail or phone) to use on a channel, if the customer
    /// may be contacted there: not erased, consent granted, address known.
    pub fn contact_for(&self, channel: Channel) -> Result<&str, CoreError> {
        let refuse = |reason| CoreError::ContactNotAllowed {
            channel: channel.as_str(),
            reason,
        };
        if self.is_erased() {
            return Err(refuse("erased"));
        }
        match self.consent(channel).map(|c| c.state) {
            None => return Err(refuse("no_consent")),
            Some(ConsentState::Withdrawn) => return Err(refuse("withdrawn")),
            Some(ConsentState::Granted) => {}
        }
        let personal = self.personal.as_ref();
        let address = if channel.uses_email() {
            personal.and_then(|p| p.email.as_deref())
        } else {
            personal.and_then(|p| p.phone.as_deref())
        };
        address.ok_or_else(|| refuse("no_address"))
    }

    /// Adds a ticket to the purchase history. The same ticket again is a
    /// no-op (`Ok(false)`); the same ticket id with another total or time is
    /// an idempotency conflict. Allowed after erasure (a till that was offline
    /// may sync a sale made before it): the history holds no personal data.
    pub fn record_purchase(
        &mut self,
        ticket_id: TicketId,
        at: DateTime<Utc>,
        total: Money,
    ) -> Result<bool, CoreError> {
        if let Some(p) = self.purchases.iter().find(|p| p.ticket_id == ticket_id) {
            return if p.at == at && p.total == total {
                Ok(false)
            } else {
                Err(CoreError::IdempotencyConflict {
                    id: ticket_id.to_string(),
                })
            };
        }
        self.purchases.push(Purchase {
            ticket_id,
            at,
            total,
        });
        Ok(true)
    }

    /// The purchase history, in the order recorded.
    pub fn purchases(&self) -> &[Purchase] {
        &self.purchases
    }

    /// The sum of the purchases in one currency (refunds count negative).
    pub fn lifetime_total(&self, currency: Currency) -> Result<Money, CoreError> {
        Money::sum(
            currency,
            self.purchases
                .iter()
                .filter(|p| p.total.currency() == currency)
                .map(|p| &p.total),
        )
    }

    /// RGPD right of access for this record, as JSON (see
    /// [`person_export`](super::person_export) to add the loyalty account and
    /// orders).
    pub fn export(&self) -> Result<serde_json::Value, CoreError> {
        let customer = super::export::to_value(self)?;
        let mut doc = serde_json::Map::new();
        doc.insert("format".to_owned(), EXPORT_FORMAT.into());
        doc.insert("customer".to_owned(), customer);
        Ok(serde_json::Value::Object(doc))
    }

    /// RGPD right to erasure: removes the personal data, withdraws every
    /// granted consent (source `erasure`), records who erased and when, and
    /// keeps the id and purchase history. Erasing twice is a no-op
    /// (`Ok(false)`).
    pub fn erase(&mut self, at: DateTime<Utc>, operator: OperatorId) -> bool {
        if self.is_erased() {
            return false;
        }
        self.personal = None;
        for channel in Channel::ALL {
            if self.consent(channel).map(|c| c.state) == Some(ConsentState::Granted) {
                self.record_consent(channel, ConsentState::Withdrawn, at, ConsentSource::Erasure);
            }
        }
        self.erasure = Some(Erasure { at, operator });
        true
    }

    fn ensure_not_erased(&self) -> Result<(), CoreError> {
        if self.is_erased() {
            Err(CoreError::CustomerErased)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn jeanne() -> Customer {
        Customer::new(
            CustomerId::new("c-0192").unwrap(),
            t(0),
            PersonalData {
                given_name: Some("Jeanne".into()),
                family_name: Some("Martin".into()),
                email: Some("jeanne@example.fr".into()),
                phone: Some("0612345678".into()),
                address: None,
            },
        )
        .unwrap()
    }

    #[test]
    fn consent_governs_contact() {
        let mut c = jeanne();
        let err = c.contact_for(Channel::EmailReceipt).unwrap_err();
        assert_eq!(
            err,
            CoreError::ContactNotAllowed {
                channel: "email_receipt",
                reason: "no_consent"
            }
        );
        c.set_consent(
            Channel::EmailReceipt,
            ConsentState::Granted,
            t(1),
            ConsentSource::InStore,
        )
        .unwrap();
        assert_eq!(
            c.contact_for(Channel::EmailReceipt).unwrap(),
            "jeanne@example.fr"
        );
        c.set_consent(
            Channel::EmailReceipt,
            ConsentState::Withdrawn,
            t(2),
            ConsentSource::Unsubscribe,
        )
        .unwrap();
        assert!(c.contact_for(Channel::EmailReceipt).is_err());
        assert_eq!(c.consent_history().len(), 2);
        c.set_consent(
            Channel::SmsReceipt,
            ConsentState::Granted,
            t(3),
            ConsentSource::App,
        )
        .unwrap();
        assert_eq!(c.contact_for(Channel::SmsReceipt).unwrap(), "0612345678");
    }

    #[test]
    fn purchases_are_idempotent_per_ticket() {
        let mut c = jeanne();
        let tid = TicketId::new("t-1").unwrap();
        let total = Money::new(dec!(12.50), Currency::EUR);
        assert!(c.record_purchase(tid.clone(), t(5), total).unwrap());
        assert!(!c.record_purchase(tid.clone(), t(5), total).unwrap());
        let other = Money::new(dec!(13), Currency::EUR);
        assert_eq!(
            c.record_purchase(tid, t(5), other).unwrap_err().kind(),
            "idempotency_conflict"
        );
        c.record_purchase(
            TicketId::new("t-2").unwrap(),
            t(6),
            Money::new(dec!(-2.5), Currency::EUR),
        )
        .unwrap();
        assert_eq!(
            c.lifetime_total(Currency::EUR).unwrap().amount(),
            dec!(10.00)
        );
    }

    #[test]
    fn erasure_keeps_history_and_blocks_contact() {
        let mut c = jeanne();
        c.set_consent(
            Channel::MarketingSms,
            ConsentState::Granted,
            t(1),
            ConsentSource::Paper,
        )
        .unwrap();
        c.record_purchase(
            TicketId::new("t-1").unwrap(),
            t(2),
            Money::new(dec!(5), Currency::EUR),
        )
        .unwrap();
        assert!(c.erase(t(10), OperatorId::new("dpo").unwrap()));
        assert!(!c.erase(t(11), OperatorId::new("dpo").unwrap()));
        assert!(c.personal().is_none());
        assert_eq!(c.purchases().len(), 1);
        assert_eq!(c.id().as_str(), "c-0192");
        assert_eq!(
            c.contact_for(Channel::MarketingSms).unwrap_err(),
            CoreError::ContactNotAllowed {
                channel: "marketing_sms",
                reason: "erased"
            }
        );
        assert_eq!(
            c.consent(Channel::MarketingSms).unwrap().source,
            ConsentSource::Erasure
        );
        assert_eq!(
            c.update_personal(PersonalData::default()),
            Err(CoreError::CustomerErased)
        );
        let export = c.export().unwrap().to_string();
        assert!(!export.contains("Jeanne"));
        assert!(!export.contains("example.fr"));
        assert!(export.contains("\"erasure\""));
    }

    #[test]
    fn export_holds_everything() {
        let mut c = jeanne();
        c.set_group(Some(CustomerGroupId::new("vip").unwrap()))
            .unwrap();
        c.set_consent(
            Channel::EmailReceipt,
            ConsentState::Granted,
            t(1),
            ConsentSource::Web,
        )
        .unwrap();
        let v = c.export().unwrap();
        assert_eq!(v["format"], EXPORT_FORMAT);
        assert_eq!(v["customer"]["personal"]["email"], "jeanne@example.fr");
        assert_eq!(v["customer"]["group"], "vip");
        assert_eq!(
            v["customer"]["consents"]["email_receipt"]["state"],
            "granted"
        );
        assert_eq!(v["customer"]["consent_history"][0]["source"], "web");
        let back: Customer = serde_json::from_value(v["customer"].clone()).unwrap();
        assert_eq!(back, c);
    }
}
