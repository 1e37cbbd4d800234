//! Shared scenario of the wasm-bindgen tests (Node and headless Chromium).

use pos_wasm::{Register, sample_catalog_json};
use wasm_bindgen::JsValue;

/// A sale rung up, split-paid, exported and restored, then a second sale
/// on the restored till; returns the two sale numbers.
pub fn sale_export_restore(path: &str, clock: Option<f64>, seed: Option<u64>) -> (f64, f64) {
    let reg = Register::open(path, "paris-11", "till-1", "shop", clock, seed, None).unwrap();
    reg.import_catalog_json(&sample_catalog_json()).unwrap();
    // Receipts print the merchant the till's signed settings hold.
    assert!(
        reg.set_trader(
            "Boulangerie Test",
            vec!["1 rue de la Paix".into()],
            "404 833 048 00022",
            Some("alice".into()),
        )
        .unwrap()
    );
    let cart = reg.new_cart().unwrap();
    reg.scan(&cart, "2000000001012").unwrap();
    reg.scan(&cart, "3760123000352").unwrap();
    assert_eq!(cart.total().unwrap(), "26.20");
    let payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add("card".into(), "20".into(), JsValue::UNDEFINED)
        .unwrap();
    payment
        .add("cash".into(), "10".into(), JsValue::UNDEFINED)
        .unwrap();
    let first = reg
        .complete_sale(&cart, &payment, "alice", None, None, None)
        .unwrap();
    assert_eq!(first.change(), "3.80");
    let text = reg.receipt(&first, "text".into(), "epson-tm-t20").unwrap();
    assert!(text.contains("26,20"), "{text}");

    let bytes = reg.export_database().unwrap();
    let pem = "PRIVATE KEY".as_bytes();
    assert!(
        !bytes.windows(pem.len()).any(|w| w == pem),
        "the exported database holds no key"
    );
    let keys = reg.export_keys().unwrap();
    let restored_path = format!("{path}.restored");
    let again = Register::restore(
        &bytes,
        &restored_path,
        "paris-11",
        "till-1",
        "shop",
        clock,
        seed.map(|s| s + 1),
        None,
        Some(keys),
    )
    .unwrap();
    again.import_catalog_json(&sample_catalog_json()).unwrap();
    let cart = again.new_cart().unwrap();
    again.scan(&cart, "2000000001012").unwrap();
    let payment = again.start_payment(&cart, None).unwrap();
    payment
        .add("cash".into(), "1.30".into(), JsValue::UNDEFINED)
        .unwrap();
    let second = again
        .complete_sale(&cart, &payment, "alice", None, None, None)
        .unwrap();
    let report = again.verify().unwrap();
    let intact = js_sys::Reflect::get(&report, &JsValue::from_str("intact")).unwrap();
    assert_eq!(intact.as_bool(), Some(true));
    (first.number(), second.number())
}

/// A bad input is a JS Error named `CartError` with a `code`, and the cart
/// is unchanged.
pub fn typed_error(path: &str) {
    let reg = Register::open(path, "paris-11", "till-1", "shop", None, Some(9), None).unwrap();
    reg.import_catalog_json(&sample_catalog_json()).unwrap();
    let cart = reg.new_cart().unwrap();
    let err = reg.scan(&cart, "0000000000000").unwrap_err();
    let err: js_sys::Error = err.into();
    assert_eq!(String::from(err.name()), "CartError");
    let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
    assert!(code.as_string().is_some_and(|c| !c.is_empty()));
    assert!(cart.is_empty().unwrap());
}
