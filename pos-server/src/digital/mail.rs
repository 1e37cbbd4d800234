//! E-mail delivery: the [`Mailer`] trait and its SMTP implementation on
//! `lettre`. A receipt e-mail is `multipart/alternative` with the receipt
//! as plain text and as HTML, both inline; its Message-ID is derived from
//! (ticket, channel), so a copy sent twice after a crash is recognisably
//! the same message.

use super::DigitalFailure;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use sha2::{Digest, Sha256};
use std::time::Duration;

const CHANNEL: &str = "email_receipt";

/// One e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The Message-ID, without angle brackets (`id@domain`).
    pub message_id: String,
}

/// Sends e-mails; returns the message's reference (its Message-ID).
pub trait Mailer: Send + Sync {
    /// Sends one e-mail.
    fn send(&self, mail: &OutgoingMail) -> Result<String, DigitalFailure>;
    /// The domain of the sender address (for Message-IDs).
    fn domain(&self) -> &str;
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No TLS (a local relay or a test server only).
    Plain,
    /// STARTTLS, required.
    StartTls,
    /// Implicit TLS (port 465).
    Tls,
}

/// Where and how to send e-mail.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// SMTP server host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// TLS mode.
    pub security: SmtpSecurity,
    /// Sender address (`Boutique <recus@example.fr>`).
    pub from: String,
    /// Login and password, if the server asks for them.
    pub credentials: Option<(String, String)>,
    /// Connection and command timeout.
    pub timeout: Duration,
}

/// A [`Mailer`] over SMTP (one connection per message).
pub struct SmtpMailer {
    transport: SmtpTransport,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

fn failed(kind: &'static str) -> DigitalFailure {
    DigitalFailure::DeliveryFailed {
        channel: CHANNEL,
        kind,
    }
}

impl SmtpMailer {
    /// A mailer for `config` (nothing is connected until the first send).
    pub fn new(config: &SmtpConfig) -> Result<SmtpMailer, DigitalFailure> {
        let from: Mailbox = config.from.parse().map_err(|_| failed("bad_sender"))?;
        let domain = from.email.domain().to_owned();
        let builder = match config.security {
            SmtpSecurity::Plain => SmtpTransport::builder_dangerous(&config.host),
            SmtpSecurity::StartTls => {
                SmtpTransport::starttls_relay(&config.host).map_err(|_| failed("tls"))?
            }
            SmtpSecurity::Tls => SmtpTransport::relay(&config.host).map_err(|_| failed("tls"))?,
        };
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
            domain,
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &OutgoingMail) -> Result<String, DigitalFailure> {
        let to: Mailbox = mail.to.parse().map_err(|_| failed("bad_address"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|_| failed("build"))?;
        self.transport.send(&message).map_err(|e| {
            if e.is_permanent() {
                failed("rejected")
            } else if e.is_transient() {
                failed("temporary")
            } else if e.is_timeout() {
                failed("timeout")
            } else {
                failed("connect")
            }
        })?;
        Ok(mail.message_id.clone())
    }

    fn domain(&self) -> &str {
        &self.domain
    }
}

/// The Message-ID of the receipt of `ticket_id` on `channel`.
pub fn message_id(ticket_id: &str, channel: &str, domain: &str) -> String {
    let digest = Sha256::digest(format!("{ticket_id}\0{channel}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("receipt.{hex}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_per_ticket_and_channel() {
        let a = message_id("t1", "email_receipt", "example.fr");
        assert_eq!(a, message_id("t1", "email_receipt", "example.fr"));
        assert_ne!(a, message_id("t2", "email_receipt", "example.fr"));
        assert!(a.starts_with("receipt.") && a.ends_with("@example.fr"));
    }

    #[test]
    fn bad_sender_is_refused_at_construction() {
        let e = SmtpMailer::new(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::Plain,
            from: "not an address".into(),
            credentials: None,
            timeout: Duration::from_secs(1),
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "delivery on `email_receipt` failed: bad_sender"
        );
    }

    #[test]
    fn an_unreachable_server_is_a_recorded_failure_not_a_panic() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let m = SmtpMailer::new(&SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::Plain,
            from: "Shop <recus@example.fr>".into(),
            credentials: None,
            timeout: Duration::from_secs(2),
        })
        .unwrap();
        let e = m
            .send(&OutgoingMail {
                to: "a@example.org".into(),
                subject: "s".into(),
                text: "t".into(),
                html: "<p>h</p>".into(),
                message_id: "x@example.fr".into(),
            })
            .unwrap_err();
        assert!(matches!(e, DigitalFailure::DeliveryFailed { .. }));
    }
}
