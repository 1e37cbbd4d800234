//! pos-wasm: the pos-sdk facade for JavaScript, in the browser and in Node.
//!
//! Thin wasm-bindgen wrappers: a [`Register`] class over the facade's
//! SQLite till (compiled to wasm through `sqlite-wasm-rs`), [`Cart`] and
//! [`Payment`] classes, and plain objects for results. Decimals cross as
//! strings (`"12.50"`), instants as epoch milliseconds, ids as strings.
//! Failures are JS `Error`s whose `name` is one of `CartError`,
//! `FiscalError`, `DeviceError`, `SyncError`, `StoreError` and whose `code`
//! is the facade's error kind. In a browser Worker, `installOpfsStorage`
//! puts the till's SQLite files in OPFS, so every commit is durable by
//! itself; elsewhere the database can be exported as bytes and reopened
//! from them (kept in IndexedDB by the npm package's `idb-store`).
//! `syncAsync` syncs through an async (`fetch`) transport as a Promise,
//! `setListener` delivers the till's events to JS callbacks, and
//! `setLogLevel` / `setLogger` forward the crates' logs to the console.

mod adjust;
mod anywhere;
mod async_sync;
mod card_refs;
mod cart;
mod cash;
mod chain;
mod clock;
mod convert;
mod customers;
mod error;
mod events;
mod exchange;
mod fiscal;
mod gift;
mod logging;
mod operators;
#[cfg(target_arch = "wasm32")]
mod opfs;
mod orders;
mod parked;
mod refund;
mod register;
mod report;
mod sale;
mod search;
mod stock;
mod storage;
mod sync;
mod types;

pub use anywhere::FoundOriginal;
pub use cart::{Cart, Payment};
pub use error::PosError;
pub use logging::{set_log_level, set_logger};
pub use operators::OperatorSession;
#[cfg(target_arch = "wasm32")]
pub use opfs::install_opfs_storage;
pub use register::Register;
pub use sale::CompletedSale;
pub use storage::storage_reserve_bytes;

use wasm_bindgen::prelude::wasm_bindgen;

/// The sample catalog (a French bakery-grocery) as JSON, for demos and tests.
#[wasm_bindgen(js_name = sampleCatalogJson)]
pub fn sample_catalog_json() -> String {
    pos_core::catalog::sample_catalog_json().to_owned()
}

/// The sample promotions of the demo store (French) as JSON.
#[wasm_bindgen(js_name = samplePromotionsJson)]
pub fn sample_promotions_json() -> String {
    pos_core::promotion::sample_promotions_json().to_owned()
}

/// Describes a scanned code (EAN/UPC, GS1 with a weight or price, scale
/// label) as a plain object; `referenceYear` resolves two-digit GS1 dates.
#[wasm_bindgen(js_name = describeBarcode)]
pub fn describe_barcode(
    code: &str,
    reference_year: i32,
) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
    let info = pos_hw::barcode::describe(code, &pos_hw::barcode::ScanContext::new(reference_year))
        .map_err(PosError::from)?;
    Ok(convert::to_js(&info)?)
}
