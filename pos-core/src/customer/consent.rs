//! Consent per channel: granted or withdrawn, when, and how it was given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A way of contacting a customer that needs their consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [
        Channel::EmailReceipt,
        Channel::SmsReceipt,
        Channel::MarketingEmail,
        Channel::MarketingSms,
    ];

    /// The snake_case name (as serialised).
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::EmailReceipt => "email_receipt",
            Channel::SmsReceipt => "sms_receipt",
            Channel::MarketingEmail => "marketing_email",
            Channel::MarketingSms => "marketing_sms",
        }
    }

    /// True when the channel sends to the e-mail address (else to the phone).
    pub fn uses_email(&self) -> bool {
        matches!(self, Channel::EmailReceipt | Channel::MarketingEmail)
    }
}

/// Granted or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    /// The customer agreed.
    Granted,
    /// The customer refused or withdrew (or was erased).
    Withdrawn,
}

/// How the consent (or its withdrawal) was collected: the proof a regulator
/// asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Withdrawn by the erasure of the customer.
    Erasure,
}

/// The current consent of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStatus {
    /// Granted or withdrawn.
    pub state: ConsentState,
    /// When it was last changed (client time).
    pub at: DateTime<Utc>,
    /// How.
    pub source: ConsentSource,
}

/// One change of consent, kept forever (the consent history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    /// The channel.
    pub channel: Channel,
    /// The new state.
    pub state: ConsentState,
    /// When (client time).
    pub at: DateTime<Utc>,
    /// How.
    pub source: ConsentSource,
}
