//! ESC/POS bytes back to text lines and commands: proves golden files print
//! the right words, accents and euro signs. Total over any input: unknown or
//! truncated commands become items, never panics.

use super::codepage::CodePage;

/// One decoded item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// `ESC @`.
    Init,
    /// `ESC t n`.
    CodeTable(u8),
    /// `ESC E n`.
    Bold(bool),
    /// `GS ! n`: (width factor, height factor).
    Size(u8, u8),
    /// `ESC a n`.
    Align(u8),
    /// A printed line (text up to `LF`), decoded with the current code page.
    Line(String),
    /// `ESC d n`.
    Feed(u8),
    /// `GS V m n`.
    Cut {
        /// 65 full, 66 partial (or 0/1, 48/49 without feed).
        mode: u8,
    },
    /// `ESC p m t1 t2`.
    DrawerPulse {
        /// 0 pin 2, 1 pin 5.
        pin: u8,
        /// On time in 2 ms units.
        on: u8,
        /// Off time in 2 ms units.
        off: u8,
    },
    /// The data stored by `GS ( k` fn 180 (QR code).
    QrData(Vec<u8>),
    /// Another `GS ( k` QR function (model, size, level, print).
    QrFunction(u8),
    /// `GS k m n data`.
    Barcode {
        /// Symbology number.
        m: u8,
        /// Data bytes.
        data: Vec<u8>,
    },
    /// `GS H`, `GS h`, `GS w`: barcode settings.
    BarcodeSetting(u8, u8),
    /// `GS v 0` raster image.
    Raster {
        /// Bytes per row.
        width_bytes: u16,
        /// Rows.
        height: u16,
        /// The dots, row after row.
        bits: Vec<u8>,
    },
    /// `DLE EOT n`.
    StatusRequest(u8),
    /// A command cut short by the end of the input.
    Truncated,
    /// A byte that starts no known command.
    Unknown(u8),
}

/// The code page of an `ESC t` number, as the built-in profiles use them.
pub fn code_page_for(n: u8) -> Option<CodePage> {
    match n {
        2 => Some(CodePage::Pc850),
        16 => Some(CodePage::Wpc1252),
        19 => Some(CodePage::Cp858),
        40 => Some(CodePage::Latin9),
        _ => None,
    }
}

