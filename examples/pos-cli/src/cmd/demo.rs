//! `pos demo`: a whole store day on a fresh SQLite file.
//!
//! A boulangerie-épicerie-cave opens its till, receives stock, scans French
//! baskets (a weighed cheese from a scale label included), takes split
//! payments, meal vouchers and a gift card, serves a loyalty customer,
//! refunds one sale, closes the day (Z), verifies its fiscal journal and
//! exports the FEC. The clock is simulated (08:30 to 19:30, Paris time) so
//! that every run tells the same story; ids and keys are fresh each run.

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Permissions};
use pos_core::customer::{Channel, ConsentSource, ConsentState, PersonalData};
use pos_core::ids::{LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::loyalty::LoyaltyProgram;
use pos_core::stock::MovementReason;
use pos_core::stored_value::StoredValueKind;
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_hw::receipt::OutputFormat;
use pos_sdk::{
    CompletedSale, IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions, SdkError,
};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `pos demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the till file, receipts and exports (recreated).
    #[arg(long, default_value = "target/pos-demo")]
    pub out: PathBuf,
}

/// Runs the demo.
pub fn run(args: &DemoArgs) -> ExitCode {
    match store_day(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Day {
    till: Register,
    clock: Arc<ManualClock>,
    sales: Vec<CompletedSale>,
}

fn eur(cents: i64) -> Money {
    Money::from_minor_units(cents, Currency::EUR)
}

impl Day {
    fn at(&self, hh_mm: &str) -> Result<(), SdkError> {
        let t: DateTime<Utc> = format!("2026-11-28T{hh_mm}:00+01:00")
            .parse()
            .map_err(|_| SdkError::InvalidInput {
                field: "demo time",
                expected: "HH:MM",
            })?;
        self.clock.set(t);
        Ok(())
    }

    /// Scans `codes`, pays with `tenders` (`None` amount = what remains) and prints the ticket.
    fn sell(
        &mut self,
        title: &str,
        codes: &[&str],
        tenders: &[(TenderMethod, Option<Money>)],
        customer: Option<&pos_core::ids::CustomerId>,
    ) -> Result<(), SdkError> {
        let ctx = self.till.price_context(None);
        let mut cart = self.till.new_cart();
        for code in codes {
            self.till.scan(&mut cart, code, &ctx)?;
        }
        let mut payment = self.till.start_payment(&cart, customer)?;
        for (method, amount) in tenders {
            let amount = match amount {
                Some(a) => *a,
                None => payment.remaining()?,
            };
            payment.add(Tender::new(method.clone(), amount))?;
        }
        let mut options = SaleOptions::by(OperatorId::new("claire")?);
        options.customer = customer.cloned();
        let sale = self.till.complete_sale(cart, payment, &options)?;
        print_ticket(title, &sale);
        self.sales.push(sale);
        Ok(())
    }
}

fn print_ticket(title: &str, sale: &CompletedSale) {
    let t = &sale.ticket;
    println!(
        "\n  {} — ticket {}{} ({})",
        title,
        sale.series.code(),
        sale.number,
        sale.fiscal.extract
    );
    for l in t.lines() {
        let qty = if l.unit.is_measured() {
            format!("{} {}", l.quantity, l.unit.symbol())
        } else {
            l.quantity.to_string()
        };
        println!(
            "    {:<34} {:>9} x {:>10} = {:>10}",
            l.label,
            qty,
            l.unit_price.format_fr(),
            l.amount.format_fr()
        );
        for p in &l.promotions {
            println!("      {} (-{})", p.text, p.amount.format_fr());
        }
    }
    for p in t.ticket_promotions() {
        println!(
            "    {} (-{}, réparti sur les lignes)",
            p.text,
            p.amount.format_fr()
        );
    }
    for tax in t.taxes() {
        println!(
            "    TVA {:>5} %  HT {:>10}  TVA {:>9}  TTC {:>10}",
            tax.rate.percent_string(),
            tax.net.format_fr(),
            tax.vat.format_fr(),
            tax.gross.format_fr()
        );
    }
    let paid: Vec<String> = t
        .payments()
        .iter()
        .map(|p| format!("{} {}", p.method.code(), p.applied.format_fr()))
        .collect();
    println!(
        "    TOTAL {}   payé : {}   rendu : {}",
        t.total().format_fr(),
        paid.join(" + "),
        t.change().format_fr()
    );
}

fn sync_err(e: impl std::fmt::Display) -> SdkError {
    eprintln!("sync: {e}");
    SdkError::Precondition {
        what: "a working sync server",
    }
}

fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), SdkError> {
    std::fs::write(path, bytes).map_err(|_| SdkError::InvalidInput {
        field: "--out",
        expected: "a writable folder",
    })
}

fn store_day(args: &DemoArgs) -> Result<(), SdkError> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.out).map_err(|_| SdkError::InvalidInput {
        field: "--out",
        expected: "a writable folder",
    })?;
    let db = args.out.join("store-day.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    println!("pos-sdk store-day demo — till file {}", db.display());

    let clock = Arc::new(ManualClock::new(
        "2026-11-28T07:30:00Z"
            .parse()
            .map_err(|_| SdkError::Corrupt { what: "demo clock" })?,
    ));
    let mut config = RegisterConfig::france(
        StoreId::new("boulangerie-paris-11")?,
        RegisterId::new("caisse-1")?,
        LocationId::new("magasin")?,
    )?;
    // The demo's own merchant: its first settings, logged as a JET 270.
    config.receipt.trader.name = "Boulangerie-Épicerie du Marché".into();
    config.receipt.trader.address = vec!["12 rue Oberkampf".into(), "75011 Paris".into()];
    config.receipt.trader.siret = "552 100 554 00013".into();
    config.receipt.trader.vat_number = Some("FR96552100554".into());
    config.receipt.link_base = Some("https://recus.boulangerie-du-marche.fr/r".into());
    let till =
        Register::open_with_key_file(&db, config, clock.clone(), IdGenerator::from_entropy())?;
    let mut day = Day {
        till,
        clock,
        sales: Vec::new(),
    };

    // 08:30 — open: catalog, stock delivery, loyalty programme, a gift card.
    day.at("08:30")?;
    let variants = day
        .till
        .import_catalog_json(pos_core::catalog::sample_catalog_json())?;
    let promotions = day
        .till
        .import_promotions_json(pos_core::promotion::sample_promotions_json())?;
    println!(
        "\n08:30 opening: catalog of {variants} variants and {promotions} promotions imported"
    );
    let shop = LocationId::new("magasin")?;
    let claire = OperatorId::new("claire")?;
    let mut received: u32 = 0;
    for v in day
        .till
        .catalog()?
        .variants()
        .map(|v| v.variant.sku.clone())
        .collect::<Vec<Sku>>()
    {
        day.till.record_stock(
            MovementReason::Receipt,
            &v,
            &shop,
            Decimal::from(20),
            &claire,
            Some("BL-2026-11-28".into()),
        )?;
        received = received.saturating_add(1);
    }
    println!("       delivery received: 20 units of each of {received} items");
    day.till.set_loyalty_program(Some(&LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![],
        point_value: eur(1),
        expiry_days: Some(365),
        tier_window_days: 365,
    }))?;
    day.till.issue_stored_value(
        "CADEAU-2026-0042",
        StoredValueKind::GiftCard,
        eur(5000),
        None,
    )?;
    let camille = day.till.create_customer(
        PersonalData {
            given_name: Some("Camille".into()),
            family_name: Some("Durand".into()),
            email: Some("camille.durand@example.fr".into()),
            phone: None,
            address: None,
        },
        None,
    )?;
    day.till.set_consent(
        camille.id(),
        Channel::EmailReceipt,
        ConsentState::Granted,
        ConsentSource::InStore,
    )?;
    println!(
        "       loyalty: 1 point per euro; customer {} enrolled with e-mail receipt consent",
        camille.id()
    );

    // The day's baskets.
    day.at("08:42")?;
    day.sell(
        "Petit-déjeuner",
        &[
            "2000000001012",
            "2000000002019",
            "2000000002019",
            "2000000002019",
            "2000000002026",
        ],
        &[(TenderMethod::Cash, Some(eur(1000)))],
        None,
    )?;
    // 09:00 — the till syncs with the store's server (an in-process
    // `pos sync-server` on its own SQLite file).
    day.at("09:00")?;
    let server_db = args.out.join("sync-server.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", server_db.display()));
    }
    let store_server =
        pos_server::Server::new(pos_server::SqliteStorage::open(&server_db).map_err(sync_err)?);
    // The first start of an empty server creates the retailer and its
    // store and issues one enrolment code for that store (shown once).
    let store_id = day.till.config().store.to_string();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let first = store_server
        .with_tx(|tx| {
            pos_server::credentials::first_start(
                tx,
                ("demo", "Fromagerie de démo", "552100554"),
                &store_id,
                pos_server::credentials::fresh(pos_server::credentials::CODE_PREFIX),
                pos_server::credentials::fresh(pos_server::credentials::KEY_PREFIX),
                now_ms,
            )
        })
        .map_err(sync_err)?
        .ok_or(SdkError::Precondition {
            what: "an empty demo server database",
        })?;
    let server = pos_server::spawn_in_process(store_server.clone()).map_err(sync_err)?;
    let mut online = pos_sync::http_client::UreqTransport::new(server.url());
    let enrolled = pos_sdk::sync::enroll(&mut day.till, &mut online, &first.code.secret, None)
        .map_err(sync_err)?;
    let client = pos_sdk::sync::client(&mut day.till)
        .map_err(sync_err)?
        .ok_or(SdkError::Precondition {
            what: "sync enrolment",
        })?;
    let round =
        pos_sdk::sync::sync_register(&mut day.till, &client, &mut online).map_err(sync_err)?;
    println!(
        "\n09:00 sync with {}: {} events acknowledged, nothing pending",
        server.url(),
        round.acked_seq
    );

    day.at("09:15")?;
    day.sell(
        "Fromage à la coupe (étiquette balance 0,347 kg)",
        &["2501001003475", "3760123000567", "3760123000840"],
        &[(TenderMethod::Card, None)],
        None,
    )?;
    // 12:00 — the network goes down: the sync fails, the till logs the
    // start of an offline period (JET 70) and keeps selling.
    day.at("12:00")?;
    let mut unreachable = pos_sync::http_client::UreqTransport::new("http://127.0.0.1:9");
    let failed = pos_sdk::sync::sync_register(&mut day.till, &client, &mut unreachable).is_err();
    let status = pos_sdk::sync::status(&mut day.till).map_err(sync_err)?;
    println!(
        "\n12:00 network down (sync failed: {failed}); offline since {:?}, {} events pending",
        status.offline_since.map(|d| d.to_rfc3339()),
        status.pending
    );

    day.at("12:20")?;
    day.sell(
        "Déjeuner en titres-restaurant",
        &["PLU-501", "3760123001267", "2000000003016"],
        &[
            (TenderMethod::MealVoucher, Some(eur(1500))),
            (TenderMethod::Cash, None),
        ],
        None,
    )?;
    day.at("15:05")?;
    day.sell(
        "Cadeau payé en carte cadeau + carte",
        &["3760123002240", "3760123002943"],
        &[
            (
                TenderMethod::GiftCard {
                    reference: "CADEAU-2026-0042".into(),
                },
                Some(eur(5000)),
            ),
            (TenderMethod::Card, None),
        ],
        None,
    )?;
    // 16:00 — the network is back: the offline sales arrive, exactly once.
    day.at("16:00")?;
    let round =
        pos_sdk::sync::sync_register(&mut day.till, &client, &mut online).map_err(sync_err)?;
    let again =
        pos_sdk::sync::sync_register(&mut day.till, &client, &mut online).map_err(sync_err)?;
    let status = pos_sdk::sync::status(&mut day.till).map_err(sync_err)?;
    let on_server =
        pos_server::Server::new(pos_server::SqliteStorage::open(&server_db).map_err(sync_err)?)
            .device_status(&enrolled.device)
            .map_err(sync_err)?;
    println!(
        "\n16:00 network back (JET 120 logged): {} pushes, server acknowledged up to event {}; a second sync pushes nothing new (acked {}); {} pending on the till",
        round.pushes, round.acked_seq, again.acked_seq, status.pending
    );
    println!(
        "       on the server: device {} at event {}, fiscal heads {:?}, {} fiscal batches quarantined",
        enrolled.device, on_server.acked_seq, on_server.fiscal_heads, on_server.quarantined
    );

    day.at("17:40")?;
    day.sell(
        "Apéritif, client fidèle",
        &[
            "3760123001892",
            "3760123001472",
            "3760123001472",
            "3760123000772",
        ],
        &[(TenderMethod::Card, None)],
        Some(camille.id()),
    )?;
    day.at("18:10")?;
    day.sell(
        "Paiement fractionné espèces + carte",
        &[
            "3760123000079",
            "3760123000987",
            "3760123001120",
            "96385074",
        ],
        &[
            (TenderMethod::Cash, Some(eur(1000))),
            (TenderMethod::Card, None),
        ],
        None,
    )?;

    // 18:30 — a refund of the two bottles of côtes-du-rhône.
    day.at("18:30")?;
    let aperitif = day
        .sales
        .get(4)
        .map(|s| s.ticket.id().to_owned())
        .ok_or(SdkError::Corrupt { what: "demo sale" })?;
    let actor = Actor::new(OperatorId::new("manager")?, Permissions::manager());
    let selection = [
        pos_sdk::RefundLine {
            line: 2,
            quantity: Decimal::ONE,
        },
        pos_sdk::RefundLine {
            line: 3,
            quantity: Decimal::ONE,
        },
    ];
    let cart = day.till.refund_cart(&aperitif, Some(&selection), &actor)?;
    let mut payment = day.till.start_payment(&cart, Some(camille.id()))?;
    // Tenders are magnitudes whatever the direction: 17.80 paid back by card.
    let back = payment.remaining()?;
    payment.add(Tender::new(
        TenderMethod::Card,
        Money::new(back.amount().abs(), back.currency()),
    ))?;
    let mut options = SaleOptions::by(OperatorId::new("manager")?);
    options.customer = Some(camille.id().clone());
    let refund = day.till.complete_sale(cart, payment, &options)?;
    print_ticket("Remboursement (référence au ticket d'origine)", &refund);
    println!(
        "    loyalty balance of the customer after the refund: {} points",
        day.till.loyalty_balance(camille.id())?
    );
    println!(
        "    gift card left: {}",
        day.till
            .stored_value("CADEAU-2026-0042")?
            .balance()
            .format_fr()
    );

    // Receipts: every ticket printed once (ESC/POS bytes to a file), the
    // cheese ticket shown as text, the loyalty customer's as an image with
    // the QR link of the digital receipt (she consented to e-mail receipts).
    let receipts = args.out.join("receipts.escpos");
    let mut escpos = Vec::new();
    let numbers: Vec<u64> = day
        .sales
        .iter()
        .map(|s| s.number)
        .chain(std::iter::once(refund.number))
        .collect();
    for n in &numbers {
        escpos.extend(
            day.till
                .print_receipt(
                    pos_fiscal::model::Series::T,
                    *n,
                    OutputFormat::EscPos,
                    &claire,
                )?
                .bytes,
        );
    }
    write(&receipts, &escpos)?;
    println!(
        "\n  receipts: {} tickets printed as ESC/POS ({} bytes) to {}",
        numbers.len(),
        escpos.len(),
        receipts.display()
    );
    let cheese = day.sales.get(1).map(|s| s.number).unwrap_or(2);
    let preview =
        day.till
            .preview_receipt(pos_fiscal::model::Series::T, cheese, OutputFormat::Text)?;
    println!("  preview of ticket T{cheese}:\n");
    for line in String::from_utf8_lossy(&preview.bytes).lines() {
        println!("      {line}");
    }
    let loyal = day.sales.get(4).map(|s| s.number).unwrap_or(5);
    let png = day
        .till
        .preview_receipt(pos_fiscal::model::Series::T, loyal, OutputFormat::Png)?;
    let png_path = args.out.join(format!("receipt-T{loyal}.png"));
    write(&png_path, &png.bytes)?;
    let customer = day.till.customer(camille.id())?;
    let email = customer
        .contact_for(Channel::EmailReceipt)
        .map(|_| "consent given: e-mail receipt allowed")
        .unwrap_or("no consent: no e-mail");
    println!(
        "  digital receipt of T{loyal}: image with its QR link at {} ({email})",
        png_path.display()
    );
    let dup = day.till.print_receipt(
        pos_fiscal::model::Series::T,
        loyal,
        OutputFormat::EscPos,
        &claire,
    )?;
    println!(
        "  reprint of T{loyal}: {:?} (a signed C record; totals unchanged)",
        dup.kind
    );

    // 19:30 — closing: Z of the day with the cash count, audit, FEC, archive.
    day.at("19:30")?;
    let manager = OperatorId::new("manager")?;
    let cash_in: i64 = day
        .sales
        .iter()
        .flat_map(|s| {
            s.ticket
                .payments()
                .iter()
                .filter(|p| p.method.is_cash())
                .map(|p| p.applied)
        })
        .chain(day.sales.iter().map(|s| s.ticket.change().negated()))
        .try_fold(0i64, |a, m| m.to_minor_units().map(|c| a.saturating_add(c)))?;
    let cash = pos_fiscal::store::CashCount {
        opening_float: 15_000,
        pay_ins: 0,
        pay_outs: 0,
        counted: Some(15_000i64.saturating_add(cash_in)),
    };
    let z = day.till.close_day(None, Some(cash), &manager)?;
    println!(
        "\n19:30 closing: day closed as {}",
        z.iter()
            .map(|d| format!("Z{}", d.number))
            .collect::<Vec<_>>()
            .join(", ")
    );
    day.till.set_siren("552100554", &manager)?;
    let (fec_name, fec) = day.till.export_fec("552100554", &manager)?;
    let fec_path = args.out.join(&fec_name);
    std::fs::write(&fec_path, &fec).map_err(|_| SdkError::InvalidInput {
        field: "--out",
        expected: "a writable folder",
    })?;
    println!(
        "       FEC written: {} ({} lines)",
        fec_path.display(),
        fec.iter().filter(|b| **b == b'\n').count()
    );
    let audit = day.till.audit(&manager)?;
    println!(
        "       audit (JET 280): {} records, verdict {}",
        audit.records, audit.verdict
    );

    // Last sync of the day: the evening sales, the Z and the JET go up.
    let round =
        pos_sdk::sync::sync_register(&mut day.till, &client, &mut online).map_err(sync_err)?;
    println!(
        "       last sync: server at event {}, {} pending on the till",
        round.acked_seq,
        pos_sdk::sync::status(&mut day.till)
            .map_err(sync_err)?
            .pending
    );

    // The owner looks at the day in the back office of the same server.
    let owner_view = back_office_day(&store_server, &day)?;
    println!(
        "       back office: {} tickets, day total {} = sum of the Z {} (to the cent: {})",
        owner_view.tickets,
        eur(owner_view.total).format_fr(),
        eur(owner_view.closures_total).format_fr(),
        owner_view.total == owner_view.closures_total
    );

    // Figures.
    let revenue = day
        .sales
        .iter()
        .try_fold(Money::zero(Currency::EUR), |a, s| {
            a.checked_add(&s.ticket.total())
        })?;
    let net = revenue.checked_add(&refund.ticket.total())?;
    let comte = day.till.stock_level(&Sku::new("COMTE-18")?, &shop)?;
    let report = pos_fiscal::store::verify_store(day.till.connection(), &Default::default())?;
    println!(
        "\n19:30 figures: {} sales, 1 refund, revenue {} (net of refund {})",
        day.sales.len(),
        revenue.format_fr(),
        net.format_fr()
    );
    println!(
        "       stock of Comté: {} kg on hand after 20 received",
        comte.on_hand
    );
    println!(
        "       fiscal journal: {} records, {} signatures checked, verdict {}",
        report.records, report.signatures_checked, report.verdict
    );
    println!(
        "       outbox: {} events waiting for sync",
        pos_sdk::outbox::status(&day.till.connection().unchecked_transaction()?)?.0
    );
    println!(
        "\ndone in {:.2} s; till file: {}",
        started.elapsed().as_secs_f64(),
        db.display()
    );
    Ok(())
}

/// Signs the owner into the back office of the demo's server and returns
/// the dashboard of the demo day (what `/` shows, as data).
fn back_office_day<S: pos_server::Storage>(
    server: &pos_server::Server<S>,
    day: &Day,
) -> Result<pos_server::backoffice::report::Dashboard, SdkError> {
    use pos_server::backoffice::{Role, service};
    let store = day.till.config().store.to_string();
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "demo", "Fromagerie de démo", "552100554")?;
            service::add_store(tx, "demo", &store)?;
            service::add_user(tx, "demo", "owner", Role::Owner, "demo-password", [7; 16])
        })
        .map_err(sync_err)?;
    let now = pos_sdk::Clock::now(day.clock.as_ref());
    service::login(
        server,
        "owner",
        "demo-password",
        std::net::Ipv4Addr::LOCALHOST.into(),
        "demo-session",
        "demo-csrf",
        now,
    )
    .map_err(sync_err)?;
    let viewer = service::viewer(server, "demo-session", now).map_err(sync_err)?;
    let local = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
    service::dashboard(server, &viewer, None, local).map_err(sync_err)
}
