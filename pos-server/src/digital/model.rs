//! What the server keeps about digital receipts (rows of the storage's
//! `digital_*` tables): the receipt of each ticket, the send state per
//! (ticket, channel), the send log, and the customers' page links.

/// A ticket's digital receipt, captured from its sale event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// The link token (`{ticket id}.{tag}`).
    pub token: String,
    /// Store of the till that sold.
    pub store: String,
    /// The till.
    pub device: String,
    /// The ticket id.
    pub ticket_id: String,
    /// The customer's pseudonymous id, if the ticket names one.
    pub customer: Option<String>,
    /// When the ticket was completed (RFC 3339, UTC).
    pub at: String,
    /// The total as a decimal string.
    pub total: String,
    /// The receipt facts (pos-hw `ReceiptFacts` JSON), as printed.
    pub facts: String,
}

/// Where a send of one ticket on one channel stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRecord {
    /// The ticket id.
    pub ticket_id: String,
    /// The channel name.
    pub channel: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Last change (RFC 3339, UTC).
    pub updated_at: String,
    /// The provider's reference (Message-ID, SMS id) once sent.
    pub reference: Option<String>,
    /// The last failure's code.
    pub error: Option<String>,
}

/// One line of the send log: who asked, when, on which channel, and what
/// happened (consent refusals included). No address or name is kept here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendLogEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The ticket id, or `marketing:{campaign}`.
    pub subject: String,
    /// The customer's pseudonymous id.
    pub customer: Option<String>,
    /// The channel name.
    pub channel: String,
    /// `device:{id}` or `back_office:{user}`.
    pub requested_by: String,
    /// `sent`, `already_sent`, `refused:{reason}`, `failed:{kind}`, `in_progress`.
    pub outcome: String,
}

/// A customer's receipts-page link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerLink {
    /// The unguessable token.
    pub token: String,
    /// Whose customer id this is: `retailer:<id>` (the retailer owning the
    /// store) or `store:<id>` (a store with no retailer recorded). Customer
    /// ids are made by tills, so two retailers may use the same one.
    pub scope: String,
    /// The customer's pseudonymous id.
    pub customer: String,
    /// The store whose retailer scopes the page.
    pub store: String,
}
