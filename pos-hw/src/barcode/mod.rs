//! Barcodes a till scans.
//!
//! - [`gtin`]: the `Gtin` newtype (8/12/13/14 digits, verified check digit).
//! - [`linear`]: EAN-13, EAN-8, UPC-A, UPC-E (with expansion), GTIN-14.
//! - [`instore`]: in-store price/weight codes (prefixes 02, 20–29) with
//!   configurable layouts.
//! - [`gs1`]: GS1 element strings (GS1-128, DataMatrix, QR) and their AIs.
//! - [`symbology`]: AIM symbology identifiers (`]E0`, `]C1`, `]d2`, `]Q3`).
//! - [`describe()`]: scanned text to a serialisable [`BarcodeInfo`].
//! - check digits (GS1 mod 10, 4/5-digit price check) in [`check`].
//!
//! ```
//! use pos_hw::barcode::{describe, ScanContext};
//! let info = describe("]C10109506000134352\u{1d}3103000750", &ScanContext::new(2026)).unwrap();
//! assert_eq!(info.weight_kg.unwrap().to_string(), "0.750");
//! ```

pub mod check;
mod describe;
pub mod gs1;
pub mod gtin;
pub mod instore;
pub mod linear;
pub mod symbology;

pub use describe::{
    BarcodeInfo, BarcodeKind, CheckDigitMismatch, ElementInfo, ScanContext, SymbologyInfo, describe,
};
pub use gs1::Gs1Problem;
pub use gtin::{Gtin, GtinFormat};
pub use instore::{InStoreItem, InStoreLayout, InStoreLayouts, LayoutProblem, Measure};
pub use linear::{ProductCode, ProductCodeKind};
pub use symbology::SymbologyId;
