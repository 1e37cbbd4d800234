//! The wasm build in headless Chromium: `Date.now()` for the clock and
//! `crypto.getRandomValues` for ids and the signing key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn browser_sale_export_restore_with_the_real_clock_and_entropy() {
    assert_eq!(
        common::sale_export_restore("/browser-a.sqlite", None, None),
        (1.0, 2.0)
    );
}

#[wasm_bindgen_test]
fn browser_errors_are_typed() {
    common::typed_error("/browser-b.sqlite");
}
