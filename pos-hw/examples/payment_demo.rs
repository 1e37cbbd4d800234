//! A tour of the payment terminal adapters against their simulators: a sale,
//! a lost answer and its recovery, on Concert (serial-like socket pair),
//! Caisse-AP (TCP on 127.0.0.1) and the Adyen Terminal API (in-process
//! simulator, encrypted nexo messages). Prints what happened and how many
//! times each card was charged.

use pos_core::{Currency, Money};
use pos_hw::payment::caisse_ap::{
    CaisseApClient, CaisseApConfig, CaisseApFault, CaisseApSimulator, TcpConnect,
};
use pos_hw::payment::concert::{ConcertClient, ConcertSimulator, LinkTimings, SimConfig, SimFault};
use pos_hw::payment::nexo::{
    AdyenLocalClient, AdyenSimulator, NexoConfig, NexoFault, NexoSimConfig, OsNonces, SecurityKey,
    SystemTime,
};
use pos_hw::payment::{PaymentKind, PaymentRequest, RecoveryPolicy, pay_once};
use std::error::Error;
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::time::Duration;

fn sale(id: &str, cents: i64) -> Result<PaymentRequest, pos_hw::HwError> {
    PaymentRequest::new(
        pos_hw::payment::TransactionId::new(id)?,
        PaymentKind::Sale,
        Money::from_minor_units(cents, Currency::EUR),
    )
}

fn concert() -> Result<(), Box<dyn Error>> {
    let timings = LinkTimings {
        ack_timeout: Duration::from_millis(300),
        max_sends: 3,
        byte_timeout: Duration::from_millis(300),
        answer_timeout: Duration::from_secs(1),
    };
    let (till, terminal) = UnixStream::pair()?;
    till.set_read_timeout(Some(Duration::from_millis(20)))?;
    terminal.set_read_timeout(Some(Duration::from_millis(20)))?;
    let sim = std::thread::spawn(move || {
        let mut sim = ConcertSimulator::new(SimConfig::default(), timings);
        sim.inject(SimFault::NakRequestOnce);
        let mut stream = terminal;
        for _ in 0..2 {
            match sim.serve_one(stream, Duration::from_secs(5)) {
                Ok((_, back)) => stream = back,
                Err(_) => break,
            }
            sim.inject(SimFault::DropAnswer);
        }
        sim
    });
    let mut client = ConcertClient::new(till, 1, timings)?;
    let first = pay_once(
        &mut client,
        &sale("C-0001", 1250)?,
        RecoveryPolicy::default(),
    )?;
    println!("concert   sale 12.50 EUR (first frame NAKed, sent again): {first:?}");
    let second = pay_once(
        &mut client,
        &sale("C-0002", 4200)?,
        RecoveryPolicy::default(),
    )?;
    println!("concert   sale 42.00 EUR, answer lost: {second:?}");
    drop(client);
    let sim = sim.join().map_err(|_| "simulator thread")?;
    println!(
        "concert   terminal ledger: {} transactions, net {} cents",
        sim.ledger().len(),
        sim.net_charged_cents()
    );
    Ok(())
}

fn caisse_ap() -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let sim = std::thread::spawn(move || {
        let mut sim = CaisseApSimulator::new();
        for round in 0..2 {
            if round == 1 {
                sim.inject(CaisseApFault::Abandon);
            }
            if let Ok((mut stream, _)) = listener.accept() {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
                let _ = sim.serve(&mut stream, Duration::from_secs(2));
            }
        }
        sim
    });
    let config = CaisseApConfig {
        pos_number: 1,
        protocol_id: "012345678901".into(),
        answer_timeout: Duration::from_secs(2),
    };
    let mut client = CaisseApClient::new(
        TcpConnect {
            addr,
            connect_timeout: Duration::from_secs(1),
        },
        config,
    );
    println!(
        "caisse-ap sale 19.90 EUR: {:?}",
        pay_once(
            &mut client,
            &sale("A-0001", 1990)?,
            RecoveryPolicy::default()
        )?
    );
    println!(
        "caisse-ap sale 5.00 EUR, customer abandons: {:?}",
        pay_once(
            &mut client,
            &sale("A-0002", 500)?,
            RecoveryPolicy::default()
        )?
    );
    let sim = sim.join().map_err(|_| "simulator thread")?;
    println!(
        "caisse-ap terminal ledger: {} transactions, net {} cents",
        sim.ledger().len(),
        sim.net_charged()
    );
    Ok(())
}

fn adyen() -> Result<(), Box<dyn Error>> {
    let key = SecurityKey::new("demo passphrase", "DemoKey", 1, 1);
    let sim = AdyenSimulator::new(NexoSimConfig {
        key: key.clone(),
        decline_from: None,
        partial_cap: None,
        tip: None,
    });
    let config = NexoConfig {
        sale_id: "TILL-01".into(),
        poi_id: "V400m-000000001".into(),
        key,
    };
    let mut client = AdyenLocalClient::new(sim, config, Box::new(OsNonces), Box::new(SystemTime));
    client.transport_mut().inject(NexoFault::DropAnswer);
    let settled = pay_once(
        &mut client,
        &sale("N-0001", 3550)?,
        RecoveryPolicy::default(),
    )?;
    println!(
        "adyen     sale 35.50 EUR, answer lost, recovered by TransactionStatusRequest: {settled:?}"
    );
    client.transport_mut().inject(NexoFault::DropRequest);
    let settled = pay_once(
        &mut client,
        &sale("N-0002", 800)?,
        RecoveryPolicy::default(),
    )?;
    println!("adyen     sale 8.00 EUR, request lost, status NotFound, sent again: {settled:?}");
    println!(
        "adyen     terminal: {} charges, net {} EUR, {} requests seen",
        client.transport().charges(),
        client.transport().net_charged(),
        client.transport().requests_seen()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    concert()?;
    caisse_ap()?;
    adyen()
}
