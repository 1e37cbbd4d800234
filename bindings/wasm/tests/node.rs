//! The wasm build under Node (wasm-bindgen-test-runner's default).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::wasm_bindgen_test;

// 2026-03-14T09:30:00Z
const T0: f64 = 1_773_480_600_000.0;

#[wasm_bindgen_test]
fn node_sale_export_restore_with_a_pinned_clock() {
    assert_eq!(
        common::sale_export_restore("/node-a.sqlite", Some(T0), Some(1)),
        (1.0, 2.0)
    );
}

#[wasm_bindgen_test]
fn node_errors_are_typed() {
    common::typed_error("/node-b.sqlite");
}

fn performance_now() -> f64 {
    use wasm_bindgen::JsCast;
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&perf, &"now".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    now.call0(&perf).unwrap().as_f64().unwrap()
}

/// The same two operations as `pkg-src/bench/boundary.cjs`, called from
/// Rust inside the wasm module (no JS boundary): the figures next to which
/// the per-call cost from JS is read. Prints µs per operation.
#[wasm_bindgen_test]
fn figures_rust_inside_wasm_add_item_and_complete_sale() {
    use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
    use pos_core::tender::{Tender, TenderMethod};
    use pos_sdk::{IdGenerator, ManualClock, RegisterConfig, SaleOptions};
    use std::sync::Arc;

    let config = RegisterConfig::france(
        StoreId::new("s").unwrap(),
        RegisterId::new("r").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let clock = Arc::new(ManualClock::new("2026-06-01T08:00:00Z".parse().unwrap()));
    let mut reg = pos_sdk::Register::open_with_key_file(
        std::path::Path::new("/rust-figures.sqlite"),
        config,
        clock,
        IdGenerator::seeded(1),
    )
    .unwrap();
    reg.import_catalog_json(&pos_wasm::sample_catalog_json())
        .unwrap();
    let codes = ["2000000001012", "3760123000352", "2000000001029"];
    let ctx = reg.price_context(None);

    let n = 2000;
    let mut cart = reg.new_cart();
    let mut spent = 0.0;
    for i in 0..n {
        if i % 20 == 0 {
            cart = reg.new_cart();
        }
        let t = performance_now();
        reg.scan(&mut cart, codes[i % 3], &ctx).unwrap();
        spent += performance_now() - t;
    }
    wasm_bindgen_test::console_log!(
        "rust in wasm add item (scan): {:.2} µs per call ({n} calls)",
        spent * 1000.0 / n as f64
    );

    let sales = 500;
    let mut spent = 0.0;
    for _ in 0..sales {
        let mut cart = reg.new_cart();
        for code in codes {
            reg.scan(&mut cart, code, &ctx).unwrap();
        }
        let mut payment = reg.start_payment(&cart, None).unwrap();
        payment
            .add(Tender::new(TenderMethod::Card, cart.total()))
            .unwrap();
        let options = SaleOptions::by(OperatorId::new("bench").unwrap());
        let t = performance_now();
        reg.complete_sale(cart, payment, &options).unwrap();
        spent += performance_now() - t;
    }
    wasm_bindgen_test::console_log!(
        "rust in wasm complete sale (3 lines, card): {:.2} µs per call ({sales} calls)",
        spent * 1000.0 / f64::from(sales)
    );
}
