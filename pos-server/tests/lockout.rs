//! Back-office login lockout over HTTP, on SQLite and PostgreSQL: attempts
//! are counted in the same transaction that checks the lock (40 parallel
//! wrong passwords get exactly 5 password checks), an unknown user name
//! gets byte-identical answers to a real one (401s, then the same 429), and
//! the per-address lock holds across user names.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use pos_server::backoffice::auth::{ADDRESS_FREE_FAILURES, FREE_FAILURES};
use pos_server::backoffice::service;
use pos_server::backoffice::{Config, Role};
use pos_server::{InProcess, PostgresStorage, Server, SqliteStorage, Storage};
use std::sync::{Arc, Barrier};

const PASSWORD: &str = "correct horse battery staple";

fn setup<S: Storage>(server: &Server<S>) -> InProcess {
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "r1", "Boulangerie Dupont", "123456789")?;
            service::add_store(tx, "r1", "S1")?;
            service::add_user(tx, "r1", "owner1", Role::Owner, PASSWORD, [9; 16])?;
            service::add_user(tx, "r1", "manager1", Role::Manager, PASSWORD, [8; 16])
        })
        .unwrap();
    pos_server::spawn_app(pos_server::backoffice::router(
        server.clone(),
        Config::default(),
    ))
    .unwrap()
}

/// An answer with everything a client could compare.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn login(url: &str, user: &str, password: &str) -> Answer {
    let r = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .post(&format!("{url}/login"))
        .send_form(&[("username", user), ("password", password)]);
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status();
    let mut headers: Vec<(String, String)> = resp
        .headers_names()
        .into_iter()
        .filter(|n| n != "date")
        .flat_map(|n| {
            resp.all(&n)
                .into_iter()
                .map(|v| (n.clone(), v.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    headers.sort();
    Answer {
        status,
        headers,
        body: resp.into_string().unwrap(),
    }
}

fn parallel_wrong_logins_are_counted_exactly<S: Storage>(server: Server<S>) {
    let running = setup(&server);
    let url = running.url().to_owned();
    let n = 40;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (url, barrier) = (url.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                login(&url, "owner1", "wrong password!").status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        checked,
        usize::try_from(FREE_FAILURES).unwrap(),
        "exactly the free attempts reach a password check: {statuses:?}"
    );
    assert_eq!(refused, n - checked, "{statuses:?}");
    // Locked, even with the right password; another account is not.
    assert_eq!(login(&url, "owner1", PASSWORD).status, 429);
    assert_eq!(login(&url, "manager1", PASSWORD).status, 303);
}

fn unknown_users_get_the_same_answers<S: Storage>(server: Server<S>) {
    let running = setup(&server);
    let url = running.url();
    // Alternate so that both names are locked the same moment apart.
    for i in 0..FREE_FAILURES {
        let real = login(url, "owner1", "wrong password!");
        let unknown = login(url, "nobody", "wrong password!");
        assert_eq!(real.status, 401);
        assert_eq!(real, unknown, "attempt {i}");
    }
    let real = login(url, "owner1", PASSWORD);
    let unknown = login(url, "nobody", PASSWORD);
    assert_eq!(real.status, 429, "{}", real.body);
    assert!(real.body.contains("Trop d"));
    assert_eq!(real, unknown, "an unknown name is locked like a real one");
}

fn the_address_lock_holds_across_user_names<S: Storage>(server: Server<S>) {
    let running = setup(&server);
    let url = running.url();
    // Each name stays under its own limit; the address (127.0.0.1) does not.
    // One after the other: the lock starts at the last attempt's count, and
    // the checks of parallel ones (Argon2, slow in a debug build) could
    // outlast it.
    for i in 0..ADDRESS_FREE_FAILURES {
        assert_eq!(
            login(url, &format!("guess{i}"), "wrong password!").status,
            401
        );
    }
    let r = login(url, "manager1", PASSWORD);
    assert_eq!(
        r.status, 429,
        "the address is locked for every name: {}",
        r.body
    );
    // The same names from another address are checked: only this
    // address is locked.
    let now = chrono::Utc::now();
    service::login(
        &server,
        "manager1",
        PASSWORD,
        "192.0.2.7".parse().unwrap(),
        "sid",
        "csrf",
        now,
    )
    .unwrap();
    let e = service::login(
        &server,
        "manager1",
        PASSWORD,
        std::net::Ipv4Addr::LOCALHOST.into(),
        "sid2",
        "csrf",
        now,
    )
    .unwrap_err();
    assert_eq!(e.code(), "throttled");
}

#[test]
fn sqlite_parallel_wrong_logins_are_counted_exactly() {
    parallel_wrong_logins_are_counted_exactly(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn sqlite_unknown_users_get_the_same_answers() {
    unknown_users_get_the_same_answers(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn sqlite_the_address_lock_holds_across_user_names() {
    the_address_lock_holds_across_user_names(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn postgres_lockout() {
    let pg = support::pg::Pg::start();
    let mut admin = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    for run in 0..3 {
        let db = format!("lockout{run}");
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .unwrap();
        let url = pg.url.replace("dbname=postgres", &format!("dbname={db}"));
        let server = Server::new(PostgresStorage::connect(&url).unwrap());
        match run {
            0 => parallel_wrong_logins_are_counted_exactly(server),
            1 => unknown_users_get_the_same_answers(server),
            _ => the_address_lock_holds_across_user_names(server),
        }
    }
}
