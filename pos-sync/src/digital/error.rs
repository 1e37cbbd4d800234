//! Why a digital receipt was not sent or shown. Messages name the channel
//! and a reason code, never an address, a name or a ticket's content.

/// A refused or failed digital-receipt operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigitalFailure {
    /// The customer has not consented to this channel (or withdrew, or was
    /// erased, or has no address for it, or the ticket names no customer).
    #[error("sending on `{channel}` refused: {reason}")]
    ConsentRefused {
        /// The channel (`email_receipt`...).
        channel: &'static str,
        /// `no_customer`, `no_consent`, `withdrawn`, `erased`, `no_address`.
        reason: &'static str,
    },
    /// A receipt send asked for a marketing channel, or the reverse.
    #[error("channel `{channel}` cannot be used for {purpose}")]
    WrongChannel {
        /// The channel asked for.
        channel: &'static str,
        /// `receipts` or `marketing`.
        purpose: &'static str,
    },
    /// Another send of the same ticket on the same channel is under way.
    #[error("a send on `{channel}` is already in progress")]
    InProgress {
        /// The channel.
        channel: &'static str,
    },
    /// The mail server or SMS provider refused or could not be reached; the
    /// attempt is recorded and may be retried.
    #[error("delivery on `{channel}` failed: {kind}")]
    DeliveryFailed {
        /// The channel.
        channel: &'static str,
        /// `connect`, `rejected`, `provider_status`...
        kind: &'static str,
    },
    /// The server has no mailer or SMS provider configured.
    #[error("channel `{channel}` is not configured on this server")]
    NotConfigured {
        /// The channel.
        channel: &'static str,
    },
}

impl DigitalFailure {
    /// The stable error code of the response body.
    pub fn code(&self) -> &'static str {
        match self {
            DigitalFailure::ConsentRefused { .. } => "consent_refused",
            DigitalFailure::WrongChannel { .. } => "wrong_channel",
            DigitalFailure::InProgress { .. } => "send_in_progress",
            DigitalFailure::DeliveryFailed { .. } => "delivery_failed",
            DigitalFailure::NotConfigured { .. } => "channel_not_configured",
        }
    }

    /// The HTTP status of the response.
    pub fn http_status(&self) -> u16 {
        match self {
            DigitalFailure::ConsentRefused { .. } => 403,
            DigitalFailure::WrongChannel { .. } => 400,
            DigitalFailure::InProgress { .. } => 409,
            DigitalFailure::DeliveryFailed { .. } => 502,
            DigitalFailure::NotConfigured { .. } => 503,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_channel_and_reason_only() {
        let e = DigitalFailure::ConsentRefused {
            channel: "email_receipt",
            reason: "no_consent",
        };
        assert_eq!(
            e.to_string(),
            "sending on `email_receipt` refused: no_consent"
        );
        assert_eq!((e.code(), e.http_status()), ("consent_refused", 403));
        let e = DigitalFailure::DeliveryFailed {
            channel: "sms_receipt",
            kind: "provider_status",
        };
        assert_eq!(
            e.to_string(),
            "delivery on `sms_receipt` failed: provider_status"
        );
        assert_eq!(e.http_status(), 502);
    }
}
