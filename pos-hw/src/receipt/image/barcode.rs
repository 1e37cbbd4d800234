//! 1-D barcodes drawn as bars for images (the printer draws its own with
//! `GS k`): EAN-13 and CODE128 code set B, from the symbology tables.

use crate::HwError;
use crate::escpos::encoder::barcode_payload;
use crate::receipt::document::BarcodeKind;

/// EAN-13 left-hand odd-parity (L) patterns, digit 0 first; R = complement, G = R reversed.
const EAN_L: [u8; 10] = [
    0b0001101, 0b0011001, 0b0010011, 0b0111101, 0b0100011, 0b0110001, 0b0101111, 0b0111011,
    0b0110111, 0b0001011,
];

/// Parity of the six left digits for each first digit (bit set = G, leftmost digit = bit 5).
const EAN_PARITY: [u8; 10] = [
    0b000000, 0b001011, 0b001101, 0b001110, 0b010011, 0b011001, 0b011100, 0b010101, 0b010110,
    0b011010,
];

/// CODE128 bar/space widths per symbol value 0..=105 (6 elements, 11 modules).
const CODE128: [[u8; 6]; 106] = [
    [2, 1, 2, 2, 2, 2],
    [2, 2, 2, 1, 2, 2],
    [2, 2, 2, 2, 2, 1],
    [1, 2, 1, 2, 2, 3],
    [1, 2, 1, 3, 2, 2],
    [1, 3, 1, 2, 2, 2],
    [1, 2, 2, 2, 1, 3],
    [1, 2, 2, 3, 1, 2],
    [1, 3, 2, 2, 1, 2],
    [2, 2, 1, 2, 1, 3],
    [2, 2, 1, 3, 1, 2],
    [2, 3, 1, 2, 1, 2],
    [1, 1, 2, 2, 3, 2],
    [1, 2, 2, 1, 3, 2],
    [1, 2, 2, 2, 3, 1],
    [1, 1, 3, 2, 2, 2],
    [1, 2, 3, 1, 2, 2],
    [1, 2, 3, 2, 2, 1],
    [2, 2, 3, 2, 1, 1],
    [2, 2, 1, 1, 3, 2],
    [2, 2, 1, 2, 3, 1],
    [2, 1, 3, 2, 1, 2],
    [2, 2, 3, 1, 1, 2],
    [3, 1, 2, 1, 3, 1],
    [3, 1, 1, 2, 2, 2],
    [3, 2, 1, 1, 2, 2],
    [3, 2, 1, 2, 2, 1],
    [3, 1, 2, 2, 1, 2],
    [3, 2, 2, 1, 1, 2],
    [3, 2, 2, 2, 1, 1],
    [2, 1, 2, 1, 2, 3],
    [2, 1, 2, 3, 2, 1],
    [2, 3, 2, 1, 2, 1],
    [1, 1, 1, 3, 2, 3],
    [1, 3, 1, 1, 2, 3],
    [1, 3, 1, 3, 2, 1],
    [1, 1, 2, 3, 1, 3],
    [1, 3, 2, 1, 1, 3],
    [1, 3, 2, 3, 1, 1],
    [2, 1, 1, 3, 1, 3],
    [2, 3, 1, 1, 1, 3],
    [2, 3, 1, 3, 1, 1],
    [1, 1, 2, 1, 3, 3],
    [1, 1, 2, 3, 3, 1],
    [1, 3, 2, 1, 3, 1],
    [1, 1, 3, 1, 2, 3],
    [1, 1, 3, 3, 2, 1],
    [1, 3, 3, 1, 2, 1],
    [3, 1, 3, 1, 2, 1],
    [2, 1, 1, 3, 3, 1],
    [2, 3, 1, 1, 3, 1],
    [2, 1, 3, 1, 1, 3],
    [2, 1, 3, 3, 1, 1],
    [2, 1, 3, 1, 3, 1],
    [3, 1, 1, 1, 2, 3],
    [3, 1, 1, 3, 2, 1],
    [3, 3, 1, 1, 2, 1],
    [3, 1, 2, 1, 1, 3],
    [3, 1, 2, 3, 1, 1],
    [3, 3, 2, 1, 1, 1],
    [3, 1, 4, 1, 1, 1],
    [2, 2, 1, 4, 1, 1],
    [4, 3, 1, 1, 1, 1],
    [1, 1, 1, 2, 2, 4],
    [1, 1, 1, 4, 2, 2],
    [1, 2, 1, 1, 2, 4],
    [1, 2, 1, 4, 2, 1],
    [1, 4, 1, 1, 2, 2],
    [1, 4, 1, 2, 2, 1],
    [1, 1, 2, 2, 1, 4],
    [1, 1, 2, 4, 1, 2],
    [1, 2, 2, 1, 1, 4],
    [1, 2, 2, 4, 1, 1],
    [1, 4, 2, 1, 1, 2],
    [1, 4, 2, 2, 1, 1],
    [2, 4, 1, 2, 1, 1],
    [2, 2, 1, 1, 1, 4],
    [4, 1, 3, 1, 1, 1],
    [2, 4, 1, 1, 1, 2],
    [1, 3, 4, 1, 1, 1],
    [1, 1, 1, 2, 4, 2],
    [1, 2, 1, 1, 4, 2],
    [1, 2, 1, 2, 4, 1],
    [1, 1, 4, 2, 1, 2],
    [1, 2, 4, 1, 1, 2],
    [1, 2, 4, 2, 1, 1],
    [4, 1, 1, 2, 1, 2],
    [4, 2, 1, 1, 1, 2],
    [4, 2, 1, 2, 1, 1],
    [2, 1, 2, 1, 4, 1],
    [2, 1, 4, 1, 2, 1],
    [4, 1, 2, 1, 2, 1],
    [1, 1, 1, 1, 4, 3],
    [1, 1, 1, 3, 4, 1],
    [1, 3, 1, 1, 4, 1],
    [1, 1, 4, 1, 1, 3],
    [1, 1, 4, 3, 1, 1],
    [4, 1, 1, 1, 1, 3],
    [4, 1, 1, 3, 1, 1],
    [1, 1, 3, 1, 4, 1],
    [1, 1, 4, 1, 3, 1],
    [3, 1, 1, 1, 4, 1],
    [4, 1, 1, 1, 3, 1],
    [2, 1, 1, 4, 1, 2],
    [2, 1, 1, 2, 1, 4],
    [2, 1, 1, 2, 3, 2],
];

