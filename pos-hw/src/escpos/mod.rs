//! ESC/POS: our own command builder, code pages, the document encoder, the
//! drawer configuration, status parsing and a decoder for tests and tools.

pub mod codepage;
pub mod commands;
pub mod decoder;
pub mod drawer;
pub mod encoder;
pub mod status;

pub use codepage::CodePage;
pub use decoder::{Decoded, decode, text_lines};
pub use drawer::DrawerConfig;
pub use encoder::encode;
pub use status::{Condition, StatusFlags, StatusKind, parse_replies, parse_status};
