//! Chain retail at the till (issue 16), on SQLite and on PostgreSQL: a
//! retailer with two stores (`a-paris`, `a-lyon`), a real till in each
//! (pos-sdk registers over HTTP), and a second retailer (`z-other`) whose
//! till holds valid credentials.
//!
//! A customer created at Paris is found at Lyon's till online (phone as
//! typed, e-mail in capitals, name without accents, loyalty card) with the
//! points of both stores, and offline from Lyon's pulled cache; their
//! history lists the tickets of both stores; Paris's stock is seen from
//! Lyon; a transfer from Paris to Lyon started at Paris's till reaches
//! Lyon's till at its next pull; a click & collect order in Lyon reserves
//! Lyon's stock. An erasure at Paris makes the customer unfindable
//! everywhere. The other retailer's till gets nothing of the first
//! retailer (empty answers or 404, no row changed), and malformed inputs
//! are refused with a stable code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod support;

use chrono::Utc;
use pos_core::customer::PersonalData;
use pos_core::ids::{CustomerId, LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::loyalty::LoyaltyProgram;
use pos_core::stock::{MovementReason, StockMovement};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_fiscal::signer::Signer;
use pos_sdk::chain::{self, Place};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::{Server, Storage};
use pos_sync::SyncError;
use pos_sync::client::{Credentials, signed};
use pos_sync::http_client::UreqTransport;
use pos_sync::retail::paths;
use pos_sync::transport::{HttpRequest, Transport};
use rust_decimal::Decimal;
use std::sync::Arc;
use support::snapshot::{self, Snapshot};

const HOUR_MS: i64 = 3_600_000;
/// What identifies retailer A's rows.
const A_MARKERS: [&str; 4] = ["ret-a", "a-paris", "a-lyon", "helene.leboeuf@example.org"];

fn catalog() -> String {
    serde_json::json!({
        "currency": "EUR", "vat_country": "FR",
        "categories": [{"id": "c", "name": "C"}],
        "products": [
            {"id": "P-TS", "name": "T-shirt", "categories": ["c"], "vat": "20",
             "variants": [{"sku": "TS-M", "barcodes": ["2000000000015"], "price": "20.00"}]}
        ],
        "price_lists": []
    })
    .to_string()
}

struct Till {
    register: Register,
    clock: Arc<ManualClock>,
    url: String,
}

impl Till {
    fn new<S: Storage>(
        server: &Server<S>,
        url: &str,
        retailer: &str,
        store: &str,
        seed: u8,
    ) -> Till {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let config = RegisterConfig::france(
            StoreId::new(store).unwrap(),
            RegisterId::new("till-1").unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap();
        let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[seed; 32]).unwrap();
        let mut register = Register::in_memory(
            config,
            clock.clone(),
            IdGenerator::seeded(u64::from(seed)),
            Box::new(signer),
        )
        .unwrap();
        register.import_catalog_json(&catalog()).unwrap();
        register
            .set_loyalty_program(Some(&LoyaltyProgram {
                currency: Currency::EUR,
                points_per_unit: Decimal::ONE,
                bonuses: vec![],
                tiers: vec![],
                rewards: vec![],
                point_value: Money::parse("0.01", Currency::EUR).unwrap(),
                expiry_days: None,
                tier_window_days: 365,
            }))
            .unwrap();
        let (code, _) = server
            .enrolment_code(retailer, store, None, HOUR_MS, Utc::now())
            .unwrap();
        let mut http = UreqTransport::new(url);
        pos_sdk::sync::enroll(&mut register, &mut http, &code.secret, None).unwrap();
        Till {
            register,
            clock,
            url: url.to_owned(),
        }
    }

    fn tick(&self) {
        use pos_sdk::Clock;
        self.clock.advance_millis(1);
        let now = Utc::now();
        if now > self.clock.now() {
            self.clock.set(now);
        }
    }

    fn http(&self) -> UreqTransport {
        UreqTransport::new(&self.url)
    }

    fn sell(&mut self, customer: Option<&CustomerId>) {
        self.tick();
        let ctx = self.register.price_context(None);
        let mut cart = self.register.new_cart();
        self.register.scan(&mut cart, "TS-M", &ctx).unwrap();
        let mut payment = self.register.start_payment(&cart, customer).unwrap();
        let due = payment.remaining().unwrap();
        payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
        let mut options = SaleOptions::by(OperatorId::new("bob").unwrap());
        options.customer = customer.cloned();
        self.register
            .complete_sale(cart, payment, &options)
            .unwrap();
    }

    fn sync(&mut self) {
        self.tick();
        let client = pos_sdk::sync::client(&mut self.register).unwrap().unwrap();
        let mut http = self.http();
        let report = pos_sdk::sync::sync_register(&mut self.register, &client, &mut http).unwrap();
        assert!(report.rejections.is_empty(), "{:?}", report.rejections);
        assert_eq!(report.skipped, 0);
    }

    fn on_hand(&self) -> Decimal {
        self.register
            .stock_level(
                &Sku::new("TS-M").unwrap(),
                &LocationId::new("shop").unwrap(),
            )
            .unwrap()
            .on_hand
    }
}

fn sku() -> Sku {
    Sku::new("TS-M").unwrap()
}

fn place(store: &str) -> Place {
    Place {
        store: StoreId::new(store).unwrap(),
        location: LocationId::new("shop").unwrap(),
    }
}

/// A raw device of retailer Z (valid credentials, hand-made requests).
fn raw_device<S: Storage>(server: &Server<S>) -> Credentials {
    let (code, _) = server
        .enrolment_code("ret-z", "z-other", None, HOUR_MS, Utc::now())
        .unwrap();
    let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[42; 32]).unwrap();
    let body = serde_json::json!({
        "device": "raw", "store": "z-other", "location": "shop",
        "public_key": hex::encode(signer.public_key_sec1()),
    });
    let secret = b"raw-device-secret".to_vec();
    let r = server
        .enroll_device(
            &code.secret,
            body.to_string().as_bytes(),
            secret.clone(),
            Utc::now(),
        )
        .unwrap();
    Credentials {
        device: r.device,
        secret,
    }
}

