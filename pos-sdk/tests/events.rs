//! What a till tells the app: the register listener (sales, sync status, offline / online, printer), and
//! the async sync round, which leaves the register free while a request
//! is out, against a real in-process sync server.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::ids::{CustomerId, LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_sdk::events::{PrinterStatus, RegisterListener};
use pos_sdk::sync::SyncStatus;
use pos_sdk::{CompletedSale, IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_sync::client::SyncClient;
use pos_sync::http_client::UreqTransport;
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use rust_decimal::Decimal;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

#[path = "support/server.rs"]
mod support_server;
use support_server::{code, server};

/// A port nothing listens on: the network is down.
const DOWN: &str = "http://127.0.0.1:9";

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn till(dir: &std::path::Path) -> (Register, Arc<ManualClock>) {
    let at: DateTime<Utc> = "2026-09-01T08:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-e").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.join("till.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(11),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    (reg, clock)
}

pub fn enroll(
    reg: &mut Register,
    server: &pos_server::Server<pos_server::SqliteStorage>,
    url: &str,
) -> (SyncClient, String) {
    let code = code(server, None);
    let enrolled = pos_sdk::sync::enroll(reg, &mut UreqTransport::new(url), &code, None).unwrap();
    (
        pos_sdk::sync::client(reg).unwrap().unwrap(),
        enrolled.secret,
    )
}

/// One baguette (1.30) paid cash, for `customer` if any.
fn sell(reg: &mut Register, clock: &ManualClock, customer: Option<&CustomerId>) -> CompletedSale {
    clock.advance_millis(60_000);
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, customer).unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur("1.30")))
        .unwrap();
    let mut options = SaleOptions::by(OperatorId::new("alice").unwrap());
    options.customer = customer.cloned();
    reg.complete_sale(cart, payment, &options).unwrap()
}

/// What a listener heard, in order.
#[derive(Debug, Default)]
struct Heard(Mutex<Vec<String>>);

impl Heard {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl RegisterListener for Heard {
    fn sale_committed(&self, sale: &CompletedSale) {
        self.0.lock().unwrap().push(format!(
            "sale {}{} {}",
            sale.series.code(),
            sale.number,
            sale.ticket.total().format_plain()
        ));
    }
    fn sync_status_changed(&self, status: &SyncStatus) {
        self.0.lock().unwrap().push(format!(
            "sync pending={} offline={}",
            status.pending,
            status.offline_since.is_some()
        ));
    }
    fn connectivity_changed(&self, online: bool) {
        self.0.lock().unwrap().push(format!("online={online}"));
    }
    fn printer_status_changed(&self, status: PrinterStatus) {
        self.0
            .lock()
            .unwrap()
            .push(format!("printer {}", status.code()));
    }
}

#[derive(Debug)]
struct Panicky;

impl RegisterListener for Panicky {
    fn sale_committed(&self, _sale: &CompletedSale) {
        panic!("a listener bug");
    }
}

#[test]
fn the_listener_hears_sales_sync_rounds_connectivity_and_the_printer() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let (mut reg, clock) = till(dir.path());
    let (client, _) = enroll(&mut reg, &server, running.url());
    let heard = Arc::new(Heard::default());
    reg.set_listener(Some(heard.clone()));

    sell(&mut reg, &clock, None);
    assert_eq!(heard.take(), ["sale T1 1.30"]);

    let mut down = UreqTransport::new(DOWN);
    assert!(pos_sdk::sync::sync_register(&mut reg, &client, &mut down).is_err());
    assert_eq!(
        heard.take(),
        ["online=false", "sync pending=1 offline=true"]
    );
    let mut http = UreqTransport::new(running.url());
    pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
    assert_eq!(
        heard.take(),
        ["online=true", "sync pending=0 offline=false"]
    );

    // Only changes are heard.
    reg.report_printer_status(PrinterStatus::Ready);
    reg.report_printer_status(PrinterStatus::Ready);
    let flags = pos_hw::escpos::status::StatusFlags {
        paper_out: true,
        ..Default::default()
    };
    reg.report_printer_status(PrinterStatus::from_flags(&flags));
    assert_eq!(heard.take(), ["printer ready", "printer paper_out"]);
    assert_eq!(reg.printer_status(), Some(PrinterStatus::PaperOut));

    // Removed: nothing more is heard.
    reg.set_listener(None);
    sell(&mut reg, &clock, None);
    assert!(heard.take().is_empty());
}

#[test]
fn a_panicking_listener_cannot_break_a_sale() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, clock) = till(dir.path());
    reg.set_listener(Some(Arc::new(Panicky)));
    let sale = sell(&mut reg, &clock, None);
    assert_eq!(sale.number, 1);
    // The sale is there, and the till sells on.
    assert_eq!(reg.ticket(sale.ticket.id()).unwrap().id(), sale.ticket.id());
    assert_eq!(sell(&mut reg, &clock, None).number, 2);
    assert!(reg.verify().unwrap().is_intact());
}

/// A request held until the test opens the gate, then sent for real.
struct Gated {
    open: Arc<AtomicBool>,
    url: String,
    req: HttpRequest,
}

impl Future for Gated {
    type Output = pos_sync::Result<HttpResponse>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.open.load(Ordering::SeqCst) {
            return Poll::Pending;
        }
        Poll::Ready(UreqTransport::new(&self.url).send(&self.req))
    }
}

fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_sale_completes_while_an_async_round_awaits_its_transport() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let (mut reg, clock) = till(dir.path());
    let (client, _) = enroll(&mut reg, &server, running.url());
    sell(&mut reg, &clock, None);
    let heard = Arc::new(Heard::default());
    reg.set_listener(Some(heard.clone()));
    let shared = Mutex::new(reg);
    let open = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let (gate, log, url) = (open.clone(), sent.clone(), running.url().to_owned());
    let round = pos_sdk::sync::sync_register_async(&shared, &client, move |req: HttpRequest| {
        log.lock().unwrap().push(req.path.clone());
        Gated {
            open: gate.clone(),
            url: url.clone(),
            req,
        }
    });
    let mut round = Box::pin(round);
    assert!(poll_once(round.as_mut()).is_pending());
    assert_eq!(*sent.lock().unwrap(), ["/v1/push"]);

    // The first push is out: the register is free, a sale goes through.
    {
        let mut reg = shared.try_lock().expect("the round holds the register");
        sell(&mut reg, &clock, None);
    }
    assert_eq!(heard.take(), ["sale T2 1.30"]);

    open.store(true, Ordering::SeqCst);
    let report = loop {
        if let Poll::Ready(r) = poll_once(round.as_mut()) {
            break r.unwrap();
        }
    };
    // The sale made meanwhile went in a second push of the same round.
    assert_eq!(report.pushes, 2, "{report:?}");
    assert_eq!(*sent.lock().unwrap(), ["/v1/push", "/v1/push", "/v1/pull"]);
    assert_eq!(heard.take(), ["sync pending=0 offline=false"]);
    drop(round);
    let mut reg = shared.into_inner().unwrap();
    let status = pos_sdk::sync::status(&mut reg).unwrap();
    assert_eq!(status.pending, 0);
    assert!(status.last_success.is_some());
}

#[test]
fn an_async_round_that_cannot_reach_the_server_opens_an_offline_period() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let (mut reg, clock) = till(dir.path());
    let (client, _) = enroll(&mut reg, &server, running.url());
    sell(&mut reg, &clock, None);
    let shared = Mutex::new(reg);
    let send_to = |url: &'static str| {
        move |req: HttpRequest| std::future::ready(UreqTransport::new(url).send(&req))
    };
    let down = pos_sdk::sync::sync_register_async(&shared, &client, send_to(DOWN));
    let Poll::Ready(out) = poll_once(std::pin::pin!(down)) else {
        panic!("a ready transport completes at once");
    };
    assert!(out.unwrap_err().is_transient());
    assert!(
        pos_sdk::sync::status(&mut shared.lock().unwrap())
            .unwrap()
            .offline_since
            .is_some()
    );
    let url: &'static str = Box::leak(running.url().to_owned().into_boxed_str());
    let up = pos_sdk::sync::sync_register_async(&shared, &client, send_to(url));
    let Poll::Ready(out) = poll_once(std::pin::pin!(up)) else {
        panic!("a ready transport completes at once");
    };
    out.unwrap();
    let status = pos_sdk::sync::status(&mut shared.lock().unwrap()).unwrap();
    assert_eq!((status.pending, status.offline_since), (0, None));
}

#[test]
fn an_async_enrolment_leaves_the_register_free_while_the_request_is_out() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let (reg, clock) = till(dir.path());
    let shared = Mutex::new(reg);
    let open = Arc::new(AtomicBool::new(false));
    let (gate, url) = (open.clone(), running.url().to_owned());
    let code = code(&server, None);
    let enrolment = pos_sdk::sync::enroll_async(
        &shared,
        move |req: HttpRequest| Gated {
            open: gate,
            url,
            req,
        },
        &code,
        None,
    );
    let mut enrolment = Box::pin(enrolment);
    assert!(poll_once(enrolment.as_mut()).is_pending());
    // The request is out: the till sells meanwhile, and is not enrolled yet.
    {
        let mut reg = shared.try_lock().expect("the enrolment holds the register");
        sell(&mut reg, &clock, None);
        assert!(pos_sdk::sync::client(&mut reg).unwrap().is_none());
    }
    open.store(true, Ordering::SeqCst);
    let enrolled = loop {
        if let Poll::Ready(r) = poll_once(enrolment.as_mut()) {
            break r.unwrap();
        }
    };
    drop(enrolment);
    assert_eq!(enrolled.device, "lille-1/till-e");
    let mut reg = shared.into_inner().unwrap();
    let client = pos_sdk::sync::client(&mut reg).unwrap().unwrap();
    let report =
        pos_sdk::sync::sync_register(&mut reg, &client, &mut UreqTransport::new(running.url()))
            .unwrap();
    assert!(report.pushes >= 1);
    assert_eq!(pos_sdk::sync::status(&mut reg).unwrap().pending, 0);

    // The code is single-use: a second till cannot enrol with it, and keeps
    // no credentials.
    let other = tempfile::tempdir().unwrap();
    let (reg2, _) = till(other.path());
    let shared2 = Mutex::new(reg2);
    let again = pos_sdk::sync::enroll_async(
        &shared2,
        |req: HttpRequest| std::future::ready(UreqTransport::new(running.url()).send(&req)),
        &code,
        None,
    );
    let Poll::Ready(out) = poll_once(std::pin::pin!(again)) else {
        panic!("a ready transport completes at once");
    };
    assert!(out.is_err());
    assert!(
        pos_sdk::sync::client(&mut shared2.lock().unwrap())
            .unwrap()
            .is_none()
    );
}
