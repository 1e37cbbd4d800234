//! Customer displays: the 2×20 VFD pole displays facing the customer.
//!
//! - [`encoder`]: ESC/POS display command bytes, layout helpers.
//! - [`codepage`]: character tables (PC437, PC858 with `€`, WPC1252).
//! - [`simulator`]: decodes the bytes back to the 2×20 screen.
//! - [`CustomerDisplay`] and [`EscPosDisplay`]: the trait and its
//!   implementation over any `Write` (serial port, USB, the simulator).
//!
//! ```
//! use pos_hw::display::{CodePage, CustomerDisplay, DisplaySimulator, EscPosDisplay};
//! let mut display = EscPosDisplay::new(DisplaySimulator::new(), CodePage::Pc858);
//! display.init().unwrap();
//! display.show("Tomates", "2,79 €").unwrap();
//! assert_eq!(display.writer().line(2).trim_end(), "2,79 €");
//! ```

pub mod codepage;
pub mod encoder;
pub mod simulator;

use std::io::Write;

pub use codepage::CodePage;
pub use encoder::{DisplayEncoder, euros, two_columns};
pub use simulator::DisplaySimulator;

use crate::HwError;

/// A customer display as the till uses it.
pub trait CustomerDisplay {
    /// Resets the display and selects its character table.
    fn init(&mut self) -> Result<(), HwError>;
    /// Shows two rows (each cut or padded to the width).
    fn show(&mut self, top: &str, bottom: &str) -> Result<(), HwError>;
    /// Blanks the screen.
    fn clear(&mut self) -> Result<(), HwError>;
}

/// A [`CustomerDisplay`] writing ESC/POS display commands to `W`.
#[derive(Debug)]
pub struct EscPosDisplay<W> {
    writer: W,
    encoder: DisplayEncoder,
}

impl<W: Write> EscPosDisplay<W> {
    /// A display behind `writer` using `code_page` for text.
    pub fn new(writer: W, code_page: CodePage) -> Self {
        Self {
            writer,
            encoder: DisplayEncoder::new(code_page),
        }
    }

    /// The writer (e.g. the simulator, to read its screen).
    pub fn writer(&self) -> &W {
        &self.writer
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), HwError> {
        self.writer
            .write_all(bytes)
            .and_then(|()| self.writer.flush())
            .map_err(|e| HwError::DisplayIo { kind: e.kind() })
    }
}

impl<W: Write> CustomerDisplay for EscPosDisplay<W> {
    fn init(&mut self) -> Result<(), HwError> {
        let bytes = self.encoder.init();
        self.send(&bytes)
    }

    fn show(&mut self, top: &str, bottom: &str) -> Result<(), HwError> {
        let bytes = self.encoder.show(top, bottom);
        self.send(&bytes)
    }

    fn clear(&mut self) -> Result<(), HwError> {
        let bytes = self.encoder.clear();
        self.send(&bytes)
    }
}
