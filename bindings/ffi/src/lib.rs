//! pos-ffi: UniFFI bindings (Python, Kotlin, Swift) over the pos-sdk facade.
//!
//! The bindings only wrap: they convert simple values (decimals as strings,
//! instants as epoch milliseconds, ids as strings), map every error to one of
//! a few kinds ([`PosError`]) and hold the facade behind a mutex. Every
//! exported call runs inside [`guard::guard`], so a panic comes back as
//! [`PosError::Internal`] instead of crossing the boundary. The app plugs in
//! its clock, signing key, printer transport and sync HTTP transport through
//! the foreign traits in [`callbacks`].

mod adjust;
mod anywhere;
mod async_sync;
mod barcode;
mod callbacks;
mod card_refs;
mod cart;
mod cash;
mod catalog;
mod chain;
mod convert;
mod customers;
mod devices;
mod error;
mod events;
mod fiscal;
mod gift;
mod guard;
mod logging;
mod operators;
mod orders;
mod parked;
mod register;
mod reports;
mod restore;
mod sale;
mod search;
mod settings;
mod setup;
mod stock;
mod storage;
mod stored_value;
mod sync;
mod types;

pub use adjust::{
    CartAdjustments, Discount, LineAdjustments, ManualDiscountInfo, PriceOverrideInfo,
};
pub use anywhere::{FoundOriginal, OriginalLine, RefundReservation};
pub use async_sync::AsyncSyncTransport;
pub use barcode::{BarcodeInfo, describe_barcode};
pub use callbacks::{Clock, PrinterTransport, Signer};
pub use card_refs::{CardReference, CardRefund};
pub use cart::{Cart, Payment};
pub use cash::{CashClose, CashMoveReason, TenderTotals, VatTotals, XReport};
pub use catalog::{CatalogItem, StockLevel, sample_catalog_json, sample_promotions_json};
pub use chain::{
    ChainCustomer, ChainDocument, HistoryLine, HistoryTicket, SkuQuantity, StoreStock,
};
pub use customers::{Channel, Consent, ConsentSource, ConsentState, LoyaltyReward};
pub use devices::{CustomerDisplay, DisplayCodePage, DisplayTransport, open_drawer};
pub use error::PosError;
pub use events::{PrinterStatus, RegisterListener, SaleCommitted};
pub use fiscal::FiscalArchive;
pub use guard::trigger_panic_for_tests;
pub use logging::{LogLevel, Logger, set_logger};
pub use operators::{OperatorInfo, OperatorSession};
pub use orders::{OrderLine, PickupEntry};
pub use parked::ParkedCartInfo;
pub use register::Register;
pub use reports::{NamedAmount, SalesReport, StoredReceipt};
pub use sale::CompletedSale;
pub use search::{CustomerSummary, ProductHit};
pub use settings::{Logo, TillSettings};
pub use setup::default_settings;
pub use stock::StockCount;
pub use stored_value::{StoredValue, StoredValueKind};
pub use sync::{
    HttpHeader, HttpRequest, HttpResponse, SkippedChange, SyncReport, SyncStatus, SyncTransport,
};
pub use types::{
    CartLine, FecFile, ReceiptFormat, RefundLine, RegisterConfig, SaleOptions, TenderMethod,
    VerifyReport,
};

uniffi::setup_scaffolding!();
