//! Digital receipts end to end, on SQLite and on PostgreSQL: a real till
//! (pos-sdk) sells to a customer and syncs to an in-process server; the
//! receipt link page equals the paper receipt and escapes a hostile product
//! name; sends need the channel's consent, happen once per (ticket,
//! channel), are logged, and failures are retryable; SMS goes through the
//! HTTP provider to a local listener that captures the request; the
//! customer page lists only that customer's tickets of the retailer's
//! stores, with the legal warranty of durable goods; marketing needs
//! marketing consent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "support/pg.rs"]
#[allow(dead_code)]
mod pg;

use chrono::Utc;
use pos_core::customer::{Channel, ConsentSource, ConsentState, PersonalData};
use pos_core::ids::{CustomerId, LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::signer::Signer;
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::digital::mail::{Mailer, OutgoingMail};
use pos_server::digital::sms::{HttpSmsConfig, HttpSmsProvider};
use pos_server::digital::{Digital, DigitalFailure, SendRecord, SendStatus, StoredReceipt};
use pos_server::{InProcess, Server, Storage, http, spawn_app};
use pos_sync::SyncError;
use pos_sync::http_client::UreqTransport;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PUBLIC: &str = "https://recus.example.fr";
const XSS: &str = "<script>alert(\"x\")</script> Chocolat";

fn catalog() -> String {
    serde_json::json!({
        "currency": "EUR", "vat_country": "FR",
        "categories": [{"id": "c", "name": "C"}],
        "products": [
            {"id": "P-X", "name": XSS, "categories": ["c"], "vat": "5.5",
             "variants": [{"sku": "X", "barcodes": ["2000000000015"], "price": "2.50"}]},
            {"id": "P-CAF", "name": "Cafetière à piston", "categories": ["c"], "vat": "20",
             "durable_good": true,
             "variants": [{"sku": "CAF", "barcodes": ["2000000000022"], "price": "39.90"}]}
        ],
        "price_lists": []
    })
    .to_string()
}

/// Records e-mails; fails while `fail` is set (a mail server that is down).
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<OutgoingMail>>,
    fail: Mutex<bool>,
}

impl Mailer for Outbox {
    fn send(&self, mail: &OutgoingMail) -> Result<String, DigitalFailure> {
        if *self.fail.lock().unwrap() {
            return Err(DigitalFailure::DeliveryFailed {
                channel: "email_receipt",
                kind: "connect",
            });
        }
        self.sent.lock().unwrap().push(mail.clone());
        Ok(mail.message_id.clone())
    }
    fn domain(&self) -> &str {
        "example.fr"
    }
}

