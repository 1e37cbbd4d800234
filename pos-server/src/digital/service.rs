//! The digital-receipt service over the sync server's storage: sends a
//! ticket's receipt by e-mail or SMS only with the customer's consent for
//! that channel, at most once per (ticket, channel), logging every attempt
//! (who, when, channel, outcome); serves the receipt and customer pages;
//! and sends marketing only under marketing consent.
//!
//! A send is three steps: claim (one transaction: consent checked, state
//! `pending`, attempt counted), deliver (no transaction open), record
//! (`sent` or `failed`). A retry finds `sent` and sends nothing; a failure
//! is retryable; a claim left `pending` by a crash is retried only after
//! [`Digital::stale_after`] (the Message-ID / idempotency key stay the same).

use super::mail::{Mailer, OutgoingMail, message_id};
use super::model::{CustomerLink, SendLogEntry, SendRecord, StoredReceipt};
use super::page;
use super::request::{SendReceiptResponse, SendStatus, check_receipt_channel};
use super::sms::{OutgoingSms, SmsProvider, idempotency_key};
use super::{DigitalFailure, token};
use crate::error::{AuthFailure, Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use crate::{Server, Storage, Tx, error_response};
use chrono::{DateTime, Utc};
use pos_core::customer::{Channel, Customer};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{OutputFormat, ReceiptFacts, format, render_receipt};
use std::sync::Arc;

/// The digital-receipt service.
pub struct Digital<S: Storage> {
    server: Server<S>,
    link_base: String,
    mailer: Option<Arc<dyn Mailer>>,
    sms: Option<Arc<dyn SmsProvider>>,
    /// How long a `pending` claim blocks another attempt.
    pub stale_after: chrono::Duration,
}

impl<S: Storage> std::fmt::Debug for Digital<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digital")
            .field("link_base", &self.link_base)
            .finish_non_exhaustive()
    }
}

enum Claim {
    Go {
        receipt: Box<StoredReceipt>,
        address: String,
        attempts: u32,
        customer_key: String,
    },
    Done(SendReceiptResponse),
    Refused(SyncError),
}

fn now_s(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The customer's contact on `channel`, or the refusal reason.
fn contact(
    tx: &mut dyn Tx,
    store: &str,
    customer: Option<&str>,
    channel: Channel,
) -> Result<std::result::Result<String, &'static str>> {
    let Some(id) = customer else {
        return Ok(Err("no_customer"));
    };
    let Some((json, _)) = tx.document("customer", store, id)? else {
        return Ok(Err("unknown_customer"));
    };
    let doc: serde_json::Value =
        serde_json::from_str(&json).map_err(|_| SyncError::Corrupt { what: "customer" })?;
    if doc.get("erased").and_then(serde_json::Value::as_bool) == Some(true) {
        return Ok(Err("erased"));
    }
    let c: Customer =
        serde_json::from_value(doc).map_err(|_| SyncError::Corrupt { what: "customer" })?;
    Ok(match c.contact_for(channel) {
        Ok(a) => Ok(a.to_owned()),
        Err(pos_core::CoreError::ContactNotAllowed { reason, .. }) => Err(reason),
        Err(e) => return Err(e.into()),
    })
}

impl<S: Storage> Digital<S> {
    /// A service over `server`'s storage; links point at `link_base` (the
    /// server's public URL).
    pub fn new(server: Server<S>, link_base: &str) -> Digital<S> {
        Digital {
            server,
            link_base: link_base.trim_end_matches('/').to_owned(),
            mailer: None,
            sms: None,
            stale_after: chrono::Duration::minutes(10),
        }
    }

