//! pos-hw: the peripherals of a till.
//!
//! Receipt documents and their renderers (ESC/POS bytes, text, HTML, image),
//! printer profiles, transports and the print queue; barcode and GS1 parsing,
//! the keyboard-wedge scanner decoder, scales, customer displays, and payment
//! terminals with their simulators. This crate does not know what a sale is:
//! the facade hands it a receipt *document*.

pub mod barcode;
pub mod display;
pub mod error;
pub mod escpos;
pub mod payment;
pub mod printer;
pub mod receipt;
pub mod scale;
pub mod scanner;

pub use error::HwError;