/// One captured HTTP request.
#[derive(Debug, Clone)]
struct Captured {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A local HTTP listener answering each request with the next status of
/// `statuses` (then 200), capturing every request.
fn sms_listener(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Captured>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/sms", listener.local_addr().unwrap());
    let captured = Arc::new(Mutex::new(Vec::new()));
    let sink = captured.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end().to_owned();
                if line.is_empty() {
                    break;
                }
                let (k, v) = line.split_once(':').unwrap();
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            let n = sink.lock().unwrap().len();
            sink.lock().unwrap().push(Captured {
                request_line: request_line.trim_end().to_owned(),
                headers,
                body: String::from_utf8(body).unwrap(),
            });
            let status = statuses.next().unwrap_or(200);
            let reply = format!("{{\"id\":\"sms-{n}\"}}");
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (url, captured)
}

struct World<S: Storage> {
    // First: the server thread stops (and drops its router) before the
    // storage is dropped here, outside its runtime.
    app: InProcess,
    server: Server<S>,
    digital: Arc<Digital<S>>,
    till: Register,
    clock: Arc<ManualClock>,
    mails: Arc<Outbox>,
    sms: Arc<Mutex<Vec<Captured>>>,
}

/// A fresh enrolment code for `store` (filed under `retailer`).
fn enrolment_code<S: Storage>(server: &Server<S>, retailer: &str, store: &str) -> String {
    server
        .with_tx(|tx| {
            if tx.bo_retailer(retailer)?.is_none() {
                tx.bo_put_retailer(retailer, "Retailer", "123456789")?;
            }
            tx.bo_put_store(store, retailer)?;
            Ok(())
        })
        .unwrap();
    server
        .enrolment_code(retailer, store, None, 3_600_000, Utc::now())
        .unwrap()
        .0
        .secret
}

impl<S: Storage> World<S> {
    fn new(storage: S) -> World<S> {
        let server = Server::new(storage);
        let mails = Arc::new(Outbox::default());
        let (sms_url, sms) = sms_listener(vec![503]);
        let digital = Arc::new(
            Digital::new(server.clone(), PUBLIC)
                .with_mailer(mails.clone())
                .with_sms(Arc::new(HttpSmsProvider::new(HttpSmsConfig {
                    url: sms_url,
                    token: "sms-secret-token".into(),
                    sender: Some("BOUTIQUE".into()),
                    timeout: Duration::from_secs(5),
                }))),
        );
        let app = spawn_app(
            http::router(server.clone()).merge(pos_server::digital::router(digital.clone())),
        )
        .unwrap();
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let mut config = RegisterConfig::france(
            StoreId::new("lyon-2").unwrap(),
            RegisterId::new("till-7").unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap();
        config.receipt.link_base = Some(PUBLIC.into());
        config.receipt.trader = pos_hw::receipt::TraderFacts {
            name: "Épicerie test".into(),
            address: vec!["1 rue de l'Exemple".into(), "75011 Paris".into()],
            siret: "40483304800022".into(),
            vat_number: Some("FR83404833048".into()),
        };
        let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[9u8; 32]).unwrap();
        let mut till = Register::in_memory(
            config,
            clock.clone(),
            IdGenerator::seeded(5),
            Box::new(signer),
        )
        .unwrap();
        till.import_catalog_json(&catalog()).unwrap();
        let mut http = UreqTransport::new(app.url());
        let code = enrolment_code(&server, "r1", "lyon-2");
        pos_sdk::sync::enroll(&mut till, &mut http, &code, None).unwrap();
        World {
            app,
            server,
            digital,
            till,
            clock,
            mails,
            sms,
        }
    }

    /// The till's clock follows the real one (requests are signed with it
    /// and checked against the server's), strictly increasing.
    fn tick(&self) {
        self.clock.advance_millis(1);
        let now = Utc::now();
        if now > self.clock_now() {
            self.clock.set(now);
        }
    }

    fn clock_now(&self) -> chrono::DateTime<Utc> {
        use pos_sdk::Clock;
        self.clock.now()
    }

    fn customer(
        &mut self,
        email: Option<&str>,
        phone: Option<&str>,
        grants: &[Channel],
    ) -> CustomerId {
        self.tick();
        let c = self
            .till
            .create_customer(
                PersonalData {
                    given_name: Some("Camille".into()),
                    family_name: Some("Martin".into()),
                    email: email.map(str::to_owned),
                    phone: phone.map(str::to_owned),
                    address: None,
                },
                None,
            )
            .unwrap();
        for ch in grants {
            self.consent(c.id(), *ch, ConsentState::Granted);
        }
        c.id().clone()
    }

    fn consent(&mut self, id: &CustomerId, ch: Channel, state: ConsentState) {
        self.tick();
        self.till
            .set_consent(id, ch, state, ConsentSource::InStore)
            .unwrap();
    }

    fn sell(&mut self, customer: Option<&CustomerId>, codes: &[&str]) -> pos_sdk::CompletedSale {
        self.tick();
        let ctx = self.till.price_context(None);
        let mut cart = self.till.new_cart();
        for c in codes {
            self.till.scan(&mut cart, c, &ctx).unwrap();
        }
        let mut payment = self.till.start_payment(&cart, customer).unwrap();
        let due = payment.remaining().unwrap();
        payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
        let mut options = SaleOptions::by(OperatorId::new("bob").unwrap());
        options.customer = customer.cloned();
        self.till.complete_sale(cart, payment, &options).unwrap()
    }

    fn sync(&mut self) {
        self.tick();
        let client = pos_sdk::sync::client(&mut self.till).unwrap().unwrap();
        let mut http = UreqTransport::new(self.app.url());
        let report = pos_sdk::sync::sync_register(&mut self.till, &client, &mut http).unwrap();
        assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    }

