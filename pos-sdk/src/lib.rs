//! pos-sdk: the facade a till app links.
//!
//! A [`Register`] composes pos-core (selling, stock, customers, loyalty),
//! pos-fiscal (the NF525 journal) and pos-hw (receipts) over ONE SQLite file.
//! Completing a sale writes the ticket, its fiscal record, the stock, loyalty
//! and stored-value movements and the sync outbox event in one transaction:
//! after a crash, all of it is there or none of it.
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

pub mod clock;
pub mod db;
mod error;
pub mod events;
pub mod keystore;
pub mod outbox;
mod register;
pub mod restore;
pub mod sync;
pub mod verify;

pub use clock::{Clock, IdGenerator, ManualClock, SystemClock};
pub use error::{SdkError, codes};
pub use register::PrintedGiftReceipt;
pub use register::chain;
pub use register::exchange_cart_of;
pub use register::refund_anywhere;
pub use register::{ArchiveUpload, PurgeReport, VACUUM_PAGES_PER_STEP};
pub use register::{
    ClockPolicy, CompletedSale, OperatorTotals, OrderTicket, OrderUpdate, PeriodState,
    PrintedReceipt, ReceiptSettings, RefundLine, Register, RegisterConfig, STORAGE_RESERVE_BYTES,
    SaleOptions, SaleRefused, SalesReport, SessionAndDay, SettingsError, TillSettings,
    UNCATEGORISED, VatTotals,
};
pub use register::{MAX_PARKED_LABEL_LEN, NoSaleOpening, OperatorSource, ParkedSummary};

/// The root README's Rust snippet, compiled and run as a doc test
/// (`cargo test -p pos-sdk --doc`; `cargo xtask test` runs the doc tests).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
