//! Bytes for a 2×20 VFD customer display speaking the ESC/POS display
//! command set (Epson DM-D compatible).
//!
//! | command | bytes |
//! |---|---|
//! | initialise | `ESC @` (1B 40) |
//! | clear, cursor home | `FF` (0C) |
//! | cursor to column x, row y | `US $ x y` (1F 24 x y), 1-based |
//! | character table | `ESC t n` (1B 74 n) |
//! | brightness 1–4 | `US X n` (1F 58 n) |
//! | overwrite mode | `US MD1` (1F 01) |

use rust_decimal::{Decimal, RoundingStrategy};

use super::codepage::CodePage;
use crate::HwError;

/// Columns of the display.
pub const COLUMNS: u8 = 20;
/// Rows of the display.
pub const ROWS: u8 = 2;

/// Builds command bytes for one display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DisplayEncoder {
    /// The character table text is encoded with.
    pub code_page: CodePage,
}

impl DisplayEncoder {
    /// An encoder writing text in `code_page`.
    pub fn new(code_page: CodePage) -> Self {
        Self { code_page }
    }

    /// Initialise, overwrite mode, select the character table.
    pub fn init(&self) -> Vec<u8> {
        vec![
            0x1b,
            b'@',
            0x1f,
            0x01,
            0x1b,
            b't',
            self.code_page.table_number(),
        ]
    }

    /// Clear the screen and home the cursor.
    pub fn clear(&self) -> Vec<u8> {
        vec![0x0c]
    }

    /// Move the cursor to `row` (1–2), `column` (1–20).
    pub fn move_to(&self, row: u8, column: u8) -> Result<Vec<u8>, HwError> {
        if !(1..=ROWS).contains(&row) || !(1..=COLUMNS).contains(&column) {
            return Err(HwError::DisplayPosition { row, column });
        }
        Ok(vec![0x1f, b'$', column, row])
    }

    /// Brightness level 1 (dim) to 4 (bright); other levels are clamped.
    pub fn brightness(&self, level: u8) -> Vec<u8> {
        vec![0x1f, b'X', level.clamp(1, 4)]
    }

    /// `text` encoded in the table, cut or padded with spaces to 20 cells.
    pub fn line_bytes(&self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::from(COLUMNS));
        for c in text.chars() {
            self.code_page.encode_into(c, &mut out);
        }
        out.resize(usize::from(COLUMNS), b' ');
        out
    }

    /// Writes a whole row (cut or padded), from its first column.
    pub fn write_line(&self, row: u8, text: &str) -> Result<Vec<u8>, HwError> {
        let mut out = self.move_to(row, 1)?;
        out.extend(self.line_bytes(text));
        Ok(out)
    }

    /// Both rows at once, without clearing first (no flicker).
    pub fn show(&self, top: &str, bottom: &str) -> Vec<u8> {
        let mut out = vec![0x1f, b'$', 1, 1];
        out.extend(self.line_bytes(top));
        out.extend_from_slice(&[0x1f, b'$', 1, 2]);
        out.extend(self.line_bytes(bottom));
        out
    }
}

/// `left` and `right` on one 20-column row, `right` flush right; `left` is
/// cut to make room.
pub fn two_columns(left: &str, right: &str) -> String {
    let width = usize::from(COLUMNS);
    let right_len = right.chars().count().min(width);
    let room = width.saturating_sub(right_len).saturating_sub(1);
    let left: String = left.chars().take(room).collect();
    let pad = width
        .saturating_sub(left.chars().count())
        .saturating_sub(right_len);
    format!(
        "{left}{}{}",
        " ".repeat(pad),
        right.chars().take(width).collect::<String>()
    )
}

/// An amount the French way: two decimals (half away from zero), decimal
/// comma, then the euro sign: `12,50 €`.
pub fn euros(amount: Decimal) -> String {
    let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    format!("{:.2} €", rounded).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_bytes() {
        let e = DisplayEncoder::new(CodePage::Pc858);
        assert_eq!(e.init(), [0x1b, 0x40, 0x1f, 0x01, 0x1b, 0x74, 19]);
        assert_eq!(e.move_to(2, 20).unwrap(), [0x1f, 0x24, 20, 2]);
        assert_eq!(
            e.move_to(3, 1),
            Err(HwError::DisplayPosition { row: 3, column: 1 })
        );
        assert_eq!(
            e.move_to(1, 0),
            Err(HwError::DisplayPosition { row: 1, column: 0 })
        );
        assert_eq!(e.line_bytes("Café 2€").len(), 20);
        assert_eq!(&e.line_bytes("Café 2€")[..7], b"Caf\x82 2\xd5");
    }

    #[test]
    fn layout_helpers() {
        assert_eq!(two_columns("TOMATES", "2,79 €"), "TOMATES       2,79 €");
        assert_eq!(
            two_columns("A VERY LONG ARTICLE NAME", "12,00 €"),
            "A VERY LONG  12,00 €"
        );
        assert_eq!(euros("2.785".parse().unwrap()), "2,79 €");
        assert_eq!(euros("-0.5".parse().unwrap()), "-0,50 €");
    }
}
