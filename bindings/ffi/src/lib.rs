//! pos-ffi: UniFFI bindings (Python, Kotlin, Swift) over the pos-sdk facade.
//!
//! The bindings only wrap: they convert simple values (decimals as strings,
//! instants as epoch milliseconds, ids as strings), map every error to one of
//! a few kinds ([`PosError`]) and hold the facade behind a mutex. Every
//! exported call runs inside [`guard::guard`], so a panic comes back as
//! [`PosError::Internal`] instead of crossing the boundary. The app plugs in
//! its clock, signing key, printer transport and sync HTTP transport through
//! the foreign traits in [`callbacks`].

mod barcode;
mod callbacks;
mod cart;
mod cash;
mod catalog;
mod convert;
mod customers;
mod devices;
mod error;
mod fiscal;
mod gift;
mod guard;
mod orders;
mod register;
mod reports;
mod restore;
mod sale;
mod settings;
mod stock;
mod storage;
mod stored_value;
mod sync;
mod types;

pub use barcode::{BarcodeInfo, describe_barcode};
pub use callbacks::{Clock, PrinterTransport, Signer};
pub use cart::{Cart, Payment};
pub use cash::{CashClose, CashMoveReason, TenderTotals, VatTotals, XReport};
pub use catalog::{CatalogItem, StockLevel, sample_catalog_json, sample_promotions_json};
pub use customers::{Channel, Consent, ConsentSource, ConsentState, LoyaltyReward};
pub use devices::{CustomerDisplay, DisplayCodePage, DisplayTransport, open_drawer};
pub use error::PosError;
pub use fiscal::FiscalArchive;
pub use guard::trigger_panic_for_tests;
pub use orders::{OrderLine, PickupEntry};
pub use register::Register;
pub use reports::{NamedAmount, SalesReport, StoredReceipt};
pub use sale::CompletedSale;
pub use settings::{Logo, TillSettings};
pub use stock::StockCount;
pub use stored_value::{StoredValue, StoredValueKind};
pub use sync::{
    HttpHeader, HttpRequest, HttpResponse, SkippedChange, SyncReport, SyncStatus, SyncTransport,
};
pub use types::{
    CartLine, FecFile, ReceiptFormat, RefundLine, RegisterConfig, SaleOptions, TenderMethod,
    Trader, VerifyReport,
};

uniffi::setup_scaffolding!();
