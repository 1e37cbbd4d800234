//! Customers and loyalty: the profile, consent per channel (with how it was
//! collected), the RGPD export (article 15) and erasure (article 17), the
//! loyalty program, balance and rewards.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::customer::{
    Channel as CoreChannel, ConsentSource as CoreSource, ConsentState as CoreState, PersonalData,
};
use pos_core::ids::{CustomerId, OperationId, RewardId};
use pos_core::loyalty::{LoyaltyProgram, RewardKind};

/// A channel the customer may be contacted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Channel {
    /// Digital receipts by e-mail.
    EmailReceipt,
    /// Digital receipts by SMS.
    SmsReceipt,
    /// Marketing e-mails (newsletter, offers).
    MarketingEmail,
    /// Marketing SMS.
    MarketingSms,
}

/// Granted or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentState {
    /// The customer agreed.
    Granted,
    /// The customer refused or withdrew.
    Withdrawn,
}

/// How a consent (or its withdrawal) was collected: the proof a regulator
/// asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentSource {
    /// Asked at the till by the cashier.
    InStore,
    /// Ticked by the customer on the web shop.
    Web,
    /// Given in the mobile app.
    App,
    /// A signed paper form.
    Paper,
    /// Imported from another system.
    Import,
    /// An unsubscribe link or reply STOP.
    Unsubscribe,
}

/// The current consent of one channel.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Consent {
    /// The channel.
    pub channel: Channel,
    /// Granted or withdrawn.
    pub state: ConsentState,
    /// When it last changed, epoch milliseconds.
    pub at_millis: i64,
    /// How it was collected, as its snake_case name (`in_store`, `web`,
    /// `erasure`...).
    pub source: String,
}

/// A reward given for points.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoyaltyReward {
    /// The reward's id in the program.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The points it cost.
    pub cost: u64,
    /// What it gives: `free_item:<sku>`, `amount_off:<decimal>` or
    /// `percent_off:<basis points>`.
    pub gives: String,
}

impl Channel {
    fn to_core(self) -> CoreChannel {
        match self {
            Channel::EmailReceipt => CoreChannel::EmailReceipt,
            Channel::SmsReceipt => CoreChannel::SmsReceipt,
            Channel::MarketingEmail => CoreChannel::MarketingEmail,
            Channel::MarketingSms => CoreChannel::MarketingSms,
        }
    }

    const ALL: [Channel; 4] = [
        Channel::EmailReceipt,
        Channel::SmsReceipt,
        Channel::MarketingEmail,
        Channel::MarketingSms,
    ];
}

impl ConsentSource {
    fn to_core(self) -> CoreSource {
        match self {
            ConsentSource::InStore => CoreSource::InStore,
            ConsentSource::Web => CoreSource::Web,
            ConsentSource::App => CoreSource::App,
            ConsentSource::Paper => CoreSource::Paper,
            ConsentSource::Import => CoreSource::Import,
            ConsentSource::Unsubscribe => CoreSource::Unsubscribe,
        }
    }
}

fn consents_of(c: &pos_core::customer::Customer) -> Vec<Consent> {
    Channel::ALL
        .iter()
        .filter_map(|ch| {
            c.consent(ch.to_core()).map(|s| Consent {
                channel: *ch,
                state: match s.state {
                    CoreState::Granted => ConsentState::Granted,
                    _ => ConsentState::Withdrawn,
                },
                at_millis: s.at.timestamp_millis(),
                source: convert::snake_name(&s.source),
            })
        })
        .collect()
}

fn customer_id(id: String) -> Result<CustomerId, PosError> {
    Ok(CustomerId::new(id)?)
}

#[uniffi::export]
impl Register {
    /// Registers a customer; returns their pseudonymous id.
    pub fn create_customer(
        &self,
        given_name: Option<String>,
        family_name: Option<String>,
        email: Option<String>,
    ) -> Result<String, PosError> {
        guard(|| {
            let personal = PersonalData {
                given_name,
                family_name,
                email,
                ..Default::default()
            };
            let c = lock(&self.inner).create_customer(personal, None)?;
            Ok(c.id().to_string())
        })
    }

