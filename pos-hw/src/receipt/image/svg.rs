//! SVG rendering of a 1-bit image: one path of horizontal runs, so the file
//! shows exactly the pixels of the PNG and needs no font to display.

use crate::receipt::document::Bitmap;

/// The path data (`M x y h w v 1 h -w z`) covering every black run.
pub fn runs_path(bmp: &Bitmap) -> String {
    let mut d = String::new();
    let width = usize::from(bmp.width);
    for y in 0..usize::from(bmp.height) {
        let mut x = 0usize;
        while x < width {
            if !bmp.get(x, y) {
                x = x.saturating_add(1);
                continue;
            }
            let start = x;
            while x < width && bmp.get(x, y) {
                x = x.saturating_add(1);
            }
            let run = x.saturating_sub(start);
            d.push_str(&format!("M{start} {y}h{run}v1h-{run}z"));
        }
    }
    d
}

/// A standalone SVG document of the bitmap on a white background.
pub fn encode(bmp: &Bitmap) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" shape-rendering=\"crispEdges\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"{}\"/>\n</svg>\n",
        runs_path(bmp),
        w = bmp.width,
        h = bmp.height
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_black_pixels() {
        let bmp = Bitmap {
            width: 8,
            height: 1,
            bits: vec![0b0111_0001],
        };
        assert_eq!(runs_path(&bmp), "M1 0h3v1h-3zM7 0h1v1h-1z");
    }
}
