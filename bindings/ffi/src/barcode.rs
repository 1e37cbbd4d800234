//! Barcode parsing (EAN/UPC/GTIN, GS1 element strings, in-store scale labels).

use crate::PosError;
use crate::guard::guard;
use pos_hw::barcode::{ScanContext, describe};

/// What a scanned code says.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BarcodeInfo {
    /// The family: `ean13`, `ean8`, `upc_a`, `upc_e`, `gtin14`, `gs1`.
    pub kind: String,
    /// Whether the check digit (and any GS1 structure) is valid.
    pub valid: bool,
    /// The GTIN-14, if the code carries a GTIN.
    pub gtin14: Option<String>,
    /// A price carried by the code (decimal string), if any.
    pub price: Option<String>,
    /// A weight in kilograms carried by the code (decimal string), if any.
    pub weight_kg: Option<String>,
    /// A count carried by the code, if any.
    pub count: Option<u64>,
    /// Everything the parser found, as JSON.
    pub json: String,
}

/// Describes a scanned code; `reference_year` resolves two-digit GS1 dates.
#[uniffi::export]
pub fn describe_barcode(code: String, reference_year: i32) -> Result<BarcodeInfo, PosError> {
    guard(|| {
        let info = describe(&code, &ScanContext::new(reference_year))?;
        let json = serde_json::to_value(&info).unwrap_or_default();
        Ok(BarcodeInfo {
            kind: json
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or_default()
                .to_owned(),
            valid: info.valid,
            gtin14: info.gtin14.clone(),
            price: info.price.map(|p| p.to_string()),
            weight_kg: info.weight_kg.map(|w| w.to_string()),
            count: info.count,
            json: json.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ean13_is_described_and_garbage_is_a_device_error() {
        let info = describe_barcode("3760123000352".to_owned(), 2026).unwrap();
        assert_eq!(info.kind, "ean13");
        assert!(info.valid);
        assert_eq!(info.gtin14.as_deref(), Some("03760123000352"));
        let e = describe_barcode("not a code".to_owned(), 2026).unwrap_err();
        assert!(matches!(e, PosError::Device { .. }), "{e:?}");
    }
}
