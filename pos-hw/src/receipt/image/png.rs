//! PNG encoding of a 1-bit image (the `png` crate; grayscale, 1 bit per pixel).

use crate::HwError;
use crate::receipt::document::Bitmap;

/// Encodes the bitmap as a 1-bit grayscale PNG (black dots on white).
pub fn encode(bmp: &Bitmap) -> Result<Vec<u8>, HwError> {
    if !bmp.is_consistent() || bmp.width == 0 || bmp.height == 0 {
        return Err(HwError::BitmapSize {
            width: bmp.width,
            height: bmp.height,
        });
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, u32::from(bmp.width), u32::from(bmp.height));
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().map_err(|_| HwError::ImageEncoding)?;
    // PNG grayscale: 1 is white; our bitmaps set 1 for black.
    let inverted: Vec<u8> = bmp.bits.iter().map(|b| !b).collect();
    writer
        .write_image_data(&inverted)
        .map_err(|_| HwError::ImageEncoding)?;
    writer.finish().map_err(|_| HwError::ImageEncoding)?;
    Ok(out)
}
