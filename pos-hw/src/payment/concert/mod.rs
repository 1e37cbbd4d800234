//! Concert V2, the French till-to-terminal protocol over a serial line.
//!
//! - [`frame`]: `STX payload ETX LRC` and the control bytes (pure).
//! - [`message`]: the fixed-width request and answer (pure).
//!
//! [`decode_frame`] is total (fuzz target material).

pub mod frame;
pub mod message;

pub use frame::{FrameFault, decode_frame, encode_frame, lrc};
pub use message::{ConcertAnswer, ConcertRequest};