    /// Sends e-mail through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Digital<S> {
        self.mailer = Some(mailer);
        self
    }

    /// Sends SMS through `provider`.
    pub fn with_sms(mut self, provider: Arc<dyn SmsProvider>) -> Digital<S> {
        self.sms = Some(provider);
        self
    }

    /// The public URL of a receipt page.
    pub fn receipt_url(&self, token: &str) -> String {
        token::receipt_url(&self.link_base, token)
    }

    /// The send log of a ticket (audits, tests).
    pub fn send_log(&self, ticket_id: &str) -> Result<Vec<SendLogEntry>> {
        self.server.with_tx(|tx| tx.dr_send_log(ticket_id))
    }

    /// The send state of a ticket on a channel.
    pub fn send_state(&self, ticket_id: &str, channel: Channel) -> Result<Option<SendRecord>> {
        self.server
            .with_tx(|tx| tx.dr_send(ticket_id, channel.as_str()))
    }

    fn configured(&self, channel: Channel) -> bool {
        if channel.uses_email() {
            self.mailer.is_some()
        } else {
            self.sms.is_some()
        }
    }

    /// Sends ticket `ticket_id`'s receipt on `channel` for `requested_by`
    /// (`device:{id}`, `back_office:{user}`); `store`, when given, must be
    /// the ticket's store.
    pub fn send_receipt(
        &self,
        requested_by: &str,
        store: Option<&str>,
        ticket_id: &str,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<SendReceiptResponse> {
        check_receipt_channel(channel)?;
        let ch = channel.as_str();
        let claim = self.server.with_tx(|tx| {
            let receipt = tx
                .dr_receipt_by_ticket(ticket_id)?
                .ok_or(SyncError::NotFound { what: "receipt" })?;
            if store.is_some_and(|s| s != receipt.store) {
                return Err(AuthFailure::WrongStore.into());
            }
            let log = |tx: &mut dyn Tx, outcome: String| {
                tx.dr_log_send(&SendLogEntry {
                    at: now_s(now),
                    subject: ticket_id.to_owned(),
                    customer: receipt.customer.clone(),
                    channel: ch.to_owned(),
                    requested_by: requested_by.to_owned(),
                    outcome,
                })
            };
            let prev = tx.dr_send(ticket_id, ch)?;
            let attempts = prev.as_ref().map_or(0, |p| p.attempts);
            if let Some(p) = &prev {
                if p.state == "sent" {
                    log(tx, "already_sent".into())?;
                    return Ok(Claim::Done(SendReceiptResponse {
                        ticket_id: ticket_id.to_owned(),
                        channel,
                        status: SendStatus::AlreadySent,
                        attempts,
                    }));
                }
                let fresh = DateTime::parse_from_rfc3339(&p.updated_at)
                    .map(|t| now.signed_duration_since(t) < self.stale_after)
                    .unwrap_or(false);
                if p.state == "pending" && fresh {
                    log(tx, "in_progress".into())?;
                    return Ok(Claim::Refused(
                        DigitalFailure::InProgress { channel: ch }.into(),
                    ));
                }
            }
            let address = match contact(tx, &receipt.store, receipt.customer.as_deref(), channel)? {
                Ok(a) => a,
                Err(reason) => {
                    log(tx, format!("refused:{reason}"))?;
                    return Ok(Claim::Refused(
                        DigitalFailure::ConsentRefused {
                            channel: ch,
                            reason,
                        }
                        .into(),
                    ));
                }
            };
            if !self.configured(channel) {
                log(tx, "failed:not_configured".into())?;
                return Ok(Claim::Refused(
                    DigitalFailure::NotConfigured { channel: ch }.into(),
                ));
            }
            // The customer consented to this channel and has an id.
            let customer_key = match receipt.customer.as_deref() {
                Some(c) => customer_link(tx, c, &receipt.store)?.token,
                None => return Err(ServerError::from(SyncError::Corrupt { what: "receipt" })),
            };
            let attempts = attempts.saturating_add(1);
            tx.dr_put_send(&SendRecord {
                ticket_id: ticket_id.to_owned(),
                channel: ch.to_owned(),
                state: "pending".into(),
                attempts,
                updated_at: now_s(now),
                reference: None,
                error: None,
            })?;
            Ok(Claim::Go {
                receipt: Box::new(receipt.clone()),
                address,
                attempts,
                customer_key,
            })
        })?;
        let (receipt, address, attempts, customer_key) = match claim {
            Claim::Go {
                receipt,
                address,
                attempts,
                customer_key,
            } => (receipt, address, attempts, customer_key),
            Claim::Done(r) => return Ok(r),
            Claim::Refused(e) => return Err(e.into()),
        };
        let delivered = self.deliver(&receipt, &address, channel, &customer_key);
        self.server.with_tx(|tx| {
            let (state, reference, error, outcome) = match &delivered {
                Ok(r) => ("sent", Some(r.clone()), None, "sent".to_owned()),
                Err(e) => {
                    let kind = match e {
                        DigitalFailure::DeliveryFailed { kind, .. } => *kind,
                        other => other.code(),
                    };
                    (
                        "failed",
                        None,
                        Some(kind.to_owned()),
                        format!("failed:{kind}"),
                    )
                }
            };
            tx.dr_put_send(&SendRecord {
                ticket_id: ticket_id.to_owned(),
                channel: ch.to_owned(),
                state: state.into(),
                attempts,
                updated_at: now_s(now),
                reference,
                error,
            })?;
            tx.dr_log_send(&SendLogEntry {
                at: now_s(now),
                subject: ticket_id.to_owned(),
                customer: receipt.customer.clone(),
                channel: ch.to_owned(),
                requested_by: requested_by.to_owned(),
                outcome,
            })
        })?;
        delivered?;
        Ok(SendReceiptResponse {
            ticket_id: ticket_id.to_owned(),
            channel,
            status: SendStatus::Sent,
            attempts,
        })
    }

    fn deliver(
        &self,
        receipt: &StoredReceipt,
        address: &str,
        channel: Channel,
        customer_key: &str,
    ) -> std::result::Result<String, DigitalFailure> {
        let ch = channel.as_str();
        let facts = page::facts_of(receipt).map_err(|_| DigitalFailure::DeliveryFailed {
            channel: ch,
            kind: "bad_receipt",
        })?;
        // The link sent to the customer carries their page key: from it the
        // receipt page links to their history; the printed QR does not (a
        // receipt left on the counter must not open a purchase history).
        let url = format!(
            "{}?c={}",
            self.receipt_url(&receipt.token),
            token::percent_encode(customer_key)
        );
        if channel.uses_email() {
            let mailer = self
                .mailer
                .as_ref()
                .ok_or(DigitalFailure::NotConfigured { channel: ch })?;
            let mail = receipt_mail(&facts, address, &url, &receipt.ticket_id, mailer.domain())
                .map_err(|_| DigitalFailure::DeliveryFailed {
                    channel: ch,
                    kind: "bad_receipt",
                })?;
            mailer.send(&mail)
        } else {
            let sms = self
                .sms
                .as_ref()
                .ok_or(DigitalFailure::NotConfigured { channel: ch })?;
            sms.send(&OutgoingSms {
                to: address.to_owned(),
                text: receipt_sms(&facts, &url),
                idempotency_key: idempotency_key(&receipt.ticket_id, ch),
            })
        }
    }

    /// Sends a marketing message to a customer: only with consent on
    /// `MarketingEmail` / `MarketingSms` (a receipt consent is not enough).
    /// Logged under `marketing:{campaign}`. Returns the provider reference.
    #[allow(clippy::too_many_arguments)]
    pub fn send_marketing(
        &self,
        requested_by: &str,
        store: &str,
        customer: &str,
        channel: Channel,
        campaign: &str,
        subject: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let ch = channel.as_str();
        if !matches!(channel, Channel::MarketingEmail | Channel::MarketingSms) {
            return Err(DigitalFailure::WrongChannel {
                channel: ch,
                purpose: "marketing",
            }
            .into());
        }
        let subject_key = format!("marketing:{campaign}");
        let log = |outcome: String| {
            self.server.with_tx(|tx| {
                tx.dr_log_send(&SendLogEntry {
                    at: now_s(now),
                    subject: subject_key.clone(),
                    customer: Some(customer.to_owned()),
                    channel: ch.to_owned(),
                    requested_by: requested_by.to_owned(),
                    outcome: outcome.clone(),
                })
            })
        };
        let address = match self
            .server
            .with_tx(|tx| contact(tx, store, Some(customer), channel))?
        {
            Ok(a) => a,
            Err(reason) => {
                log(format!("refused:{reason}"))?;
                return Err(DigitalFailure::ConsentRefused {
                    channel: ch,
                    reason,
                }
                .into());
            }
        };
        let key = idempotency_key(&format!("{campaign}\0{customer}"), ch);
        let sent = if channel.uses_email() {
            match &self.mailer {
                Some(m) => m.send(&OutgoingMail {
                    to: address,
                    subject: subject.to_owned(),
                    text: text.to_owned(),
                    html: format!(
                        "<!DOCTYPE html><html lang=\"fr\"><body><pre>{}</pre></body></html>",
                        pos_hw::receipt::html::escape(text)
                    ),
                    message_id: format!("marketing.{key}@{}", m.domain()),
                }),
                None => Err(DigitalFailure::NotConfigured { channel: ch }),
            }
        } else {
            match &self.sms {
                Some(p) => p.send(&OutgoingSms {
                    to: address,
                    text: text.to_owned(),
                    idempotency_key: key,
                }),
                None => Err(DigitalFailure::NotConfigured { channel: ch }),
            }
        };
        match sent {
            Ok(r) => {
                log("sent".into())?;
                Ok(r)
            }
            Err(e) => {
                log(format!("failed:{}", e.code()))?;
                Err(e.into())
            }
        }
    }

    /// Authenticates a till's signed request (as the sync requests are:
    /// HMAC, clock window, replay) and returns its store and id.
    fn authenticate(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<(String, String)> {
        let h = |name: &'static str| {
            req.header(name)
                .ok_or(SyncError::Auth(AuthFailure::MissingHeader { header: name }))
        };
        let device = h(crate::auth::HEADER_DEVICE)?;
        let ts: i64 =
            h(crate::auth::HEADER_TIMESTAMP)?
                .parse()
                .map_err(|_| AuthFailure::MissingHeader {
                    header: crate::auth::HEADER_TIMESTAMP,
                })?;
        let sig = h(crate::auth::HEADER_SIGNATURE)?;
        self.server.with_tx(|tx| {
            let dev = tx.device(device)?.ok_or(AuthFailure::UnknownDevice)?;
            if dev.replaced_by.is_some() {
                return Err(AuthFailure::UnknownDevice.into());
            }
            crate::auth::verify(
                &dev.secret,
                req.method,
                &req.path,
                ts,
                &req.body,
                sig,
                now.timestamp_millis(),
            )?;
            if !tx.remember_signature(sig, now.timestamp_millis())? {
                return Err(AuthFailure::Replayed.into());
            }
            Ok((dev.store.clone(), dev.id.clone()))
        })
    }

    /// Handles `POST /v1/receipts/send` from a till.
    pub fn handle_send(&self, req: &HttpRequest, now: DateTime<Utc>) -> HttpResponse {
        let r = (|| {
            let body = super::request::decode_send_request(&req.body)?;
            let (store, device) = self.authenticate(req, now)?;
            self.send_receipt(
                &format!("device:{device}"),
                Some(&store),
                &body.ticket_id,
                body.channel,
                now,
            )
        })();
        match r {
            Ok(v) => HttpResponse::new(200, serde_json::to_vec(&v).unwrap_or_default()),
            Err(e) => error_response(&e),
        }
    }

    /// The receipt page of a link token (`None`: no such receipt). With the
    /// customer's page key (`?c=`, in the links sent to them), it links to
    /// their receipts page; the printed link alone shows the receipt only.
    pub fn receipt_page(&self, token: &str, customer_key: Option<&str>) -> Result<Option<String>> {
        if !token::is_well_formed(token) {
            return Ok(None);
        }
        let found = self.server.with_tx(|tx| {
            let Some(r) = tx.dr_receipt_by_token(token)? else {
                return Ok(None);
            };
            let link = match (r.customer.as_deref(), customer_key) {
                (Some(c), Some(key)) if !customer_erased(tx, &r.store, c)? => {
                    let scope = customer_scope(tx, &r.store)?;
                    tx.dr_customer_link(&scope, c)?
                        .filter(|l| constant_eq(l.token.as_bytes(), key.as_bytes()))
                }
                _ => None,
            };
            Ok(Some((r, link)))
        })?;
        let Some((r, link)) = found else {
            return Ok(None);
        };
        let facts = page::facts_of(&r)?;
        let url = link.map(|l| token::customer_url(&self.link_base, &l.token));
        page::receipt_page(&facts, url.as_deref()).map(Some)
    }

    /// A customer's receipts page (`None`: no such link, or the customer
    /// was erased): only their tickets in their retailer's stores.
    pub fn customer_page(&self, token: &str) -> Result<Option<String>> {
        if token.len() > token::MAX_TOKEN_LEN {
            return Ok(None);
        }
        let receipts = self.server.with_tx(|tx| {
            let Some(link) = tx.dr_customer_by_link(token)? else {
                return Ok(None);
            };
            if customer_erased(tx, &link.store, &link.customer)? {
                return Ok(None);
            }
            let stores = tx.dr_retailer_stores(&link.store)?;
            tx.dr_customer_receipts(&link.customer, &stores).map(Some)
        })?;
        receipts.map(|r| page::customer_page(&r)).transpose()
    }
}

