//! A completed sale: the immutable ticket and its fiscal stamp.

use pos_sdk::CompletedSale as SdkSale;

/// What completing a sale (or refund) produced.
#[derive(Debug, uniffi::Object)]
pub struct CompletedSale {
    pub(crate) inner: SdkSale,
}

#[uniffi::export]
impl CompletedSale {
    /// The ticket's UUID v7.
    pub fn ticket_id(&self) -> String {
        self.inner.ticket.id().to_owned()
    }

    /// Its fiscal number in its series.
    pub fn number(&self) -> u64 {
        self.inner.number
    }

    /// Its series (`T`, or `X` in training mode).
    pub fn series(&self) -> String {
        self.inner.series.code().to_owned()
    }

    /// The total, tax included (decimal string; negative for a refund).
    pub fn total(&self) -> String {
        self.inner.ticket.total().format_plain()
    }

    /// The change given back (decimal string).
    pub fn change(&self) -> String {
        self.inner.ticket.change().format_plain()
    }

    /// When it was completed, epoch milliseconds.
    pub fn at_millis(&self) -> i64 {
        self.inner.ticket.at().timestamp_millis()
    }

    /// The 4-character signature extract printed on the receipt.
    pub fn signature_extract(&self) -> String {
        self.inner.fiscal.extract.clone()
    }

    /// The fiscal record's hash (hex).
    pub fn record_hash(&self) -> String {
        self.inner.fiscal.hash.clone()
    }

    /// The sync outbox sequence of the sale event (none in training mode).
    pub fn outbox_seq(&self) -> Option<u64> {
        self.inner.outbox_seq
    }

    /// The ticket as JSON (the document the sync and archives carry).
    pub fn ticket_json(&self) -> String {
        serde_json::to_string(&self.inner.ticket).unwrap_or_default()
    }
}