    fn send(
        &mut self,
        ticket: &str,
        ch: Channel,
    ) -> Result<pos_server::digital::SendReceiptResponse, SyncError> {
        self.tick();
        let mut http = UreqTransport::new(self.app.url());
        self.till.send_digital_receipt(&mut http, ticket, ch)
    }

    fn get(&self, path: &str) -> (u16, String, Option<String>) {
        match ureq::get(&format!("{}{path}", self.app.url())).call() {
            Ok(r) => {
                let csp = r.header("content-security-policy").map(str::to_owned);
                (r.status(), r.into_string().unwrap(), csp)
            }
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap(), None),
            Err(e) => panic!("{e}"),
        }
    }

    fn outcomes(&self, ticket: &str) -> Vec<String> {
        self.digital
            .send_log(ticket)
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {} {}", e.channel, e.requested_by, e.outcome))
            .collect()
    }
}

fn refused(e: SyncError) -> (u16, String) {
    match e {
        SyncError::Server { status, code } => (status, code),
        e => panic!("expected a server refusal, got {e}"),
    }
}

fn path_of(link: &str) -> String {
    link.strip_prefix(PUBLIC).unwrap().to_owned()
}

fn scenario<S: Storage>(storage: S) {
    let mut w = World::new(storage);
    let camille = w.customer(
        Some("camille@example.org"),
        Some("+33612345678"),
        &[Channel::EmailReceipt],
    );
    let sale = w.sell(Some(&camille), &["2000000000015", "2000000000022"]);
    let anonymous = w.sell(None, &["2000000000015"]);
    w.sync();
    let ticket = sale.ticket.id().to_owned();

    // The QR link: {base}/r/{ticket id}.{128-bit tag}, the same on every print.
    let link = w.till.receipt_link(&ticket).unwrap().unwrap();
    assert!(link.starts_with(&format!("{PUBLIC}/r/{ticket}.")), "{link}");
    let preview = w
        .till
        .preview_receipt(
            sale.series,
            sale.number,
            pos_hw::receipt::OutputFormat::Html,
        )
        .unwrap();
    let paper = String::from_utf8(preview.bytes).unwrap();
    assert!(paper.contains(&link));

    // The page equals the paper: the same receipt document, then the links.
    let (status, page, csp) = w.get(&path_of(&link));
    assert_eq!(status, 200);
    assert!(csp.unwrap().contains("default-src 'none'"));
    let paper_body = paper.split("</body>").next().unwrap();
    assert!(
        page.starts_with(paper_body),
        "page differs from the paper receipt"
    );
    assert!(page.contains("TOTAL"));
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));

    // Tampered or malformed links show nothing.
    let mut tampered = path_of(&link);
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(w.get(&tampered).0, 404);
    assert_eq!(w.get("/r/nope").0, 404);
    assert_eq!(w.get("/c/nope").0, 404);

    // E-mail: consent granted, sent once; a retry sends nothing.
    let r = w.send(&ticket, Channel::EmailReceipt).unwrap();
    assert_eq!((r.status, r.attempts), (SendStatus::Sent, 1));
    let r = w.send(&ticket, Channel::EmailReceipt).unwrap();
    assert_eq!((r.status, r.attempts), (SendStatus::AlreadySent, 1));
    {
        let mails = w.mails.sent.lock().unwrap();
        assert_eq!(mails.len(), 1);
        let m = &mails[0];
        assert_eq!(m.to, "camille@example.org");
        assert!(m.text.contains("42,40"), "{}", m.text);
        assert!(m.text.contains(&link));
        assert!(m.html.contains(&link));
        assert!(!m.html.contains("<script>"));
        assert!(m.subject.contains(&format!("T{}", sale.number)));
    }

    // SMS: no consent -> a typed refusal, logged, nothing sent.
    let (status, code) = refused(w.send(&ticket, Channel::SmsReceipt).unwrap_err());
    assert_eq!((status, code.as_str()), (403, "consent_refused"));
    assert!(w.sms.lock().unwrap().is_empty());
    // A ticket without a customer cannot be sent either.
    let (_, code) = refused(
        w.send(anonymous.ticket.id(), Channel::EmailReceipt)
            .unwrap_err(),
    );
    assert_eq!(code, "consent_refused");
    assert_eq!(
        w.outcomes(&ticket),
        [
            "email_receipt device:lyon-2/till-7 sent",
            "email_receipt device:lyon-2/till-7 already_sent",
            "sms_receipt device:lyon-2/till-7 refused:no_consent",
        ]
    );
    assert_eq!(
        w.outcomes(anonymous.ticket.id()),
        ["email_receipt device:lyon-2/till-7 refused:no_customer"]
    );

    // With SMS consent: the provider fails once (503), the failure is
    // recorded, the retry goes through; both requests carry the bearer
    // token, the same idempotency key, the number, the total and the link.
    w.consent(&camille, Channel::SmsReceipt, ConsentState::Granted);
    w.sync();
    let (status, code) = refused(w.send(&ticket, Channel::SmsReceipt).unwrap_err());
    assert_eq!((status, code.as_str()), (502, "delivery_failed"));
    let state = w
        .digital
        .send_state(&ticket, Channel::SmsReceipt)
        .unwrap()
        .unwrap();
    assert_eq!(
        (state.state.as_str(), state.error.as_deref()),
        ("failed", Some("provider_status"))
    );
    let r = w.send(&ticket, Channel::SmsReceipt).unwrap();
    assert_eq!((r.status, r.attempts), (SendStatus::Sent, 2));
    let r = w.send(&ticket, Channel::SmsReceipt).unwrap();
    assert_eq!(r.status, SendStatus::AlreadySent);
    {
        let sms = w.sms.lock().unwrap();
        assert_eq!(sms.len(), 2);
        for c in sms.iter() {
            assert_eq!(c.request_line, "POST /v1/sms HTTP/1.1");
            let h = |n: &str| {
                c.headers
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(
                h("authorization").as_deref(),
                Some("Bearer sms-secret-token")
            );
            assert_eq!(h("content-type").as_deref(), Some("application/json"));
            assert_eq!(
                h("idempotency-key"),
                sms.first().and_then(|f| f
                    .headers
                    .iter()
                    .find(|(k, _)| k == "idempotency-key")
                    .map(|(_, v)| v.clone()))
            );
            let body: serde_json::Value = serde_json::from_str(&c.body).unwrap();
            assert_eq!(body["to"], "+33612345678");
            assert_eq!(body["sender"], "BOUTIQUE");
            let text = body["text"].as_str().unwrap();
            assert!(text.contains("42,40 €") && text.contains(&link), "{text}");
            assert!(!text.contains("Camille"));
        }
    }
    let state = w
        .digital
        .send_state(&ticket, Channel::SmsReceipt)
        .unwrap()
        .unwrap();
    assert_eq!(
        (state.state.as_str(), state.reference.as_deref()),
        ("sent", Some("sms-1"))
    );

    // A mail server that is down: recorded as failed, retried later.
    let second = w.sell(Some(&camille), &["2000000000015"]);
    w.sync();
    *w.mails.fail.lock().unwrap() = true;
    let (status, _) = refused(
        w.send(second.ticket.id(), Channel::EmailReceipt)
            .unwrap_err(),
    );
    assert_eq!(status, 502);
    *w.mails.fail.lock().unwrap() = false;
    let r = w.send(second.ticket.id(), Channel::EmailReceipt).unwrap();
    assert_eq!((r.status, r.attempts), (SendStatus::Sent, 2));
    assert_eq!(
        w.outcomes(second.ticket.id()),
        [
            "email_receipt device:lyon-2/till-7 failed:connect",
            "email_receipt device:lyon-2/till-7 sent"
        ]
    );

    // A claim left pending (a crash mid-send) blocks another attempt until
    // it is stale; then the send goes (same idempotency key).
    let t = second.ticket.id().to_owned();
    let now = Utc::now();
    w.server
        .with_tx(|tx| {
            tx.dr_put_send(&SendRecord {
                ticket_id: t.clone(),
                channel: "sms_receipt".into(),
                state: "pending".into(),
                attempts: 1,
                updated_at: now.to_rfc3339(),
                reference: None,
                error: None,
            })
        })
        .unwrap();
    let e = w
        .digital
        .send_receipt("back_office:ana", None, &t, Channel::SmsReceipt, now)
        .unwrap_err();
    assert_eq!(e.code(), "send_in_progress");
    let later = now + chrono::Duration::minutes(11);
    let r = w
        .digital
        .send_receipt("back_office:ana", None, &t, Channel::SmsReceipt, later)
        .unwrap();
    assert_eq!((r.status, r.attempts), (SendStatus::Sent, 2));
    assert_eq!(
        w.outcomes(&t)[2..],
        [
            "sms_receipt back_office:ana in_progress",
            "sms_receipt back_office:ana sent"
        ]
    );

    // Concurrent sends of one ticket (two servers, two clicks): one e-mail.
    let fourth = w.sell(Some(&camille), &["2000000000015"]);
    w.sync();
    let before = w.mails.sent.lock().unwrap().len();
    let digital = &w.digital;
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    digital.send_receipt(
                        "back_office:ana",
                        None,
                        fourth.ticket.id(),
                        Channel::EmailReceipt,
                        Utc::now(),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(w.mails.sent.lock().unwrap().len(), before + 1);
    let sent = results
        .iter()
        .filter(|r| matches!(r, Ok(r) if r.status == SendStatus::Sent))
        .count();
    assert_eq!(sent, 1, "{results:?}");
    for r in &results {
        match r {
            Ok(_) => {}
            Err(e) => assert_eq!(e.code(), "send_in_progress"),
        }
    }

    // Consent withdrawn: refused, nothing sent.
    w.consent(&camille, Channel::EmailReceipt, ConsentState::Withdrawn);
    let third = w.sell(Some(&camille), &["2000000000015"]);
    w.sync();
    let before = w.mails.sent.lock().unwrap().len();
    let (_, code) = refused(
        w.send(third.ticket.id(), Channel::EmailReceipt)
            .unwrap_err(),
    );
    assert_eq!(code, "consent_refused");
    assert_eq!(w.mails.sent.lock().unwrap().len(), before);
    assert_eq!(
        w.outcomes(third.ticket.id()),
        ["email_receipt device:lyon-2/till-7 refused:withdrawn"]
    );

    // A till of another store may not send this store's receipts.
    let secret = b"another-device-secret-0123456789".to_vec();
    let paris_key = hex::encode(
        pos_fiscal::signer::SoftwareSigner::from_secret(&[3u8; 32])
            .unwrap()
            .public_key_sec1(),
    );
    let code = enrolment_code(&w.server, "r-paris", "paris-1");
    w.server
        .enroll_device(
            &code,
            serde_json::json!({"device": "paris-till", "store": "paris-1", "location": "shop",
                "public_key": paris_key})
            .to_string()
            .as_bytes(),
            secret.clone(),
            Utc::now(),
        )
        .unwrap();
    let creds = pos_sync::client::Credentials {
        device: "paris-1/paris-till".into(),
        secret,
    };
    let mut http = UreqTransport::new(w.app.url());
    let e = pos_server::digital::request::send_receipt(
        &mut http,
        &creds,
        &ticket,
        Channel::EmailReceipt,
        Utc::now().timestamp_millis(),
    )
    .unwrap_err();
    assert_eq!(refused(e), (403, "wrong_store".to_owned()));

    // Marketing needs marketing consent; a receipt channel is refused there.
    let e = w
        .digital
        .send_marketing(
            "back_office:ana",
            "lyon-2",
            camille.as_str(),
            Channel::MarketingEmail,
            "noel",
            "Offres",
            "Bonjour",
            Utc::now(),
        )
        .unwrap_err();
    assert!(matches!(
        e,
        pos_server::ServerError::Sync(SyncError::Digital(DigitalFailure::ConsentRefused {
            reason: "no_consent",
            ..
        }))
    ));
    let e = w
        .digital
        .send_marketing(
            "back_office:ana",
            "lyon-2",
            camille.as_str(),
            Channel::EmailReceipt,
            "noel",
            "Offres",
            "Bonjour",
            Utc::now(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "wrong_channel");
    w.consent(&camille, Channel::MarketingSms, ConsentState::Granted);
    w.sync();
    w.digital
        .send_marketing(
            "back_office:ana",
            "lyon-2",
            camille.as_str(),
            Channel::MarketingSms,
            "noel",
            "Offres",
            "Offres de Noël",
            Utc::now(),
        )
        .unwrap();
    let log: Vec<String> = w
        .digital
        .send_log("marketing:noel")
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.channel, e.outcome))
        .collect();
    assert_eq!(
        log,
        ["marketing_email refused:no_consent", "marketing_sms sent"]
    );

    // The customer's page, linked from the receipt page: their tickets of
    // the retailer's stores only, and the cafetière's legal warranty.
    let other = w.customer(Some("dom@example.org"), None, &[]);
    let others = w.sell(Some(&other), &["2000000000015"]);
    w.sync();
    w.server
        .with_tx(|tx| {
            assert!(tx.bo_put_store("lyon-2", "r1")?);
            assert!(tx.bo_put_store("lyon-3", "r1")?);
            assert!(tx.bo_put_store("nice-1", "r2")?);
            for (store, n) in [("lyon-3", "S-LYON3"), ("nice-1", "S-NICE")] {
                let mut r = tx.dr_receipt_by_ticket(&ticket)?.unwrap();
                r.ticket_id = format!("{n}-ticket");
                r.token = format!("{}.AAAAAAAAAAAAAAAAAAAAA{}", r.ticket_id, &n[2..3]);
                r.store = store.into();
                r.facts = r
                    .facts
                    .replace(&format!("\"T{}\"", sale.number), &format!("\"{n}\""));
                assert!(tx.dr_insert_receipt(&r)?);
                assert!(!tx.dr_insert_receipt(&r)?);
            }
            Ok(())
        })
        .unwrap();
    // The printed link (QR) shows the receipt only; the link sent to the
    // customer carries their page key and leads to their history.
    let (_, paper_page, _) = w.get(&path_of(&link));
    assert!(!paper_page.contains(&format!("{PUBLIC}/c/")));
    let sent_link = {
        let mails = w.mails.sent.lock().unwrap();
        let text = &mails[0].text;
        text.lines()
            .find_map(|l| l.strip_prefix("Votre ticket en ligne : "))
            .unwrap()
            .to_owned()
    };
    assert!(sent_link.starts_with(&format!("{link}?c=")), "{sent_link}");
    let (_, wrong_key, _) = w.get(&format!("{}?c=AAAAAAAAAAAAAAAAAAAAAA", path_of(&link)));
    assert!(!wrong_key.contains(&format!("{PUBLIC}/c/")));
    let (_, page, _) = w.get(&path_of(&sent_link));
    let start = page
        .find(&format!("{PUBLIC}/c/"))
        .expect("a link to the customer page");
    let customer_link: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let (status, mine, _) = w.get(&path_of(&customer_link));
    assert_eq!(status, 200);
    for n in [sale.number, second.number, third.number] {
        assert!(mine.contains(&format!(">T{n}<")), "T{n} missing");
    }
    assert!(
        mine.contains(">S-LYON3<"),
        "a ticket of the same retailer's other store"
    );
    assert!(!mine.contains(">S-NICE<"), "another retailer's ticket");
    assert!(
        !mine.contains(&format!(">T{}<", others.number)),
        "another customer's ticket"
    );
    assert!(!mine.contains(&format!(">T{}<", anonymous.number)));
    assert!(mine.contains("Garanties") && mine.contains("Cafetière à piston"));
    let bought = sale
        .ticket
        .at()
        .with_timezone(&w.till.config().time_zone)
        .date_naive();
    let until = bought.checked_add_months(chrono::Months::new(24)).unwrap();
    assert!(mine.contains(&until.format("%d/%m/%Y").to_string()));
    assert!(!mine.contains("<script>"));
    let stored: StoredReceipt = w
        .server
        .with_tx(|tx| tx.dr_receipt_by_ticket(&ticket))
        .unwrap()
        .unwrap();
    assert_eq!(stored.customer.as_deref(), Some(camille.as_str()));

    // After erasure (RGPD) the customer page is gone and sends are refused.
    w.tick();
    w.till
        .erase_customer(&camille, &OperatorId::new("bob").unwrap())
        .unwrap();
    w.sync();
    assert_eq!(w.get(&path_of(&customer_link)).0, 404);
    let fourth_ticket = third.ticket.id().to_owned();
    let (_, code) = refused(w.send(&fourth_ticket, Channel::SmsReceipt).unwrap_err());
    assert_eq!(code, "consent_refused");
    assert_eq!(
        w.outcomes(&fourth_ticket).last().unwrap(),
        "sms_receipt device:lyon-2/till-7 refused:erased"
    );
}

