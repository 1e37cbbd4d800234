//! Image rendering (screen preview, digital receipts): the document is drawn
//! on a 1-bit canvas with the ISO-8859-15 10x20 font bundled in
//! `embedded-graphics` (€, accents, œ), then encoded as PNG or SVG.

pub mod barcode;
pub mod canvas;
pub mod png;
pub mod svg;

use canvas::{CELL_H, CELL_W, Canvas};

use super::document::{Align, Bitmap, QrLevel, ReceiptDocument};
use super::layout::{Laid, char_len, layout_with};
use crate::HwError;
use crate::escpos::codepage::CodePage;

/// Margin around the receipt, in pixels.
const MARGIN: usize = 16;
/// Vertical space between text lines, in pixels.
const LEADING: usize = 4;
/// Quiet zone around a QR code, in modules (the standard asks for 4).
const QR_QUIET: usize = 4;
/// Height of 1-D barcode bars, in pixels.
const BAR_HEIGHT: usize = 80;
/// Smallest QR module drawn on screen, in pixels (readable by phone cameras).
const QR_MIN_PX: usize = 4;

/// The QR matrix for `data`: side length and modules row by row (true = dark).
pub fn qr_matrix(data: &str, level: QrLevel) -> Result<(usize, Vec<bool>), HwError> {
    let ec = match level {
        QrLevel::L => qrcode::EcLevel::L,
        QrLevel::M => qrcode::EcLevel::M,
        QrLevel::Q => qrcode::EcLevel::Q,
        QrLevel::H => qrcode::EcLevel::H,
    };
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), ec)
        .map_err(|_| HwError::QrData { len: data.len() })?;
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((code.width(), modules))
}

/// Draws QR modules as a bitmap: `scale` pixels per module and `quiet`
/// white modules all around.
pub fn modules_to_bitmap(side: usize, modules: &[bool], scale: usize, quiet: usize) -> Bitmap {
    let scale = scale.max(1);
    let total = side
        .saturating_add(quiet.saturating_mul(2))
        .saturating_mul(scale);
    let mut canvas = Canvas::new(total);
    canvas.ensure_height(total);
    for (i, dark) in modules.iter().enumerate() {
        if *dark && side > 0 {
            let (mx, my) = (
                i.checked_rem(side).unwrap_or(0),
                i.checked_div(side).unwrap_or(0),
            );
            let x = mx.saturating_add(quiet).saturating_mul(scale);
            let y = my.saturating_add(quiet).saturating_mul(scale);
            canvas.fill(x, y, scale, scale);
        }
    }
    canvas.into_bitmap()
}

/// Renders the document as a 1-bit image for lines of `width` characters.
pub fn render_bitmap(doc: &ReceiptDocument, width: usize) -> Result<Bitmap, HwError> {
    let laid = layout_with(doc, width, |t| CodePage::Latin9.printable(t));
    let content = width.saturating_mul(CELL_W);
    let widest_logo = laid
        .iter()
        .filter_map(|l| {
            if let Laid::Logo(b) = l {
                Some(usize::from(b.width))
            } else {
                None
            }
        })
        .max()
        .unwrap_or(0);
    let inner = content.max(widest_logo);
    let mut canvas = Canvas::new(inner.saturating_add(MARGIN.saturating_mul(2)));
    let mut y = MARGIN;
    let line_h = CELL_H.saturating_add(LEADING);
    for item in laid {
        match item {
            Laid::Line {
                text,
                align,
                bold,
                size,
            } => {
                let (sx, sy) = (size.width_factor(), size.height_factor());
                let used = char_len(&text).saturating_mul(CELL_W).saturating_mul(sx);
                let x = MARGIN.saturating_add(offset(inner, used, align));
                canvas.text(&text, x, y, sx, sy, bold);
                y = y.saturating_add(line_h.saturating_mul(sy));
            }
            Laid::Feed(n) => y = y.saturating_add(line_h.saturating_mul(usize::from(n))),
            Laid::Logo(bmp) => {
                if !bmp.is_consistent() {
                    return Err(HwError::BitmapSize {
                        width: bmp.width,
                        height: bmp.height,
                    });
                }
                let x = MARGIN.saturating_add(offset(inner, usize::from(bmp.width), Align::Center));
                canvas.blit(bmp, x, y, 1);
                y = y
                    .saturating_add(usize::from(bmp.height))
                    .saturating_add(LEADING);
            }
            Laid::Qr {
                data,
                module_size,
                level,
            } => {
                let (side, modules) = qr_matrix(data, level)?;
                let qr = modules_to_bitmap(
                    side,
                    &modules,
                    usize::from(module_size).max(QR_MIN_PX),
                    QR_QUIET,
                );
                let x = MARGIN.saturating_add(offset(inner, usize::from(qr.width), Align::Center));
                canvas.blit(&qr, x, y, 1);
                y = y.saturating_add(usize::from(qr.height));
            }
            Laid::Barcode { kind, data } => {
                let bars = barcode::modules(kind, data)?;
                // 2 pixels per module when it fits, else 1; 10 modules of quiet zone.
                let total = bars.len().saturating_add(20);
                let px = if total.saturating_mul(2) <= inner {
                    2
                } else {
                    1
                };
                let used = total.saturating_mul(px);
                let x0 = MARGIN
                    .saturating_add(offset(inner, used, Align::Center))
                    .saturating_add(px.saturating_mul(10));
                for (i, bar) in bars.iter().enumerate() {
                    if *bar {
                        canvas.fill(x0.saturating_add(i.saturating_mul(px)), y, px, BAR_HEIGHT);
                    }
                }
                y = y.saturating_add(BAR_HEIGHT).saturating_add(LEADING);
                let used = char_len(data).saturating_mul(CELL_W);
                canvas.text(
                    data,
                    MARGIN.saturating_add(offset(inner, used, Align::Center)),
                    y,
                    1,
                    1,
                    false,
                );
                y = y.saturating_add(line_h);
            }
            Laid::Cut(_) => {
                let mut x = 0;
                while x < canvas.width() {
                    canvas.fill(x, y.saturating_add(line_h / 2), 6, 1);
                    x = x.saturating_add(12);
                }
                y = y.saturating_add(line_h);
            }
            Laid::Drawer { .. } => {}
        }
    }
    canvas.ensure_height(y.saturating_add(MARGIN));
    Ok(canvas.into_bitmap())
}

/// Left offset of something `used` pixels wide in `inner` pixels.
fn offset(inner: usize, used: usize, align: Align) -> usize {
    let free = inner.saturating_sub(used);
    match align {
        Align::Left => 0,
        Align::Center => free / 2,
        Align::Right => free,
    }
}

/// Renders the document as a PNG file.
pub fn render_png(doc: &ReceiptDocument, width: usize) -> Result<Vec<u8>, HwError> {
    png::encode(&render_bitmap(doc, width)?)
}

/// Renders the document as an SVG file.
pub fn render_svg(doc: &ReceiptDocument, width: usize) -> Result<String, HwError> {
    Ok(svg::encode(&render_bitmap(doc, width)?))
}
