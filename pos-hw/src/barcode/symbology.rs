//! AIM symbology identifiers (`]` + code character + modifier) that scanners
//! can prefix to the data: which barcode type was read.

use serde::{Serialize, Serializer};

/// A symbology identifier such as `]E0` or `]C1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SymbologyId {
    /// The code character (`E`, `C`, `d`, `Q`...).
    pub code: u8,
    /// The modifier character (`0`, `1`, `2`...).
    pub modifier: u8,
}

impl SymbologyId {
    /// Splits a leading `]Xm` off `text`; `None` if there is none.
    pub fn split(text: &str) -> Option<(Self, &str)> {
        match text.as_bytes() {
            [b']', code, modifier, ..]
                if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
            {
                Some((
                    Self {
                        code: *code,
                        modifier: *modifier,
                    },
                    text.get(3..)?,
                ))
            }
            _ => None,
        }
    }

    /// True when the data that follows is a GS1 element string.
    pub fn is_gs1(&self) -> bool {
        matches!(
            (self.code, self.modifier),
            (b'C', b'1') | (b'd', b'2') | (b'Q', b'3') | (b'e', b'0') | (b'J', b'1')
        )
    }

    /// Human name of the symbology.
    pub fn name(&self) -> &'static str {
        match (self.code, self.modifier) {
            (b'C', b'1') => "GS1-128",
            (b'C', _) => "Code 128",
            (b'd', b'2') => "GS1 DataMatrix",
            (b'd', _) => "Data Matrix",
            (b'Q', b'3') => "GS1 QR Code",
            (b'Q', _) => "QR Code",
            (b'e', _) => "GS1 DataBar",
            (b'J', b'1') => "GS1 DotCode",
            (b'E', b'4') => "EAN-8",
            (b'E', b'3') => "EAN/UPC with add-on",
            (b'E', _) => "EAN-13/UPC-A/UPC-E",
            (b'I', _) => "ITF",
            (b'A', _) => "Code 39",
            (b'F', _) => "Codabar",
            (b'L', _) => "PDF417",
            _ => "other",
        }
    }
}

impl std::fmt::Display for SymbologyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "]{}{}", char::from(self.code), char::from(self.modifier))
    }
}

impl Serialize for SymbologyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_names_identifiers() {
        let (id, rest) = SymbologyId::split("]C10109506000134352").unwrap();
        assert_eq!(
            (id.to_string().as_str(), id.name(), id.is_gs1(), rest),
            ("]C1", "GS1-128", true, "0109506000134352")
        );
        let (ean, _) = SymbologyId::split("]E04006381333931").unwrap();
        assert!(!ean.is_gs1());
        assert_eq!(SymbologyId::split("]E"), None);
        assert_eq!(SymbologyId::split("4006381333931"), None);
        assert_eq!(SymbologyId::split("]é0"), None);
    }
}
