//! The receipt document: what to print, independent of any printer.
//!
//! A document is a list of [`Block`]s. Widths are not fixed here: rows of
//! columns are fitted to the printer's line width when rendered, so the same
//! document prints on 58 mm and 80 mm paper.

use serde::{Deserialize, Serialize};

/// Horizontal alignment of a line or a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Flush left (the default).
    #[default]
    Left,
    /// Centred.
    Center,
    /// Flush right (amounts).
    Right,
}

/// Character magnification, as ESC/POS `GS !` offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    /// Normal size.
    #[default]
    Normal,
    /// Twice as wide (half as many characters per line).
    DoubleWidth,
    /// Twice as tall.
    DoubleHeight,
    /// Twice as wide and twice as tall.
    Double,
}

impl TextSize {
    /// Horizontal magnification (1 or 2).
    pub fn width_factor(self) -> usize {
        match self {
            TextSize::Normal | TextSize::DoubleHeight => 1,
            TextSize::DoubleWidth | TextSize::Double => 2,
        }
    }

    /// Vertical magnification (1 or 2).
    pub fn height_factor(self) -> usize {
        match self {
            TextSize::Normal | TextSize::DoubleWidth => 1,
            TextSize::DoubleHeight | TextSize::Double => 2,
        }
    }
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextStyle {
    /// Emphasised (bold) print.
    #[serde(default)]
    pub bold: bool,
    /// Magnification.
    #[serde(default)]
    pub size: TextSize,
    /// Alignment of the whole line.
    #[serde(default)]
    pub align: Align,
}

impl TextStyle {
    /// Plain, left-aligned, normal size.
    pub const PLAIN: TextStyle = TextStyle {
        bold: false,
        size: TextSize::Normal,
        align: Align::Left,
    };

    /// Centred normal text.
    pub const fn centered() -> TextStyle {
        TextStyle {
            bold: false,
            size: TextSize::Normal,
            align: Align::Center,
        }
    }

    /// The same style, in bold.
    pub const fn bold(self) -> TextStyle {
        TextStyle { bold: true, ..self }
    }

    /// The same style with another size.
    pub const fn sized(self, size: TextSize) -> TextStyle {
        TextStyle { size, ..self }
    }
}

/// One cell of a row: its text, alignment and share of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The cell's text (truncated if it does not fit, never wrapped).
    pub text: String,
    /// Alignment inside the cell.
    pub align: Align,
    /// Relative weight of the cell's width; the widest flexible column
    /// (weight 0 = "shrink to content") takes what is left.
    pub weight: u8,
}

impl Column {
    /// A left-aligned column that takes the space left over.
    pub fn fill(text: impl Into<String>) -> Column {
        Column {
            text: text.into(),
            align: Align::Left,
            weight: 0,
        }
    }

    /// A right-aligned column exactly as wide as its text (amounts).
    pub fn right(text: impl Into<String>) -> Column {
        Column {
            text: text.into(),
            align: Align::Right,
            weight: 1,
        }
    }
}

/// Barcode symbologies the printers know natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarcodeKind {
    /// EAN-13: 12 or 13 digits (the check digit is computed if missing).
    Ean13,
    /// CODE128 (code set B): printable ASCII.
    Code128,
}

/// QR error-correction level (ESC/POS `GS ( k` fn 69).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrLevel {
    /// ~7 % recovery.
    L,
    /// ~15 % recovery (the default: receipts get scratched).
    #[default]
    M,
    /// ~25 % recovery.
    Q,
    /// ~30 % recovery.
    H,
}

/// A 1-bit image: `width` pixels per row, rows packed MSB first, each row
/// padded to whole bytes; a set bit prints black.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bitmap {
    /// Width in dots.
    pub width: u16,
    /// Height in dots.
    pub height: u16,
    /// `ceil(width / 8) * height` bytes, row after row.
    pub bits: Vec<u8>,
}

impl Bitmap {
    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        usize::from(self.width).div_ceil(8)
    }

    /// Whether the dot at (x, y) is black; false outside the image.
    pub fn get(&self, x: usize, y: usize) -> bool {
        if x >= usize::from(self.width) {
            return false;
        }
        let index = y
            .checked_mul(self.row_bytes())
            .and_then(|r| r.checked_add(x / 8));
        let byte = index.and_then(|i| self.bits.get(i)).copied().unwrap_or(0);
        byte & (0x80 >> (x % 8)) != 0
    }

    /// Whether the buffer length matches the dimensions.
    pub fn is_consistent(&self) -> bool {
        self.row_bytes().checked_mul(usize::from(self.height)) == Some(self.bits.len())
    }
}