/// (status, error code) of a signed `POST path` with `body`.
fn post<S: Storage>(
    server: &Server<S>,
    creds: &Credentials,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let now = Utc::now();
    let req = signed(
        creds,
        "POST",
        path,
        body.to_string().into_bytes(),
        now.timestamp_millis(),
    );
    let resp = server.handle(&req, now);
    (
        resp.status,
        serde_json::from_slice(&resp.body).unwrap_or_default(),
    )
}

fn refused_code(e: SyncError) -> (u16, String) {
    match e {
        SyncError::Server { status, code } => (status, code),
        other => panic!("expected a server refusal, got {other:?}"),
    }
}

fn suite<S: Storage>(server: Server<S>, snap: &dyn Fn() -> Snapshot) {
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("ret-a", "Retailer A", "111111111")?;
            tx.bo_put_store("a-paris", "ret-a")?;
            tx.bo_put_store("a-lyon", "ret-a")?;
            tx.bo_put_retailer("ret-z", "Retailer Z", "999999999")?;
            tx.bo_put_store("z-other", "ret-z")?;
            Ok(())
        })
        .unwrap();
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let url = running.url().to_owned();
    let mut paris = Till::new(&server, &url, "ret-a", "a-paris", 1);
    let mut lyon = Till::new(&server, &url, "ret-a", "a-lyon", 2);
    let mut other = Till::new(&server, &url, "ret-z", "z-other", 3);

    // Paris receives 10 T-shirts; a customer is created and buys one.
    server
        .add_stock(
            "a-paris",
            &[StockMovement {
                id: pos_core::ids::MovementId::new("rcv-1").unwrap(),
                reason: MovementReason::Receipt,
                sku: sku(),
                location: LocationId::new("shop").unwrap(),
                quantity: Decimal::from(10),
                operator: OperatorId::new("bo").unwrap(),
                at: Utc::now(),
                reference: None,
            }],
        )
        .unwrap();
    paris.tick();
    let helene = paris
        .register
        .create_customer(
            PersonalData {
                given_name: Some("Hélène".into()),
                family_name: Some("Le Bœuf".into()),
                email: Some("helene.leboeuf@example.org".into()),
                phone: Some("+33 6 12 34 56 78".into()),
                address: None,
            },
            None,
        )
        .unwrap();
    let id = helene.id().clone();
    paris.sell(Some(&id));
    paris.sync();

    // Lyon's till pulls: the customer is in its cache, found offline.
    lyon.sync();
    for q in [
        "helene",
        "06 12 34 56 78",
        "HELENE.LEBOEUF@EXAMPLE.ORG",
        id.as_str(),
    ] {
        let found = lyon.register.find_customers(q).unwrap();
        assert_eq!(found.len(), 1, "offline {q}");
        assert_eq!(found[0].id(), &id);
    }
    // Lyon sells to her too.
    lyon.sell(Some(&id));
    lyon.sync();

    // Online from Lyon: found by phone, e-mail, name and card, with the
    // points of both stores.
    let points_paris = i64::try_from(paris.register.loyalty_balance(&id).unwrap()).unwrap();
    let points_lyon = i64::try_from(lyon.register.loyalty_balance(&id).unwrap()).unwrap();
    assert!(points_paris > 0 && points_lyon > 0);
    for q in [
        "06.12.34.56.78",
        "+33612345678",
        "Helene.LeBoeuf@Example.org",
        "hélène bœuf",
        "BOEUF",
        id.as_str(),
    ] {
        let found = chain::search_customers(&lyon.register, &mut lyon.http(), q).unwrap();
        assert_eq!(found.len(), 1, "online {q}");
        assert_eq!(found[0].customer.id(), &id);
        assert_eq!(found[0].points, points_paris + points_lyon, "{q}");
    }
    assert!(
        chain::search_customers(&lyon.register, &mut lyon.http(), "martin")
            .unwrap()
            .is_empty()
    );

    // History: the tickets of both stores, newest first.
    let history = chain::customer_history(&lyon.register, &mut lyon.http(), &id).unwrap();
    let stores: Vec<&str> = history.iter().map(|t| t.store.as_str()).collect();
    assert_eq!(stores, ["a-lyon", "a-paris"]);
    for t in &history {
        assert_eq!(t.register, "till-1");
        assert_eq!(t.total, Decimal::from(20));
        assert_eq!(t.lines.len(), 1);
        assert_eq!(t.lines[0].label, "T-shirt");
        assert_eq!(t.lines[0].quantity, Decimal::ONE);
    }

    // Stock of both stores from Lyon's till.
    let levels = chain::stock_in_stores(&lyon.register, &mut lyon.http(), &sku()).unwrap();
    let view: Vec<(&str, Decimal)> = levels
        .iter()
        .map(|l| (l.store.as_str(), l.available))
        .collect();
    assert_eq!(
        view,
        [("a-lyon", Decimal::from(-1)), ("a-paris", Decimal::from(9))]
    );

    // A transfer Paris -> Lyon started at Paris reaches Lyon's till.
    let before_lyon = lyon.on_hand();
    let t = chain::start_transfer(
        &paris.register,
        &mut paris.http(),
        &sku(),
        &place("a-paris"),
        &place("a-lyon"),
        Decimal::from(4),
    )
    .unwrap();
    assert!(t.created);
    lyon.sync();
    assert_eq!(lyon.on_hand(), before_lyon + Decimal::from(4));
    paris.sync();
    let levels = chain::stock_in_stores(&paris.register, &mut paris.http(), &sku()).unwrap();
    let view: Vec<(&str, Decimal)> = levels
        .iter()
        .map(|l| (l.store.as_str(), l.available))
        .collect();
    assert_eq!(
        view,
        [("a-lyon", Decimal::from(3)), ("a-paris", Decimal::from(5))]
    );
    // Not more than Paris has.
    let e = chain::start_transfer(
        &paris.register,
        &mut paris.http(),
        &sku(),
        &place("a-paris"),
        &place("a-lyon"),
        Decimal::from(50),
    )
    .unwrap_err();
    assert_eq!(refused_code(e), (409, "insufficient_stock".to_owned()));

    // A click & collect order in Lyon from Paris's till reserves Lyon's stock.
    let o = chain::order_in_store(
        &paris.register,
        &mut paris.http(),
        &StoreId::new("a-lyon").unwrap(),
        &LocationId::new("shop").unwrap(),
        &[(sku(), Decimal::from(2))],
        None,
    )
    .unwrap();
    assert_eq!((o.store.as_str(), o.state.as_str()), ("a-lyon", "received"));
    let levels = chain::stock_in_stores(&lyon.register, &mut lyon.http(), &sku()).unwrap();
    let lyon_level = levels
        .iter()
        .find(|l| l.store.as_str() == "a-lyon")
        .unwrap();
    assert_eq!(lyon_level.reserved, Decimal::from(2));
    assert_eq!(lyon_level.available, Decimal::ONE);
    let e = chain::order_in_store(
        &paris.register,
        &mut paris.http(),
        &StoreId::new("a-lyon").unwrap(),
        &LocationId::new("shop").unwrap(),
        &[(sku(), Decimal::from(2))],
        None,
    )
    .unwrap_err();
    assert_eq!(refused_code(e), (409, "insufficient_stock".to_owned()));

    // ---- the other retailer: valid credentials, nothing of A ----
    let before = snap();
    other.sync();
    assert!(other.register.find_customers("helene").unwrap().is_empty());
    assert!(
        other
            .register
            .find_customers(id.as_str())
            .unwrap()
            .is_empty()
    );
    for q in [
        "helene",
        "06 12 34 56 78",
        "helene.leboeuf@example.org",
        id.as_str(),
    ] {
        let found = chain::search_customers(&other.register, &mut other.http(), q).unwrap();
        assert!(found.is_empty(), "{q}");
    }
    assert!(
        chain::customer_history(&other.register, &mut other.http(), &id)
            .unwrap()
            .is_empty()
    );
    assert!(
        chain::stock_in_stores(&other.register, &mut other.http(), &sku())
            .unwrap()
            .is_empty()
    );
    for (from, to) in [
        ("a-paris", "z-other"),
        ("z-other", "a-lyon"),
        ("a-paris", "a-lyon"),
    ] {
        let e = chain::start_transfer(
            &other.register,
            &mut other.http(),
            &sku(),
            &place(from),
            &place(to),
            Decimal::ONE,
        )
        .unwrap_err();
        assert_eq!(
            refused_code(e),
            (404, "not_found".to_owned()),
            "{from} -> {to}"
        );
    }
    let e = chain::order_in_store(
        &other.register,
        &mut other.http(),
        &StoreId::new("a-lyon").unwrap(),
        &LocationId::new("shop").unwrap(),
        &[(sku(), Decimal::ONE)],
        None,
    )
    .unwrap_err();
    assert_eq!(refused_code(e), (404, "not_found".to_owned()));
    snapshot::assert_unchanged(
        &before,
        &snap(),
        &A_MARKERS,
        "retail routes of another retailer",
    );

    // ---- inputs checked with pos-core's types; unsigned callers refused ----
    let raw = raw_device(&server);
    let cases = [
        (
            paths::CUSTOMER_SEARCH,
            serde_json::json!({"protocol": 1, "query": "  "}),
            400,
        ),
        (
            paths::CUSTOMER_SEARCH,
            serde_json::json!({"protocol": 1, "query": "a\u{7}"}),
            400,
        ),
        (
            paths::CUSTOMER_SEARCH,
            serde_json::json!({"protocol": 2, "query": "x"}),
            400,
        ),
        (
            paths::CUSTOMER_HISTORY,
            serde_json::json!({"protocol": 1, "customer": ""}),
            400,
        ),
        (
            paths::STOCK,
            serde_json::json!({"protocol": 1, "sku": "x".repeat(65)}),
            400,
        ),
        (
            paths::STOCK,
            serde_json::json!({"protocol": 1, "sku": "TS-M", "store": "a-paris"}),
            400,
        ),
        (
            paths::TRANSFER,
            serde_json::json!({"protocol": 1, "id": "t", "sku": "TS-M", "from_store": "z-other",
                "from": "shop", "to_store": "z-other", "to": "back", "quantity": "-1"}),
            400,
        ),
        (
            paths::ORDER,
            serde_json::json!({"protocol": 1, "store": "z-other", "id": "o", "location": "shop", "lines": []}),
            400,
        ),
        ("/v1/retail/nothing", serde_json::json!({}), 404),
    ];
    for (path, body, status) in cases {
        let (got, err) = post(&server, &raw, path, &body);
        assert_eq!(got, status, "{path} {body} -> {err}");
        assert!(err["code"].as_str().is_some_and(|c| !c.is_empty()));
    }
    let (status, err) = post(
        &server,
        &Credentials {
            device: raw.device.clone(),
            secret: b"wrong".to_vec(),
        },
        paths::STOCK,
        &serde_json::json!({"protocol": 1, "sku": "TS-M"}),
    );
    assert_eq!(status, 401, "{err}");
    let unsigned = HttpRequest {
        method: "POST",
        path: paths::CUSTOMER_SEARCH.into(),
        headers: vec![],
        body: br#"{"protocol":1,"query":"helene"}"#.to_vec(),
    };
    assert_eq!(
        UreqTransport::new(&url).send(&unsigned).unwrap().status,
        401
    );

    // ---- erasure at Paris: never found again, online or offline ----
    paris.tick();
    assert!(
        paris
            .register
            .erase_customer(&id, &OperatorId::new("dpo").unwrap())
            .unwrap()
    );
    paris.sync();
    for q in ["helene", "06 12 34 56 78", id.as_str()] {
        let found = chain::search_customers(&lyon.register, &mut lyon.http(), q).unwrap();
        assert!(found.is_empty(), "online {q}");
    }
    lyon.sync();
    assert!(lyon.register.customer(&id).unwrap().is_erased());
    for q in ["helene", "06 12 34 56 78", id.as_str()] {
        assert!(
            lyon.register.find_customers(q).unwrap().is_empty(),
            "offline {q}"
        );
    }
    drop(running);
}

#[test]
fn sqlite_customers_history_stock_and_transfers_across_the_retailers_stores() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let server = Server::new(pos_server::SqliteStorage::open(&path).unwrap());
    suite(server, &|| snapshot::sqlite(&path));
}

#[test]
fn postgres_customers_history_stock_and_transfers_across_the_retailers_stores() {
    let pg = support::pg::Pg::start();
    let server = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    let url = pg.url.clone();
    suite(server, &move || snapshot::postgres(&url));
}