/// CODE128 stop pattern (7 elements, 13 modules).
const CODE128_STOP: [u8; 7] = [2, 3, 3, 1, 1, 1, 2];
/// Start code B.
const START_B: usize = 104;

/// The barcode as a bitmap: `px` pixels per module, bars `height` high and
/// a quiet zone of 10 modules on each side.
pub fn bars_bitmap(
    kind: BarcodeKind,
    data: &str,
    px: usize,
    height: usize,
) -> Result<crate::receipt::document::Bitmap, HwError> {
    let bars = modules(kind, data)?;
    let px = px.max(1);
    let quiet = px.saturating_mul(10);
    let mut canvas = super::canvas::Canvas::new(
        bars.len()
            .saturating_mul(px)
            .saturating_add(quiet.saturating_mul(2)),
    );
    canvas.ensure_height(height.max(1));
    for (i, bar) in bars.iter().enumerate() {
        if *bar {
            canvas.fill(quiet.saturating_add(i.saturating_mul(px)), 0, px, height);
        }
    }
    Ok(canvas.into_bitmap())
}

/// The barcode's modules, left to right (true = bar), without quiet zones.
pub fn modules(kind: BarcodeKind, data: &str) -> Result<Vec<bool>, HwError> {
    match kind {
        BarcodeKind::Ean13 => ean13(data),
        BarcodeKind::Code128 => code128(data),
    }
}

