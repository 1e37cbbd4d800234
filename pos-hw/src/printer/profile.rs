//! Printer profiles: what a model can do and how wide its line is.
//!
//! Widths are for font A on 80 mm (or 58 mm) paper. The `ESC t` numbers are
//! the ones of the Epson command reference (PC850 = 2, WPC1252 = 16,
//! PC858 = 19); Star printers in ESC/POS emulation use the same numbers.

use serde::{Deserialize, Serialize};

use crate::HwError;
use crate::escpos::codepage::CodePage;

/// What the renderer needs to know about a printer model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterProfile {
    /// Stable identifier (`epson-tm-t20`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Characters per line in font A.
    pub chars_per_line: u16,
    /// Printable dots per line (raster images must fit).
    pub dots_per_line: u16,
    /// The code page text is encoded in.
    pub code_page: CodePage,
    /// Its `ESC t n` number on this printer.
    pub code_page_number: u8,
    /// Native QR codes (`GS ( k`); without it QR codes print as raster images.
    pub qr: bool,
    /// An auto-cutter (`GS V`); without it the paper is fed to the tear bar.
    pub cut: bool,
}

impl PrinterProfile {
    /// Epson TM-T20 (II/III): 80 mm, 48 columns, 576 dots, PC858.
    pub fn epson_tm_t20() -> PrinterProfile {
        PrinterProfile {
            id: "epson-tm-t20".to_owned(),
            name: "Epson TM-T20".to_owned(),
            chars_per_line: 48,
            dots_per_line: 576,
            code_page: CodePage::Cp858,
            code_page_number: 19,
            qr: true,
            cut: true,
        }
    }

    /// Epson TM-T88 (V/VI): 80 mm, 42 columns at 180 dpi, 512 dots, PC858.
    pub fn epson_tm_t88() -> PrinterProfile {
        PrinterProfile {
            id: "epson-tm-t88".to_owned(),
            name: "Epson TM-T88".to_owned(),
            chars_per_line: 42,
            dots_per_line: 512,
            code_page: CodePage::Cp858,
            code_page_number: 19,
            qr: true,
            cut: true,
        }
    }

    /// Star TSP100/TSP650 series in ESC/POS emulation: 80 mm, 48 columns, WPC1252.
    pub fn star_escpos() -> PrinterProfile {
        PrinterProfile {
            id: "star-escpos".to_owned(),
            name: "Star (ESC/POS emulation)".to_owned(),
            chars_per_line: 48,
            dots_per_line: 576,
            code_page: CodePage::Wpc1252,
            code_page_number: 16,
            qr: true,
            cut: true,
        }
    }

    /// A generic 58 mm printer: 32 columns, 384 dots, PC850 (no euro sign),
    /// no native QR, no cutter.
    pub fn generic_58mm() -> PrinterProfile {
        PrinterProfile {
            id: "generic-58mm".to_owned(),
            name: "Generic 58 mm".to_owned(),
            chars_per_line: 32,
            dots_per_line: 384,
            code_page: CodePage::Pc850,
            code_page_number: 2,
            qr: false,
            cut: false,
        }
    }

    /// Every built-in profile.
    pub fn builtin() -> Vec<PrinterProfile> {
        vec![
            Self::epson_tm_t20(),
            Self::epson_tm_t88(),
            Self::star_escpos(),
            Self::generic_58mm(),
        ]
    }

    /// A built-in profile by id.
    pub fn by_id(id: &str) -> Result<PrinterProfile, HwError> {
        let builtin = Self::builtin();
        let known = builtin
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        builtin
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| HwError::UnknownPrinterProfile {
                id: id.chars().take(64).collect(),
                known,
            })
    }

    /// Line width in characters, as `usize`.
    pub fn width(&self) -> usize {
        usize::from(self.chars_per_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        for p in PrinterProfile::builtin() {
            assert_eq!(PrinterProfile::by_id(&p.id).unwrap(), p);
        }
        let e = PrinterProfile::by_id("epson-tm-t2O").unwrap_err();
        assert_eq!(e.code(), "unknown_printer_profile");
        let message = e.to_string();
        assert!(
            message
                .starts_with("unknown printer profile `epson-tm-t2O` (the built-in profiles are "),
            "{message}"
        );
        for p in PrinterProfile::builtin() {
            assert!(message.contains(&p.id), "{message}");
        }
    }
}
