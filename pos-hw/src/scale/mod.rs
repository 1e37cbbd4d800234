//! Retail scales speaking Dialog 06, the protocol French certified
//! price-computing scales (Bizerba, Mettler Toledo, Dibal, Cely... in
//! "Dialog 06" mode) use with a till.
//!
//! - [`frame`]: pure encoders/decoders of both sides' messages.
//! - [`client`]: the till side over any `Read + Write` (serial port).
//! - [`simulator`]: a scale that answers like a real one, for tests and demos.
//! - [`Scale`]: the trait the till code uses.
//!
//! # The protocol as implemented
//!
//! Control bytes: EOT 0x04, STX 0x02, ETX 0x03, ENQ 0x05, ACK 0x06, NAK 0x15,
//! ESC 0x1B (field separator). Numbers are ASCII digits, zero-padded.
//!
//! | till → scale | bytes |
//! |---|---|
//! | 01 unit price | `EOT STX 0 1 ESC PPPPPP ESC ETX` |
//! | 03 price + tare | `EOT STX 0 3 ESC PPPPPP ESC TTTT ETX` |
//! | 04 price + text | `EOT STX 0 4 ESC PPPPPP ESC text ETX` |
//! | 05 price + tare + text | `EOT STX 0 5 ESC PPPPPP ESC TTTT ESC text ETX` |
//! | weight request | `EOT ENQ` |
//! | 08 status request | `EOT STX 0 8 ETX` |
//!
//! | scale → till | bytes |
//! |---|---|
//! | accepted / refused | `ACK` / `NAK` |
//! | 02 weighing result | `STX 0 2 ESC U ESC WWWWW ESC PPPPPP ESC AAAAAA ETX` |
//! | 09 status | `STX 0 9 ESC S1 S0 ETX` |
//!
//! PPPPPP is the unit price per kg in cents, TTTT the tare in grams, WWWWW
//! the net weight in grams, AAAAAA the amount in cents computed by the scale
//! (the till must use it, not recompute it: the scale is the legal
//! instrument), U the unit (`3` = kg). Status S1S0: 00 no error, 01 general
//! error, 02 parity error or buffer overflow, 10 invalid record number, 11
//! invalid unit price, 12 invalid tare, 13 invalid text, 20 still in motion,
//! 21 no motion since the last weighing, 22 measurement not finished, 30
//! below minimum weight, 31 below zero, 32 overload.
//!
//! A dialogue: the till sends 01/03/04/05, the scale ACKs (or NAKs); the till
//! sends EOT ENQ, the scale answers record 02 or NAK; after a NAK the till
//! asks record 08 and gets the cause in record 09. After status 20 or 22 the
//! till may repeat EOT ENQ; after other errors it starts again.
//!
//! # Assumptions where public documentation is incomplete
//!
//! Sources: the Dialog 06 pages of public scale manuals (Dibal DPOS400, Cely
//! PI100, Ohaus Aviator 7000 "Dialog 02/04"). Not public, hence assumed:
//! - Only kilogram scales (unit `3`) are supported; pound units are refused
//!   as [`frame::FrameProblem::UnsupportedUnit`].
//! - "No unit price" is reported by the simulator as status 11 (invalid unit
//!   price): the manuals list no separate code.
//! - After a weighing result is sent the simulator forgets the unit price, so
//!   each weighing needs a fresh record 01–05, and it refuses a second result
//!   for the same load with status 21 until the load changes.
//! - Text (records 04/05) is at most 13 printable ASCII characters.
//! - Records 10/11 (the checksum exchange some certified scales require to
//!   check the till program) use a manufacturer-specific table and are not
//!   implemented: a record 11 is reported as
//!   [`crate::HwError::ScaleChecksumRequired`].
//! - Serial settings (usually 9600 or 2400 baud, 7 data bits, odd parity, 1
//!   stop bit) belong to the port and are not handled here.

pub mod client;
pub mod frame;
pub mod simulator;

use rust_decimal::Decimal;

pub use client::Dialog06Client;
pub use frame::{FrameProblem, ScaleField, ScaleReply, ScaleStatusCode, TillRequest, Weighing};
pub use simulator::{ScaleSimulator, SimulatedPort};

use crate::HwError;

/// A price-computing scale as the till uses it.
pub trait Scale {
    /// Sends the unit price per kg (and tare in kg if any), then asks for the
    /// weighing: net weight, unit price and the amount the scale computed.
    fn weigh(&mut self, unit_price: Decimal, tare_kg: Option<Decimal>)
    -> Result<Weighing, HwError>;

    /// Asks the scale for its last status.
    fn status(&mut self) -> Result<ScaleStatusCode, HwError>;
}
