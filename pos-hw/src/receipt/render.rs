//! One entry point for every output format (what `pos receipt --format` calls).

use serde::{Deserialize, Serialize};

use super::document::ReceiptDocument;
use crate::HwError;
use crate::printer::PrinterProfile;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// ESC/POS bytes for the profile's printer.
    EscPos,
    /// UTF-8 text lines.
    Text,
    /// A standalone HTML page.
    Html,
    /// A 1-bit PNG image.
    Png,
    /// An SVG image.
    Svg,
}

impl OutputFormat {
    /// Parses `escpos`, `text`, `html`, `png` or `svg`.
    pub fn parse(name: &str) -> Result<OutputFormat, HwError> {
        match name {
            "escpos" => Ok(OutputFormat::EscPos),
            "text" | "txt" => Ok(OutputFormat::Text),
            "html" => Ok(OutputFormat::Html),
            "png" => Ok(OutputFormat::Png),
            "svg" => Ok(OutputFormat::Svg),
            _ => Err(HwError::UnknownOutputFormat),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::EscPos => "bin",
            OutputFormat::Text => "txt",
            OutputFormat::Html => "html",
            OutputFormat::Png => "png",
            OutputFormat::Svg => "svg",
        }
    }
}

/// Renders `doc` in `format`, laid out for `profile`'s line width.
pub fn render(
    doc: &ReceiptDocument,
    format: OutputFormat,
    profile: &PrinterProfile,
) -> Result<Vec<u8>, HwError> {
    let width = profile.width();
    match format {
        OutputFormat::EscPos => crate::escpos::encode(doc, profile),
        OutputFormat::Text => Ok(super::text::render_text(doc, width).into_bytes()),
        OutputFormat::Html => Ok(super::html::render_html(doc, width)?.into_bytes()),
        OutputFormat::Png => super::image::render_png(doc, width),
        OutputFormat::Svg => Ok(super::image::render_svg(doc, width)?.into_bytes()),
    }
}

/// Builds the French receipt for `facts` and renders it (`pos receipt`).
pub fn render_receipt(
    facts: &super::facts::ReceiptFacts,
    format: OutputFormat,
    profile: &PrinterProfile,
) -> Result<Vec<u8>, HwError> {
    render(&super::french::build(facts), format, profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in [
            OutputFormat::EscPos,
            OutputFormat::Text,
            OutputFormat::Html,
            OutputFormat::Png,
            OutputFormat::Svg,
        ] {
            let name = if f == OutputFormat::Text {
                "text"
            } else if f == OutputFormat::EscPos {
                "escpos"
            } else {
                f.extension()
            };
            assert_eq!(OutputFormat::parse(name), Ok(f));
        }
        assert_eq!(
            OutputFormat::parse("pdf"),
            Err(HwError::UnknownOutputFormat)
        );
    }
}
