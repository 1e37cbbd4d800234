//! Document → ESC/POS bytes for one printer profile.
//!
//! Style commands are sent only when the style changes, so a receipt is
//! compact and its golden bytes read well. Text is encoded in the profile's
//! code page; a character the page lacks is substituted (`€` → `EUR`).

use super::commands as cmd;
use crate::HwError;
use crate::printer::PrinterProfile;
use crate::receipt::document::{Align, BarcodeKind, Bitmap, CutKind, ReceiptDocument, TextSize};
use crate::receipt::image::{modules_to_bitmap, qr_matrix};
use crate::receipt::layout::{Laid, layout_with};

/// Largest QR payload a printer stores (`GS ( k` fn 180, model 2).
pub const QR_MAX_BYTES: usize = 7089;
/// Dots fed past the print head before a cut.
const CUT_FEED_DOTS: u8 = 96;

/// Style the printer is currently in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    align: Align,
    bold: bool,
    size: TextSize,
}

/// Encodes `doc` for `profile`. Bad content (an image wider than the paper, a
/// malformed barcode, a QR payload too long) is an error and nothing is sent.
pub fn encode(doc: &ReceiptDocument, profile: &PrinterProfile) -> Result<Vec<u8>, HwError> {
    let mut out = Vec::with_capacity(doc.blocks.len().saturating_mul(48).saturating_add(64));
    out.extend_from_slice(&cmd::INIT);
    out.extend_from_slice(&cmd::code_table(profile.code_page_number));
    let mut state = State {
        align: Align::Left,
        bold: false,
        size: TextSize::Normal,
    };
    let page = profile.code_page;
    for item in layout_with(doc, profile.width(), |t| page.printable(t)) {
        match item {
            Laid::Line {
                text,
                align,
                bold,
                size,
            } => {
                set_style(&mut out, &mut state, State { align, bold, size });
                profile.code_page.encode_into(&text, &mut out);
                out.push(cmd::LF);
            }
            Laid::Feed(n) => out.extend_from_slice(&cmd::feed_lines(n)),
            Laid::Logo(bmp) => {
                let centred = State {
                    align: Align::Center,
                    ..state
                };
                set_style(&mut out, &mut state, centred);
                raster(&mut out, bmp, profile)?;
            }
            Laid::Qr {
                data,
                module_size,
                level,
            } => {
                let centred = State {
                    align: Align::Center,
                    ..state
                };
                set_style(&mut out, &mut state, centred);
                if data.len() > QR_MAX_BYTES {
                    return Err(HwError::QrData { len: data.len() });
                }
                if profile.qr {
                    cmd::qr_code(&mut out, data.as_bytes(), module_size, level);
                    out.push(cmd::LF);
                } else {
                    let (side, modules) = qr_matrix(data, level)?;
                    let bmp =
                        modules_to_bitmap(side, &modules, usize::from(module_size.clamp(1, 16)), 2);
                    raster(&mut out, &bmp, profile)?;
                }
            }
            Laid::Barcode { kind, data } => {
                let centred = State {
                    align: Align::Center,
                    ..state
                };
                set_style(&mut out, &mut state, centred);
                let payload = barcode_payload(kind, data)?;
                cmd::barcode(&mut out, kind, &payload);
                out.push(cmd::LF);
            }
            Laid::Cut(kind) => cut(&mut out, kind, profile),
            Laid::Drawer { pin, on_ms, off_ms } => {
                out.extend_from_slice(&cmd::drawer_pulse(pin, on_ms, off_ms))
            }
        }
    }
    Ok(out)
}

fn set_style(out: &mut Vec<u8>, state: &mut State, want: State) {
    if want.align != state.align {
        out.extend_from_slice(&cmd::align(want.align));
    }
    if want.bold != state.bold {
        out.extend_from_slice(&cmd::bold(want.bold));
    }
    if want.size != state.size {
        out.extend_from_slice(&cmd::size(want.size));
    }
    *state = want;
}

fn cut(out: &mut Vec<u8>, kind: CutKind, profile: &PrinterProfile) {
    if profile.cut {
        out.extend_from_slice(&cmd::cut(kind, CUT_FEED_DOTS));
    } else {
        // No cutter: feed the last line past the tear bar.
        out.extend_from_slice(&cmd::feed_lines(4));
    }
}

