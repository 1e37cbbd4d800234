//! Receipts: the printable document, the French receipt built from facts,
//! the loi AGEC print rule, and the renderers (text, HTML, SVG, PNG; ESC/POS
//! lives in [`crate::escpos`]).
//!
//! ```
//! use pos_hw::receipt::{ReceiptDocument, TextStyle, OutputFormat, render};
//! use pos_hw::printer::PrinterProfile;
//!
//! let mut doc = ReceiptDocument::new();
//! doc.text("Boulangerie Dupré", TextStyle::centered().bold());
//! let text = render(&doc, OutputFormat::Text, &PrinterProfile::generic_58mm()).unwrap();
//! assert!(String::from_utf8(text).unwrap().contains("Boulangerie Dupré"));
//! ```

pub mod agec;
pub mod card_slip;
pub mod closure;
pub mod document;
pub mod facts;
pub mod format;
pub mod french;
pub mod gift;
pub mod html;
pub mod image;
pub mod layout;
pub mod render;
pub mod text;

pub use agec::{PrintDecision, PrintReason, print_decision};
pub use closure::{ClosureFacts, HeadFacts, build_closure};
pub use document::{
    Align, BarcodeKind, Bitmap, Block, Column, CutKind, DrawerPin, QrLevel, ReceiptDocument,
    TextSize, TextStyle,
};
pub use facts::{LineFacts, PaymentFacts, ReceiptFacts, ReceiptKind, TraderFacts, VatFacts};
pub use french::{build as build_french_receipt, build_for_till};
pub use gift::{GiftFacts, GiftLineFacts, build_gift};
pub use render::{OutputFormat, render, render_receipt};
