//! Barcode scanners as a till sees them.
//!
//! - [`wedge`]: keyboard-wedge (HID keyboard) scanners: a pure state machine
//!   that tells scanner bursts from human typing by key timing.
//! - [`layout`]: mapping AZERTY characters back to what a QWERTY scanner sent.
//! - [`line`](mod@line): serial / USB-CDC scanners: codes ended by CR, LF or CRLF over
//!   any `std::io::Read`.

pub mod layout;
pub mod line;
pub mod wedge;

pub use layout::KeyboardLayout;
pub use line::{LineConfig, LineEvent, LineReader};
pub use wedge::{Key, KeyEvent, WedgeConfig, WedgeDecoder, WedgeOutput};