/// Decodes a byte stream; text before any `ESC t` is read as PC850.
pub fn decode(bytes: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut page = CodePage::Pc850;
    let mut text: Vec<u8> = Vec::new();
    let mut i = 0usize;
    let at = |k: usize| bytes.get(k).copied();
    while let Some(b) = at(i) {
        let next = i.saturating_add(1);
        match b {
            0x0A => {
                out.push(Decoded::Line(page.decode(&text)));
                text.clear();
                i = next;
                continue;
            }
            0x1B | 0x1D | 0x10 => {}
            _ if b >= 0x20 => {
                text.push(b);
                i = next;
                continue;
            }
            _ => {
                out.push(Decoded::Unknown(b));
                i = next;
                continue;
            }
        }
        let arg = |k: usize| at(i.saturating_add(k));
        let (item, len) = match (b, arg(1)) {
            (0x1B, Some(b'@')) => (Some(Decoded::Init), 2),
            (0x1B, Some(b't')) => match arg(2) {
                Some(n) => {
                    if let Some(p) = code_page_for(n) {
                        page = p;
                    }
                    (Some(Decoded::CodeTable(n)), 3)
                }
                None => (None, 0),
            },
            (0x1B, Some(b'E')) => (arg(2).map(|n| Decoded::Bold(n & 1 == 1)), 3),
            (0x1B, Some(b'a')) => (arg(2).map(Decoded::Align), 3),
            (0x1B, Some(b'd')) => (arg(2).map(Decoded::Feed), 3),
            (0x1B, Some(b'p')) => match (arg(2), arg(3), arg(4)) {
                (Some(pin), Some(on), Some(off)) => {
                    (Some(Decoded::DrawerPulse { pin, on, off }), 5)
                }
                _ => (None, 0),
            },
            (0x1D, Some(b'!')) => (
                arg(2).map(|n| {
                    Decoded::Size(((n >> 4) & 7).saturating_add(1), (n & 7).saturating_add(1))
                }),
                3,
            ),
            (0x1D, Some(b'V')) => match arg(2) {
                Some(m @ (65 | 66)) => (arg(3).map(|_| Decoded::Cut { mode: m }), 4),
                Some(m) => (Some(Decoded::Cut { mode: m }), 3),
                None => (None, 0),
            },
            (0x1D, Some(c @ (b'H' | b'h' | b'w'))) => {
                (arg(2).map(|n| Decoded::BarcodeSetting(c, n)), 3)
            }
            (0x1D, Some(b'k')) => match (arg(2), arg(3)) {
                (Some(m), Some(n)) if m >= 65 => {
                    let start = i.saturating_add(4);
                    let end = start.saturating_add(usize::from(n));
                    match bytes.get(start..end) {
                        Some(data) => (
                            Some(Decoded::Barcode {
                                m,
                                data: data.to_vec(),
                            }),
                            4usize.saturating_add(usize::from(n)),
                        ),
                        None => (None, 0),
                    }
                }
                _ => (None, 0),
            },
            (0x1D, Some(b'(')) => match (arg(2), arg(3), arg(4), arg(6)) {
                (Some(b'k'), Some(pl), Some(ph), Some(f)) => {
                    let len = usize::from(u16::from_le_bytes([pl, ph]));
                    let start = i.saturating_add(5);
                    match bytes.get(start..start.saturating_add(len)) {
                        Some(body) if f == 80 => (
                            Some(Decoded::QrData(body.get(3..).unwrap_or(&[]).to_vec())),
                            5usize.saturating_add(len),
                        ),
                        Some(_) => (Some(Decoded::QrFunction(f)), 5usize.saturating_add(len)),
                        None => (None, 0),
                    }
                }
                _ => (None, 0),
            },
            (0x1D, Some(b'v')) => match (arg(2), arg(4), arg(5), arg(6), arg(7)) {
                (Some(b'0'), Some(xl), Some(xh), Some(yl), Some(yh)) => {
                    let width_bytes = u16::from_le_bytes([xl, xh]);
                    let height = u16::from_le_bytes([yl, yh]);
                    let data = usize::from(width_bytes).saturating_mul(usize::from(height));
                    let start = i.saturating_add(8);
                    match bytes.get(start..start.saturating_add(data)) {
                        Some(bits) => (
                            Some(Decoded::Raster {
                                width_bytes,
                                height,
                                bits: bits.to_vec(),
                            }),
                            8usize.saturating_add(data),
                        ),
                        None => (None, 0),
                    }
                }
                _ => (None, 0),
            },
            (0x10, Some(0x04)) => (arg(2).map(Decoded::StatusRequest), 3),
            (_, None) => (None, 0),
            (_, Some(_)) => (Some(Decoded::Unknown(b)), 1),
        };
        match item {
            Some(item) => {
                out.push(item);
                i = i.saturating_add(len);
            }
            None => {
                out.push(Decoded::Truncated);
                break;
            }
        }
    }
    if !text.is_empty() {
        out.push(Decoded::Line(page.decode(&text)));
    }
    out
}

/// Only the printed lines, in order.
pub fn text_lines(bytes: &[u8]) -> Vec<String> {
    decode(bytes)
        .into_iter()
        .filter_map(|d| {
            if let Decoded::Line(l) = d {
                Some(l)
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_in_the_selected_page() {
        let bytes = [
            0x1B, b'@', 0x1B, b't', 19, b'1', b' ', 0xD5, 0x0A, 0x1B, b'p', 0, 50, 250,
        ];
        assert_eq!(
            decode(&bytes),
            vec![
                Decoded::Init,
                Decoded::CodeTable(19),
                Decoded::Line("1 €".into()),
                Decoded::DrawerPulse {
                    pin: 0,
                    on: 50,
                    off: 250
                }
            ]
        );
    }

    #[test]
    fn truncated_commands_do_not_panic() {
        assert_eq!(decode(&[0x1B]), vec![Decoded::Truncated]);
        assert_eq!(
            decode(&[0x1D, b'v', b'0', 0, 10, 0, 10, 0, 1]),
            vec![Decoded::Truncated]
        );
        assert_eq!(
            decode(&[0x1D, b'(', b'k', 0xFF, 0xFF, 49, 80]),
            vec![Decoded::Truncated]
        );
    }
}