/// Equality in time independent of where the inputs differ.
fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn customer_erased(tx: &mut dyn Tx, store: &str, customer: &str) -> Result<bool> {
    Ok(match tx.document("customer", store, customer)? {
        Some((json, _)) => serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|d| d.get("erased").and_then(serde_json::Value::as_bool))
            .unwrap_or(false),
        None => false,
    })
}

/// Whose customer ids a store's tills make: its retailer's (or the store's
/// own when no retailer is recorded). Customer links are keyed by it.
pub fn customer_scope(tx: &mut dyn Tx, store: &str) -> Result<String> {
    Ok(match tx.bo_store_retailer(store)? {
        Some(r) => format!("retailer:{r}"),
        None => format!("store:{store}"),
    })
}

fn customer_link(tx: &mut dyn Tx, customer: &str, store: &str) -> Result<CustomerLink> {
    let scope = customer_scope(tx, store)?;
    if let Some(l) = tx.dr_customer_link(&scope, customer)? {
        return Ok(l);
    }
    let mut bytes = [0u8; 16];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut bytes)
        .map_err(|_| SyncError::Corrupt { what: "OS entropy" })?;
    use base64::Engine;
    let link = CustomerLink {
        token: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        scope,
        customer: customer.to_owned(),
        store: store.to_owned(),
    };
    tx.dr_put_customer_link(&link)?;
    Ok(link)
}