/// Cash-drawer connector pin of the `ESC p` pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawerPin {
    /// Connector pin 2 (drawer 1, the usual one).
    #[default]
    Pin2,
    /// Connector pin 5 (drawer 2).
    Pin5,
}

/// The kind of paper cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutKind {
    /// Leaves a small hinge (the usual receipt cut).
    #[default]
    Partial,
    /// Cuts through.
    Full,
}

/// One element of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "block")]
pub enum Block {
    /// A line of text, wrapped at word boundaries if too long.
    Text {
        /// The text (any Unicode; unprintable characters are substituted).
        text: String,
        /// How it looks.
        style: TextStyle,
    },
    /// Two or three (or more) columns on one line, fitted to the width.
    Row {
        /// The cells, left to right.
        columns: Vec<Column>,
        /// Bold row.
        bold: bool,
        /// Magnification (a double-width row has half as many characters).
        #[serde(default)]
        size: TextSize,
    },
    /// A full-width line of one character (`-`, `=`).
    Separator {
        /// The character repeated.
        ch: char,
    },
    /// An empty line.
    Feed {
        /// Number of empty lines.
        lines: u8,
    },
    /// A centred 1-bit image (the shop's logo).
    Logo {
        /// The image.
        bitmap: Bitmap,
    },
    /// A centred QR code.
    Qr {
        /// The payload (a receipt URL).
        data: String,
        /// Module size in dots (1..=16).
        module_size: u8,
        /// Error correction.
        level: QrLevel,
    },
    /// A centred 1-D barcode with its human-readable text below.
    Barcode {
        /// Symbology.
        kind: BarcodeKind,
        /// The data.
        data: String,
    },
    /// Cut the paper (after feeding past the cutter).
    Cut {
        /// Partial or full.
        kind: CutKind,
    },
    /// Pulse the cash drawer.
    DrawerPulse {
        /// Which connector pin.
        pin: DrawerPin,
        /// Pulse on-time in milliseconds (rounded to 2 ms units).
        on_ms: u16,
        /// Pulse off-time in milliseconds.
        off_ms: u16,
    },
}

/// A printable receipt: blocks in print order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReceiptDocument {
    /// The blocks, top to bottom.
    pub blocks: Vec<Block>,
}

impl ReceiptDocument {
    /// An empty document.
    pub fn new() -> ReceiptDocument {
        ReceiptDocument::default()
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) -> &mut ReceiptDocument {
        self.blocks.push(block);
        self
    }

    /// Appends a line of text.
    pub fn text(&mut self, text: impl Into<String>, style: TextStyle) -> &mut ReceiptDocument {
        self.push(Block::Text {
            text: text.into(),
            style,
        })
    }

    /// Appends a row of columns.
    pub fn row(&mut self, columns: Vec<Column>) -> &mut ReceiptDocument {
        self.push(Block::Row {
            columns,
            bold: false,
            size: TextSize::Normal,
        })
    }

    /// Appends a separator line.
    pub fn separator(&mut self, ch: char) -> &mut ReceiptDocument {
        self.push(Block::Separator { ch })
    }

    /// Whether the document contains a drawer pulse.
    pub fn opens_drawer(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| matches!(b, Block::DrawerPulse { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_get_reads_msb_first_and_is_total() {
        let bmp = Bitmap {
            width: 9,
            height: 2,
            bits: vec![0x80, 0x80, 0x00, 0x00],
        };
        assert!(bmp.is_consistent());
        assert!(bmp.get(0, 0));
        assert!(bmp.get(8, 0));
        assert!(!bmp.get(1, 0));
        assert!(!bmp.get(0, 1));
        assert!(!bmp.get(100, 100));
        assert!(!bmp.get(usize::MAX, usize::MAX));
    }

    #[test]
    fn size_factors() {
        assert_eq!(TextSize::Double.width_factor(), 2);
        assert_eq!(TextSize::DoubleHeight.width_factor(), 1);
        assert_eq!(TextSize::DoubleHeight.height_factor(), 2);
    }
}
