//! A growable 1-bit canvas and the embedded-graphics target that draws the
//! bundled ISO-8859-15 bitmap font onto it (no system font at run time).

use embedded_graphics::Drawable;
use embedded_graphics::Pixel;
use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::mono_font::iso_8859_15::FONT_10X20;
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::{DrawTarget, OriginDimensions, Point, Size};
use embedded_graphics::text::{Baseline, Text};

use crate::receipt::document::Bitmap;

/// Width of one character cell of the bundled font, in pixels.
pub const CELL_W: usize = 10;
/// Height of one character cell, in pixels.
pub const CELL_H: usize = 20;

/// A white canvas of fixed width that grows downwards.
#[derive(Debug, Clone)]
pub struct Canvas {
    width: usize,
    height: usize,
    bits: Vec<u8>,
}

impl Canvas {
    /// A canvas `width` pixels wide and 0 high.
    pub fn new(width: usize) -> Canvas {
        Canvas {
            width: width.max(1),
            height: 0,
            bits: Vec::new(),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    fn row_bytes(&self) -> usize {
        self.width.div_ceil(8)
    }

    /// Makes the canvas at least `height` pixels high (new rows are white).
    pub fn ensure_height(&mut self, height: usize) {
        if height > self.height {
            self.bits.resize(self.row_bytes().saturating_mul(height), 0);
            self.height = height;
        }
    }

    /// Blackens the pixel at (x, y), growing the canvas; ignored past the width.
    pub fn set(&mut self, x: usize, y: usize) {
        if x >= self.width {
            return;
        }
        self.ensure_height(y.saturating_add(1));
        let index = y.saturating_mul(self.row_bytes()).saturating_add(x / 8);
        if let Some(byte) = self.bits.get_mut(index) {
            *byte |= 0x80 >> (x % 8);
        }
    }

    /// Blackens a rectangle.
    pub fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for dy in 0..h {
            for dx in 0..w {
                self.set(x.saturating_add(dx), y.saturating_add(dy));
            }
        }
    }

    /// Copies a bitmap with its top-left corner at (x, y), each dot `scale` pixels.
    pub fn blit(&mut self, bmp: &Bitmap, x: usize, y: usize, scale: usize) {
        for by in 0..usize::from(bmp.height) {
            for bx in 0..usize::from(bmp.width) {
                if bmp.get(bx, by) {
                    self.fill(
                        x.saturating_add(bx.saturating_mul(scale)),
                        y.saturating_add(by.saturating_mul(scale)),
                        scale,
                        scale,
                    );
                }
            }
        }
    }

    /// Draws `text` in the bundled font at (x, y), magnified `sx` by `sy`;
    /// bold is the same glyphs drawn again one pixel to the right.
    pub fn text(&mut self, text: &str, x: usize, y: usize, sx: usize, sy: usize, bold: bool) {
        let passes: &[usize] = if bold { &[0, 1] } else { &[0] };
        for &shift in passes {
            let mut target = Scaled {
                canvas: self,
                x0: x.saturating_add(shift),
                y0: y,
                sx: sx.max(1),
                sy: sy.max(1),
            };
            let style = MonoTextStyle::new(&FONT_10X20, BinaryColor::On);
            // Drawing on the canvas cannot fail (the error type is Infallible).
            let _ =
                Text::with_baseline(text, Point::zero(), style, Baseline::Top).draw(&mut target);
        }
    }

    /// The canvas as a [`Bitmap`] (at least one row; wider than 65535 is cut).
    pub fn into_bitmap(mut self) -> Bitmap {
        self.ensure_height(1);
        let width = u16::try_from(self.width).unwrap_or(u16::MAX);
        let height = u16::try_from(self.height).unwrap_or(u16::MAX);
        let keep_rows = usize::from(height);
        let row_bytes = self.row_bytes();
        if usize::from(width) == self.width {
            self.bits.truncate(row_bytes.saturating_mul(keep_rows));
            return Bitmap {
                width,
                height,
                bits: self.bits,
            };
        }
        let new_row = usize::from(width).div_ceil(8);
        let mut bits = Vec::with_capacity(new_row.saturating_mul(keep_rows));
        for row in self.bits.chunks(row_bytes).take(keep_rows) {
            bits.extend(row.iter().take(new_row));
        }
        Bitmap {
            width,
            height,
            bits,
        }
    }
}

/// Draws each font pixel as an `sx` x `sy` block at an offset.
struct Scaled<'a> {
    canvas: &'a mut Canvas,
    x0: usize,
    y0: usize,
    sx: usize,
    sy: usize,
}

impl OriginDimensions for Scaled<'_> {
    fn size(&self) -> Size {
        Size::new(u32::MAX / 4, u32::MAX / 4)
    }
}

impl DrawTarget for Scaled<'_> {
    type Color = BinaryColor;
    type Error = core::convert::Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(point, color) in pixels {
            if color != BinaryColor::On {
                continue;
            }
            let (Ok(px), Ok(py)) = (usize::try_from(point.x), usize::try_from(point.y)) else {
                continue;
            };
            let x = self.x0.saturating_add(px.saturating_mul(self.sx));
            let y = self.y0.saturating_add(py.saturating_mul(self.sy));
            self.canvas.fill(x, y, self.sx, self.sy);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_blackens_pixels_inside_its_cell() {
        let mut c = Canvas::new(40);
        c.text("€", 0, 0, 1, 1, false);
        let bmp = c.into_bitmap();
        let black = (0..CELL_H)
            .flat_map(|y| (0..CELL_W).map(move |x| (x, y)))
            .filter(|&(x, y)| bmp.get(x, y))
            .count();
        assert!(black > 10, "the euro sign is drawn from the bundled font");
        assert!((CELL_W..40).all(|x| (0..CELL_H).all(|y| !bmp.get(x, y))));
    }
}