/// `GS v 0` for a bitmap that fits the paper.
fn raster(out: &mut Vec<u8>, bmp: &Bitmap, profile: &PrinterProfile) -> Result<(), HwError> {
    if !bmp.is_consistent() || bmp.width == 0 || bmp.width > profile.dots_per_line {
        return Err(HwError::BitmapSize {
            width: bmp.width,
            height: bmp.height,
        });
    }
    let width_bytes = u16::try_from(bmp.row_bytes()).map_err(|_| HwError::BitmapSize {
        width: bmp.width,
        height: bmp.height,
    })?;
    out.extend_from_slice(&cmd::raster_header(width_bytes, bmp.height));
    out.extend_from_slice(&bmp.bits);
    Ok(())
}

/// Checks barcode data and returns the bytes to send.
pub fn barcode_payload(kind: BarcodeKind, data: &str) -> Result<Vec<u8>, HwError> {
    match kind {
        BarcodeKind::Ean13 => {
            let digits: Vec<u8> = data.bytes().collect();
            let all_digits = digits.iter().all(u8::is_ascii_digit);
            match (digits.len(), all_digits) {
                (12, true) => Ok(digits),
                (13, true)
                    if ean13_check_digit(digits.get(..12).unwrap_or(&[]))
                        == digits.get(12).copied() =>
                {
                    Ok(digits)
                }
                _ => Err(HwError::PrintBarcodeData { kind }),
            }
        }
        BarcodeKind::Code128 => {
            if data.is_empty() || !data.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
                return Err(HwError::PrintBarcodeData { kind });
            }
            // `{` introduces a code-set switch in `GS k` 73: a literal one is `{{`.
            let mut out = Vec::with_capacity(data.len().saturating_add(4));
            for b in data.bytes() {
                out.push(b);
                if b == b'{' {
                    out.push(b'{');
                }
            }
            if out.len() > 253 {
                return Err(HwError::PrintBarcodeData { kind });
            }
            Ok(out)
        }
    }
}

/// The EAN-13 check digit (as an ASCII digit) of 12 ASCII digits.
pub fn ean13_check_digit(first12: &[u8]) -> Option<u8> {
    if first12.len() != 12 || !first12.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.saturating_sub(b'0'));
            if i % 2 == 0 { d } else { d.saturating_mul(3) }
        })
        .fold(0, u32::saturating_add);
    let check = (10u32.saturating_sub(sum % 10)) % 10;
    u8::try_from(check).ok().map(|c| c.saturating_add(b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::document::{Block, TextStyle};

    #[test]
    fn ean13_check_digit_is_verified() {
        assert_eq!(ean13_check_digit(b"301762042200"), Some(b'3'));
        assert!(barcode_payload(BarcodeKind::Ean13, "3017620422003").is_ok());
        assert_eq!(
            barcode_payload(BarcodeKind::Ean13, "3017620422004"),
            Err(HwError::PrintBarcodeData {
                kind: BarcodeKind::Ean13
            })
        );
        assert!(barcode_payload(BarcodeKind::Ean13, "30176204220x").is_err());
        assert_eq!(
            barcode_payload(BarcodeKind::Code128, "A{B").unwrap(),
            b"A{{B".to_vec()
        );
        assert!(barcode_payload(BarcodeKind::Code128, "é").is_err());
    }

    #[test]
    fn styles_are_sent_only_on_change() {
        let mut doc = ReceiptDocument::new();
        doc.text("A", TextStyle::PLAIN.bold());
        doc.text("B", TextStyle::PLAIN.bold());
        let bytes = encode(&doc, &PrinterProfile::epson_tm_t20()).unwrap();
        assert_eq!(
            bytes,
            vec![
                0x1B, b'@', 0x1B, b't', 19, 0x1B, b'E', 1, b'A', 0x0A, b'B', 0x0A
            ]
        );
    }

    #[test]
    fn too_wide_logo_is_refused() {
        let mut doc = ReceiptDocument::new();
        doc.push(Block::Logo {
            bitmap: Bitmap {
                width: 400,
                height: 1,
                bits: vec![0; 50],
            },
        });
        assert_eq!(
            encode(&doc, &PrinterProfile::generic_58mm()),
            Err(HwError::BitmapSize {
                width: 400,
                height: 1
            })
        );
        assert!(encode(&doc, &PrinterProfile::epson_tm_t20()).is_ok());
    }
}
