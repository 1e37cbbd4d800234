//! Push of 10,000 offline sales (events plus their fiscal records) from one
//! till to the reference server on loopback HTTP, SQLite storage in a file.
//! Each iteration starts a fresh server; the till's journal is made once.
//! The same push through the blocking round and through the async round.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

#[path = "support/apple.rs"]
mod apple;
#[path = "support/mem_till.rs"]
mod mem_till;

use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mem_till::MemTill;
use pos_fiscal::SoftwareSigner;
use pos_server::{Server, SqliteStorage};
use pos_sync::client::sync_once;

const SALES: u64 = 10_000;

fn bench(c: &mut Criterion) {
    let signer = SoftwareSigner::from_secret(&[7; 32]).unwrap();
    let data = mem_till::signed_sales(&signer, SALES, Some("c1"), Some(10));
    let public_key = mem_till::public_key_hex(&signer);
    let setup = || {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::new(SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap());
        server
            .with_tx(|tx| {
                tx.bo_put_retailer("R1", "Retailer One", "123456789")?;
                tx.bo_put_store("S1", "R1")?;
                Ok(())
            })
            .unwrap();
        mem_till::enroll(&server, &public_key);
        let running = pos_server::spawn_in_process(server).unwrap();
        let till = MemTill::new(&data, data.0.len());
        (dir, running, till)
    };
    let mut g = c.benchmark_group("sync");
    g.sample_size(10);
    g.bench_function("push_10000_offline_sales_sqlite_loopback", |b| {
        b.iter_batched(
            setup,
            |(_dir, running, mut till)| {
                let client = mem_till::client();
                let mut http = pos_sync::http_client::UreqTransport::new(running.url());
                let r = sync_once(&client, &mut till, &mut http, &Utc::now).unwrap();
                assert_eq!(r.acked_seq, SALES);
                drop(running);
            },
            BatchSize::PerIteration,
        );
    });
    // The same round through the async driver an app's async HTTP client
    // uses (`round::sync_once_async`, as Python asyncio, Kotlin suspend,
    // Swift async and the wasm Promise bindings run it), on a
    // current-thread tokio runtime; each request goes out on tokio's
    // blocking pool (as an async client's socket I/O leaves the caller's
    // thread) and the store is borrowed per step. The difference to the
    // blocking case is what the async path costs.
    g.bench_function("push_10000_offline_sales_sqlite_loopback_async", |b| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        b.iter_batched(
            setup,
            |(_dir, running, mut till)| {
                let client = mem_till::client();
                let url = running.url().to_owned();
                let send = |req: pos_sync::transport::HttpRequest| {
                    let url = url.clone();
                    async move {
                        tokio::task::spawn_blocking(move || {
                            let mut http = pos_sync::http_client::UreqTransport::new(&url);
                            pos_sync::transport::Transport::send(&mut http, &req)
                        })
                        .await
                        .unwrap()
                    }
                };
                let mut store: &mut dyn pos_sync::client::TillStore = &mut till;
                let r = rt
                    .block_on(pos_sync::round::sync_once_async(
                        &client,
                        &mut store,
                        send,
                        Utc::now,
                    ))
                    .unwrap();
                assert_eq!(r.acked_seq, SALES);
                drop(running);
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
