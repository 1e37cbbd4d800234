//! ESC/POS command bytes, one function per command.
//!
//! Why our own builder and not the `escpos` crate: that crate sends the
//! drawer kick as 3 bytes (`ESC p m`) where the command has 5 (`ESC p m t1
//! t2`; printers then swallow the next two bytes of the receipt as pulse
//! times), and its CP858 table maps `Ô` to the wrong byte. Receipts are legal
//! documents, so every byte here is written against the command reference and
//! tested.

use crate::receipt::document::{Align, BarcodeKind, CutKind, DrawerPin, QrLevel, TextSize};

/// Escape.
pub const ESC: u8 = 0x1B;
/// Group separator, the prefix of `GS` commands.
pub const GS: u8 = 0x1D;
/// Data link escape, the prefix of real-time commands.
pub const DLE: u8 = 0x10;
/// End of transmission (`DLE EOT n` asks for a status byte).
pub const EOT: u8 = 0x04;
/// Line feed: print the buffer and feed one line.
pub const LF: u8 = 0x0A;

/// `ESC @`: initialise the printer (clears modes and the buffer).
pub const INIT: [u8; 2] = [ESC, b'@'];

/// `ESC t n`: select the character code table `n`.
pub fn code_table(n: u8) -> [u8; 3] {
    [ESC, b't', n]
}

/// `ESC E n`: emphasised (bold) on or off.
pub fn bold(on: bool) -> [u8; 3] {
    [ESC, b'E', u8::from(on)]
}

/// `GS ! n`: character size; width factor in bits 4-6, height in bits 0-2.
pub fn size(size: TextSize) -> [u8; 3] {
    let w: u8 = if size.width_factor() == 2 { 0x10 } else { 0 };
    let h: u8 = if size.height_factor() == 2 { 0x01 } else { 0 };
    [GS, b'!', w | h]
}

/// `ESC a n`: justification (0 left, 1 centre, 2 right).
pub fn align(align: Align) -> [u8; 3] {
    let n = match align {
        Align::Left => 0,
        Align::Center => 1,
        Align::Right => 2,
    };
    [ESC, b'a', n]
}

/// `ESC d n`: print and feed `n` lines.
pub fn feed_lines(n: u8) -> [u8; 3] {
    [ESC, b'd', n]
}

/// `GS V m n`: feed `n` dots past the cutter then cut (m = 65 full, 66 partial).
pub fn cut(kind: CutKind, feed: u8) -> [u8; 4] {
    let m = match kind {
        CutKind::Full => 65,
        CutKind::Partial => 66,
    };
    [GS, b'V', m, feed]
}

/// `ESC p m t1 t2`: drawer pulse on pin 2 (m = 0) or pin 5 (m = 1), on for
/// t1 x 2 ms and off for t2 x 2 ms. Five bytes, always.
pub fn drawer_pulse(pin: DrawerPin, on_ms: u16, off_ms: u16) -> [u8; 5] {
    let m = match pin {
        DrawerPin::Pin2 => 0,
        DrawerPin::Pin5 => 1,
    };
    [ESC, b'p', m, ms_to_units(on_ms), ms_to_units(off_ms)]
}

/// Milliseconds to 2 ms units, clamped to 1..=255.
fn ms_to_units(ms: u16) -> u8 {
    u8::try_from((ms / 2).clamp(1, 255)).unwrap_or(u8::MAX)
}

/// `DLE EOT n`: real-time status request (n = 1 printer, 2 offline cause,
/// 3 error cause, 4 paper sensor).
pub fn status_request(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// Appends `GS ( k pL pH cn fn ...` (cn = 49, QR code).
fn qr_function(out: &mut Vec<u8>, function: u8, params: &[u8]) {
    let len = params.len().saturating_add(2);
    let [pl, ph] = u16::try_from(len).unwrap_or(u16::MAX).to_le_bytes();
    out.extend_from_slice(&[GS, b'(', b'k', pl, ph, 49, function]);
    out.extend_from_slice(params);
}

/// The five `GS ( k` commands that print a QR code: model 2, module size,
/// error level, store the data, print. `data` must be at most 7089 bytes.
pub fn qr_code(out: &mut Vec<u8>, data: &[u8], module_size: u8, level: QrLevel) {
    qr_function(out, 65, &[50, 0]); // fn 165: model 2
    qr_function(out, 67, &[module_size.clamp(1, 16)]); // fn 167: module size
    let l = match level {
        QrLevel::L => 48,
        QrLevel::M => 49,
        QrLevel::Q => 50,
        QrLevel::H => 51,
    };
    qr_function(out, 69, &[l]); // fn 169: error correction
    let mut store = Vec::with_capacity(data.len().saturating_add(1));
    store.push(48);
    store.extend_from_slice(data);
    qr_function(out, 80, &store); // fn 180: store data
    qr_function(out, 81, &[48]); // fn 181: print
}

/// `GS H 2` (text below), `GS h 80` (height) and `GS k m n d1..dn`: a barcode
/// (m = 67 EAN-13, m = 73 CODE128; CODE128 data starts with `{B`, code set B).
pub fn barcode(out: &mut Vec<u8>, kind: BarcodeKind, data: &[u8]) {
    out.extend_from_slice(&[GS, b'H', 2, GS, b'h', 80, GS, b'w', 2]);
    match kind {
        BarcodeKind::Ean13 => {
            out.extend_from_slice(&[GS, b'k', 67, u8::try_from(data.len()).unwrap_or(0)]);
            out.extend_from_slice(data);
        }
        BarcodeKind::Code128 => {
            let n = u8::try_from(data.len().saturating_add(2)).unwrap_or(0);
            out.extend_from_slice(&[GS, b'k', 73, n, b'{', b'B']);
            out.extend_from_slice(data);
        }
    }
}

/// `GS v 0 m xL xH yL yH d...`: a raster bit image (m = 0, normal size);
/// `width_bytes` bytes per row, `height` rows.
pub fn raster_header(width_bytes: u16, height: u16) -> [u8; 8] {
    let [xl, xh] = width_bytes.to_le_bytes();
    let [yl, yh] = height.to_le_bytes();
    [GS, b'v', b'0', 0, xl, xh, yl, yh]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawer_pulse_is_five_bytes() {
        assert_eq!(
            drawer_pulse(DrawerPin::Pin2, 100, 500),
            [0x1B, 0x70, 0, 50, 250]
        );
        assert_eq!(
            drawer_pulse(DrawerPin::Pin5, 0, 60000),
            [0x1B, 0x70, 1, 1, 255]
        );
    }

    #[test]
    fn qr_store_length_counts_cn_fn_and_m() {
        let mut out = Vec::new();
        qr_code(&mut out, b"https://x.fr/t/1", 4, QrLevel::M);
        // model, size, level, store, print.
        assert_eq!(&out[..9], &[0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0]);
        let store = [0x1D, 0x28, 0x6B, 19, 0, 49, 80, 48];
        let at = out.windows(store.len()).position(|w| w == store).unwrap();
        assert_eq!(&out[at + 8..at + 8 + 16], b"https://x.fr/t/1");
        assert!(out.ends_with(&[0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48]));
    }

    #[test]
    fn size_bits() {
        assert_eq!(size(TextSize::Double), [0x1D, 0x21, 0x11]);
        assert_eq!(size(TextSize::DoubleHeight), [0x1D, 0x21, 0x01]);
        assert_eq!(size(TextSize::Normal), [0x1D, 0x21, 0x00]);
    }
}
