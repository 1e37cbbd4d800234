//! HTML rendering for digital receipts and previews: one `<div>` per printed
//! line in a monospace block, every text escaped; the QR code and the logo
//! are inline SVG, so the page needs no external resource.

use super::document::{Align, Bitmap, ReceiptDocument, TextSize};
use super::image::qr_matrix;
use super::layout::{Laid, layout};
use crate::HwError;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(8));
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = ".receipt{font-family:monospace;white-space:pre;background:#fff;color:#000;padding:1em;display:inline-block}\
.c{text-align:center}.r{text-align:right}.b{font-weight:bold}.dw{font-size:200%}.dh{transform:scaleY(2);margin:.5em 0}\
.img{text-align:center}.cut{border-top:1px dashed #999;margin:.5em 0}";

/// Renders the document as a standalone HTML page, laid out for `width` characters.
pub fn render_html(doc: &ReceiptDocument, width: usize) -> Result<String, HwError> {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Ticket</title><style>",
    );
    out.push_str(STYLE);
    out.push_str(&format!(
        "</style></head><body><div class=\"receipt\" style=\"width:{width}ch\">\n"
    ));
    for item in layout(doc, width) {
        match item {
            Laid::Line {
                text,
                align,
                bold,
                size,
            } => {
                let mut classes = Vec::new();
                match align {
                    Align::Left => {}
                    Align::Center => classes.push("c"),
                    Align::Right => classes.push("r"),
                }
                if bold {
                    classes.push("b");
                }
                match size {
                    TextSize::Normal => {}
                    TextSize::DoubleWidth => classes.push("dw"),
                    TextSize::DoubleHeight => classes.push("dh"),
                    TextSize::Double => classes.push("dw"),
                }
                out.push_str(&format!(
                    "<div class=\"{}\">{}</div>\n",
                    classes.join(" "),
                    escape(&text)
                ));
            }
            Laid::Feed(n) => {
                for _ in 0..n {
                    out.push_str("<div>&nbsp;</div>\n");
                }
            }
            Laid::Logo(bmp) => {
                out.push_str("<div class=\"img\">");
                out.push_str(&bitmap_svg(bmp, 1));
                out.push_str("</div>\n");
            }
            Laid::Qr { data, level, .. } => {
                let (side, bits) = qr_matrix(data, level)?;
                let bmp = super::image::modules_to_bitmap(side, &bits, 1, 4);
                out.push_str(&format!("<div class=\"img\"><a href=\"{}\">", escape(data)));
                out.push_str(&bitmap_svg(&bmp, 4));
                out.push_str("</a></div>\n");
            }
            Laid::Barcode { kind, data } => {
                let bars = super::image::barcode::bars_bitmap(kind, data, 2, 60)?;
                out.push_str("<div class=\"img\">");
                out.push_str(&bitmap_svg(&bars, 1));
                out.push_str(&format!(
                    "</div>\n<div class=\"c\">{}</div>\n",
                    escape(data)
                ));
            }
            Laid::Cut(_) => out.push_str("<div class=\"cut\"></div>\n"),
            Laid::Drawer { .. } => {}
        }
    }
    out.push_str("</div></body></html>\n");
    Ok(out)
}

/// An inline SVG of a bitmap, each dot drawn `scale` pixels wide.
fn bitmap_svg(bmp: &Bitmap, scale: usize) -> String {
    let w = usize::from(bmp.width).saturating_mul(scale);
    let h = usize::from(bmp.height).saturating_mul(scale);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {} {}\" shape-rendering=\"crispEdges\"><path d=\"{}\"/></svg>",
        bmp.width,
        bmp.height,
        super::image::svg::runs_path(bmp)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::document::TextStyle;

    #[test]
    fn text_is_escaped() {
        let mut doc = ReceiptDocument::new();
        doc.text("<script>alert('x') & \"y\"</script>", TextStyle::PLAIN);
        let html = render_html(&doc, 48).unwrap();
        assert!(!html.contains("<script>"));
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        );
    }
}