    /// Records a consent granted or withdrawn on `channel`, collected by
    /// `source`; returns the customer's current consents. Refused once the
    /// customer was erased.
    pub fn set_consent(
        &self,
        customer: String,
        channel: Channel,
        state: ConsentState,
        source: ConsentSource,
    ) -> Result<Vec<Consent>, PosError> {
        guard(|| {
            let id = customer_id(customer)?;
            let state = match state {
                ConsentState::Granted => CoreState::Granted,
                ConsentState::Withdrawn => CoreState::Withdrawn,
            };
            let c =
                lock(&self.inner).set_consent(&id, channel.to_core(), state, source.to_core())?;
            Ok(consents_of(&c))
        })
    }

    /// The customer's current consents, one per channel ever asked.
    pub fn consents(&self, customer: String) -> Result<Vec<Consent>, PosError> {
        guard(|| {
            let id = customer_id(customer)?;
            Ok(consents_of(&lock(&self.inner).customer(&id)?))
        })
    }

    /// Everything held on the customer (RGPD article 15) as a JSON document:
    /// profile, consents and their history, purchases, loyalty account.
    pub fn export_customer(&self, customer: String) -> Result<String, PosError> {
        guard(|| {
            let id = customer_id(customer)?;
            let doc = lock(&self.inner).export_customer(&id)?;
            serde_json::to_string_pretty(&doc).map_err(|_| PosError::Internal {
                code: "serialize".to_owned(),
                detail: "the export could not be written as JSON".to_owned(),
            })
        })
    }

    /// Erases the customer's personal data (RGPD article 17); the
    /// pseudonymous id stays so tickets and the fiscal journal stay whole.
    /// Returns false when they were already erased.
    pub fn erase_customer(&self, customer: String, operator: String) -> Result<bool, PosError> {
        guard(|| {
            let id = customer_id(customer)?;
            let op = convert::operator(&operator)?;
            Ok(lock(&self.inner).erase_customer(&id, &op)?)
        })
    }

    /// Sets the store's loyalty program from its JSON document (the
    /// pos-core `LoyaltyProgram`); None switches loyalty off.
    pub fn set_loyalty_program_json(&self, json: Option<String>) -> Result<(), PosError> {
        guard(|| {
            let program = json
                .map(|j| serde_json::from_str::<LoyaltyProgram>(&j))
                .transpose()
                .map_err(|_| {
                    PosError::invalid("loyalty program", "a LoyaltyProgram JSON document")
                })?;
            Ok(lock(&self.inner).set_loyalty_program(program.as_ref())?)
        })
    }

    /// A customer's loyalty points balance.
    pub fn loyalty_balance(&self, customer: String) -> Result<u64, PosError> {
        guard(|| {
            let id = customer_id(customer)?;
            Ok(lock(&self.inner).loyalty_balance(&id)?)
        })
    }

    /// Exchanges the customer's points for `reward` of the program; above
    /// the balance nothing changes. `op_id`: the app's idempotency key.
    pub fn redeem_loyalty_reward(
        &self,
        customer: String,
        reward: String,
        op_id: Option<String>,
    ) -> Result<LoyaltyReward, PosError> {
        guard(|| {
            let id = customer_id(customer)?;
            let reward = RewardId::new(reward)?;
            let op_id = op_id.map(OperationId::new).transpose()?;
            let r = lock(&self.inner).redeem_loyalty_reward(&id, &reward, op_id)?;
            let gives = match &r.kind {
                RewardKind::FreeItem(sku) => format!("free_item:{sku}"),
                RewardKind::AmountOff(m) => format!("amount_off:{}", m.format_plain()),
                RewardKind::PercentOff(bps) => format!("percent_off:{bps}"),
            };
            Ok(LoyaltyReward {
                id: r.id.to_string(),
                name: r.name,
                cost: r.cost,
                gives,
            })
        })
    }
}
