//! SMS delivery: the [`SmsProvider`] trait and an HTTP implementation that
//! POSTs JSON (`{"to", "text", "sender"}`) with a bearer token to a
//! configurable URL, with an `Idempotency-Key` header derived from (ticket,
//! channel) so a provider that honours it never sends twice.

use super::DigitalFailure;
use std::time::Duration;

const CHANNEL: &str = "sms_receipt";

/// One SMS to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// Recipient phone number (E.164).
    pub to: String,
    /// The message.
    pub text: String,
    /// Stable per (ticket, channel).
    pub idempotency_key: String,
}

/// Sends SMS; returns the provider's message reference.
pub trait SmsProvider: Send + Sync {
    /// Sends one SMS.
    fn send(&self, sms: &OutgoingSms) -> Result<String, DigitalFailure>;
}

/// Where the HTTP SMS provider is.
#[derive(Debug, Clone)]
pub struct HttpSmsConfig {
    /// The endpoint receiving the JSON POST.
    pub url: String,
    /// The bearer token.
    pub token: String,
    /// The sender name shown on phones, if the provider allows one.
    pub sender: Option<String>,
    /// Request timeout.
    pub timeout: Duration,
}

/// An [`SmsProvider`] over an HTTP JSON API.
pub struct HttpSmsProvider {
    config: HttpSmsConfig,
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpSmsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSmsProvider").finish_non_exhaustive()
    }
}

fn failed(kind: &'static str) -> DigitalFailure {
    DigitalFailure::DeliveryFailed {
        channel: CHANNEL,
        kind,
    }
}

impl HttpSmsProvider {
    /// A provider client for `config`.
    pub fn new(config: HttpSmsConfig) -> HttpSmsProvider {
        let agent = ureq::AgentBuilder::new().timeout(config.timeout).build();
        HttpSmsProvider { config, agent }
    }
}

impl SmsProvider for HttpSmsProvider {
    fn send(&self, sms: &OutgoingSms) -> Result<String, DigitalFailure> {
        let body = serde_json::json!({
            "to": sms.to,
            "text": sms.text,
            "sender": self.config.sender,
        })
        .to_string();
        let resp = self
            .agent
            .post(&self.config.url)
            .set("authorization", &format!("Bearer {}", self.config.token))
            .set("content-type", "application/json")
            .set("idempotency-key", &sms.idempotency_key)
            .send_string(&body);
        match resp {
            Ok(r) => {
                let text = r.into_string().unwrap_or_default();
                let id = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
                Ok(id.unwrap_or_else(|| sms.idempotency_key.clone()))
            }
            Err(ureq::Error::Status(code, _)) if (400..500).contains(&code) => {
                Err(failed("rejected"))
            }
            Err(ureq::Error::Status(..)) => Err(failed("provider_status")),
            Err(ureq::Error::Transport(_)) => Err(failed("connect")),
        }
    }
}

/// The idempotency key of the receipt of `ticket_id` on `channel`.
pub fn idempotency_key(ticket_id: &str, channel: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{ticket_id}\0{channel}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