fn push_bits(out: &mut Vec<bool>, pattern: u8, count: u32) {
    for i in (0..count).rev() {
        out.push(pattern & (1 << i) != 0);
    }
}

fn ean13(data: &str) -> Result<Vec<bool>, HwError> {
    let mut digits = barcode_payload(BarcodeKind::Ean13, data)?;
    if digits.len() == 12 {
        let check = crate::escpos::encoder::ean13_check_digit(&digits).ok_or(
            HwError::PrintBarcodeData {
                kind: BarcodeKind::Ean13,
            },
        )?;
        digits.push(check);
    }
    let d: Vec<usize> = digits
        .iter()
        .map(|b| usize::from(b.saturating_sub(b'0')))
        .collect();
    let first = d.first().copied().unwrap_or(0);
    let parity = EAN_PARITY.get(first).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(95);
    push_bits(&mut out, 0b101, 3);
    for (i, digit) in d.iter().skip(1).take(6).enumerate() {
        let l = EAN_L.get(*digit).copied().unwrap_or(0);
        let is_g = parity & (0b100000 >> i) != 0;
        let pattern = if is_g { reverse7(!l & 0x7F) } else { l };
        push_bits(&mut out, pattern, 7);
    }
    push_bits(&mut out, 0b01010, 5);
    for digit in d.iter().skip(7).take(6) {
        push_bits(&mut out, !EAN_L.get(*digit).copied().unwrap_or(0) & 0x7F, 7);
    }
    push_bits(&mut out, 0b101, 3);
    Ok(out)
}

fn reverse7(bits: u8) -> u8 {
    (0..7).fold(0u8, |acc, i| {
        if bits & (1 << i) != 0 {
            acc | (0x40 >> i)
        } else {
            acc
        }
    })
}

fn push_widths(out: &mut Vec<bool>, widths: &[u8]) {
    for (i, w) in widths.iter().enumerate() {
        out.extend(std::iter::repeat_n(i % 2 == 0, usize::from(*w)));
    }
}

fn code128(data: &str) -> Result<Vec<bool>, HwError> {
    // Validates (printable ASCII, length); the `{{` escaping is for printers only.
    barcode_payload(BarcodeKind::Code128, data)?;
    let values: Vec<usize> = data
        .bytes()
        .map(|b| usize::from(b.saturating_sub(32)))
        .collect();
    let weighted = values
        .iter()
        .enumerate()
        .map(|(i, v)| i.saturating_add(1).saturating_mul(*v))
        .fold(START_B, |acc, x| acc.saturating_add(x) % 103);
    let mut out = Vec::with_capacity(
        values
            .len()
            .saturating_add(3)
            .saturating_mul(11)
            .saturating_add(2),
    );
    for v in std::iter::once(START_B)
        .chain(values.iter().copied())
        .chain(std::iter::once(weighted))
    {
        push_widths(&mut out, CODE128.get(v).map(|p| &p[..]).unwrap_or(&[]));
    }
    push_widths(&mut out, &CODE128_STOP);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code128_symbol_is_eleven_modules() {
        for (v, p) in CODE128.iter().enumerate() {
            assert_eq!(
                p.iter().map(|w| u32::from(*w)).sum::<u32>(),
                11,
                "value {v}"
            );
        }
        assert_eq!(CODE128_STOP.iter().map(|w| u32::from(*w)).sum::<u32>(), 13);
    }

    #[test]
    fn ean13_is_95_modules_with_guards() {
        let m = modules(BarcodeKind::Ean13, "3017620422003").unwrap();
        assert_eq!(m.len(), 95);
        assert_eq!(&m[..3], &[true, false, true]);
        assert_eq!(&m[45..50], &[false, true, false, true, false]);
        // First digit 3 = LLGGGL; digit 0 in L = 0001101.
        assert_eq!(&m[3..10], &[false, false, false, true, true, false, true]);
    }

    #[test]
    fn code128_length() {
        let m = modules(BarcodeKind::Code128, "T-000042").unwrap();
        assert_eq!(m.len(), (8 + 2) * 11 + 13);
    }
}