#[test]
fn digital_receipts_on_sqlite() {
    scenario(pos_server::SqliteStorage::in_memory().unwrap());
}

#[test]
fn digital_receipts_on_postgres() {
    let pg = pg::Pg::start();
    scenario(pos_server::PostgresStorage::connect(&pg.url).unwrap());
}

#[test]
fn golden_link_vectors() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("digital_vectors.json")).unwrap();
    for c in doc["cases"].as_array().unwrap() {
        let key = hex::decode(c["key_hex"].as_str().unwrap()).unwrap();
        let ticket = c["ticket_id"].as_str().unwrap();
        let token = pos_server::digital::token::link_token(&key, ticket).unwrap();
        assert_eq!(token, c["token"].as_str().unwrap());
        assert!(pos_server::digital::token::is_well_formed(&token));
        let url = pos_server::digital::token::receipt_url(c["link_base"].as_str().unwrap(), &token);
        assert_eq!(url, c["url"].as_str().unwrap());
    }
}

fn facts_with_label(label: &str) -> pos_hw::receipt::ReceiptFacts {
    serde_json::from_value(serde_json::json!({
        "currency": "EUR",
        "trader": {"name": label, "address": ["1 rue X"], "siret": "55210055400018", "vat_number": null},
        "register": "T1", "ticket_number": "T1", "local_time": "2026-05-02T12:00:00",
        "operator": label,
        "lines": [{"label": label, "quantity": "1", "unit": null, "unit_price": "2.50",
                   "amount": "2.50", "vat_label": "A", "discount": null, "durable_good": true}],
        "vat": [{"label": "A", "rate": "5,50 %", "net": "2.37", "vat": "0.13", "gross": "2.50"}],
        "total": "2.50",
        "payments": [{"tender": "card", "label": "Carte", "amount": "2.50"}],
        "change": "0", "software_name": "pos-sdk", "software_version": "0",
        "certificate": null, "signature_extract": "AbCd",
        "receipt_url": "https://h/r/t.AAAAAAAAAAAAAAAAAAAAAA", "kind": {"kind": "sale"}
    }))
    .unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever a product, trader or operator name holds, the pages and the
    /// e-mail never carry a raw `<` from it, and the token stays well-formed
    /// with a URL of unreserved or percent-encoded characters only.
    #[test]
    fn pages_escape_any_text_and_links_stay_clean(label in "[<>&\"' a-zA-Z0-9é/]{1,40}", id in "[ -~é]{1,60}") {
        let hostile = format!("<zz-xss a=\"{label}\">");
        let facts = facts_with_label(&hostile);
        let page = pos_server::digital::page::receipt_page(&facts, Some("https://h/c/x\"><script>")).unwrap();
        let mail = pos_server::digital::service::receipt_mail(&facts, "a@b.fr", "https://h/r/x", "t", "b.fr").unwrap();
        let stored = StoredReceipt {
            token: "t.AAAAAAAAAAAAAAAAAAAAAA".into(), store: "s".into(), device: "d".into(),
            ticket_id: "t".into(), customer: None, at: "2026-05-02T10:00:00Z".into(),
            total: "2.50".into(), facts: serde_json::to_string(&facts).unwrap(),
        };
        let customer = pos_server::digital::page::customer_page(&[stored]).unwrap();
        for html in [&page, &mail.html, &customer] {
            proptest::prop_assert!(!html.contains("<script"));
            proptest::prop_assert!(!html.contains("<zz-xss"));
        }
        let token = pos_server::digital::token::link_token(&[5u8; 32], &id).unwrap();
        proptest::prop_assert!(pos_server::digital::token::is_well_formed(&token));
        let url = pos_server::digital::token::receipt_url("https://h", &token);
        proptest::prop_assert!(url["https://h/r/".len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    }
}