/// The receipt e-mail: subject, the receipt as text and as HTML, the link.
pub fn receipt_mail(
    facts: &ReceiptFacts,
    to: &str,
    url: &str,
    ticket_id: &str,
    domain: &str,
) -> Result<OutgoingMail> {
    let text = render_receipt(facts, OutputFormat::Text, &PrinterProfile::epson_tm_t88()).map_err(
        |_| SyncError::Corrupt {
            what: "receipt facts",
        },
    )?;
    let mut text = String::from_utf8(text).map_err(|_| SyncError::Corrupt {
        what: "receipt text",
    })?;
    text.push_str(&format!("\nVotre ticket en ligne : {url}\n"));
    let html = page::receipt_page(facts, None)?.replace(
        "<div class=\"links\">",
        &format!(
            "<div class=\"links\"><p><a href=\"{}\">Voir le ticket en ligne</a></p>",
            pos_hw::receipt::html::escape(url)
        ),
    );
    Ok(OutgoingMail {
        to: to.to_owned(),
        subject: format!(
            "Votre ticket {} n°{} du {}",
            facts.trader.name,
            facts.ticket_number,
            facts.local_time.format("%d/%m/%Y")
        ),
        text,
        html,
        message_id: message_id(ticket_id, "email_receipt", domain),
    })
}

/// The receipt SMS: who, which ticket, the total and the link.
pub fn receipt_sms(facts: &ReceiptFacts, url: &str) -> String {
    format!(
        "{} : votre ticket n°{} du {}, total {}. {url}",
        facts.trader.name,
        facts.ticket_number,
        facts.local_time.format("%d/%m/%Y"),
        format::money(
            facts.total,
            facts.currency.minor_units(),
            facts.currency.symbol()
        )
    )
}
