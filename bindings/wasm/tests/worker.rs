//! The wasm build in a dedicated Worker of headless Chromium, with SQLite's
//! files in OPFS (`installOpfsStorage`): a sale committed there is found
//! again by a fresh connection, with no export step, and the pool's folder
//! really is in the origin's private file system.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]
#![cfg(target_arch = "wasm32")]

use pos_wasm::{Register, install_opfs_storage, sample_catalog_json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const FOLDER: &str = "pos-wasm-test";

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap()
}

async fn call_async(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(target, method).dyn_into().unwrap();
    let promise: js_sys::Promise = f
        .apply(target, &args.iter().collect::<js_sys::Array>())?
        .dyn_into()
        .unwrap();
    JsFuture::from(promise).await
}

/// A file name no earlier run used (the browser profile may be reused).
fn unique_path(stem: &str) -> String {
    format!("/{stem}-{}.sqlite", js_sys::Date::now())
}

#[wasm_bindgen_test]
async fn worker_opfs_sale_is_found_again_by_a_new_connection_without_export() {
    install_opfs_storage(Some(FOLDER.to_owned())).await.unwrap();
    // Installing again with the same folder is harmless.
    install_opfs_storage(Some(FOLDER.to_owned())).await.unwrap();

    let path = unique_path("opfs-sale");
    let reg = Register::open(&path, "paris-11", "till-1", "shop", None, None, None).unwrap();
    assert_eq!(reg.catalog_size().unwrap(), 0);
    reg.import_catalog_json(&sample_catalog_json()).unwrap();
    let cart = reg.new_cart().unwrap();
    reg.scan(&cart, "2000000001012").unwrap();
    let payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add("cash".into(), "1.30".into(), JsValue::UNDEFINED)
        .unwrap();
    let sale = reg
        .complete_sale(&cart, &payment, "alice", None, None, None)
        .unwrap();
    assert_eq!(sale.number(), 1.0);
    let ticket = sale.ticket_id();
    drop(reg);

    // A new connection to the same OPFS file: everything is there.
    let again = Register::open(&path, "paris-11", "till-1", "shop", None, None, None).unwrap();
    assert!(again.catalog_size().unwrap() > 0);
    let recent = again.recent_tickets(5).unwrap();
    let first = js_sys::Array::from(&recent).get(0);
    assert_eq!(get(&first, "ticketId").as_string(), Some(ticket));
    let report = again.verify().unwrap();
    assert_eq!(get(&report, "intact").as_bool(), Some(true));

    // The pool's folder exists in the origin private file system.
    let storage = get(&get(&js_sys::global(), "navigator"), "storage");
    let root = call_async(&storage, "getDirectory", &[]).await.unwrap();
    call_async(&root, "getDirectoryHandle", &[JsValue::from_str(FOLDER)])
        .await
        .expect("the OPFS pool folder");
}

#[wasm_bindgen_test]
async fn worker_opfs_two_tills_side_by_side() {
    install_opfs_storage(Some(FOLDER.to_owned())).await.unwrap();
    let a = Register::open(
        &unique_path("opfs-a"),
        "paris-11",
        "a",
        "shop",
        None,
        None,
        None,
    )
    .unwrap();
    let b = Register::open(
        &unique_path("opfs-b"),
        "paris-11",
        "b",
        "shop",
        None,
        None,
        None,
    )
    .unwrap();
    a.import_catalog_json(&sample_catalog_json()).unwrap();
    assert!(a.catalog_size().unwrap() > 0);
    assert_eq!(b.catalog_size().unwrap(), 0);
}
