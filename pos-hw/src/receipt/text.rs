//! Plain-text rendering: the lines the printer prints, padded to its width.
//!
//! Double-width lines keep their characters and are aligned over the full
//! width; images are shown as a bracketed placeholder (`[QR https://...]`).

use super::document::Align;
use super::layout::{Laid, layout, pad};

/// Renders the laid-out document as UTF-8 text lines of `width` characters.
pub fn render_text(doc: &super::document::ReceiptDocument, width: usize) -> String {
    let mut out = String::new();
    for item in layout(doc, width) {
        match item {
            Laid::Line { text, align, .. } => push_line(&mut out, &text, width, align),
            Laid::Feed(n) => {
                for _ in 0..n {
                    out.push('\n');
                }
            }
            Laid::Logo(bmp) => push_wrapped(
                &mut out,
                &format!("[logo {}x{}]", bmp.width, bmp.height),
                width,
            ),
            Laid::Qr { data, .. } => push_wrapped(&mut out, &format!("[QR {data}]"), width),
            Laid::Barcode { kind, data } => {
                push_wrapped(&mut out, &format!("[{kind:?} {data}]"), width)
            }
            Laid::Cut(_) | Laid::Drawer { .. } => {}
        }
    }
    out
}

/// A placeholder, centred, cut into lines of `width` characters.
fn push_wrapped(out: &mut String, text: &str, width: usize) {
    let chars: Vec<char> = text.chars().collect();
    for chunk in chars.chunks(width.max(1)) {
        push_line(out, &chunk.iter().collect::<String>(), width, Align::Center);
    }
}

fn push_line(out: &mut String, text: &str, width: usize, align: Align) {
    let line = if super::layout::char_len(text) > width {
        text.to_owned()
    } else {
        pad(text, width, align)
    };
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::document::{ReceiptDocument, TextStyle};

    #[test]
    fn centres_over_the_width() {
        let mut doc = ReceiptDocument::new();
        doc.text("abc", TextStyle::centered());
        assert_eq!(render_text(&doc, 9), "   abc\n");
    }
}
