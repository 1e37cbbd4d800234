//! The code printed on a gift receipt ("ticket cadeau"): `GIFT-` and the
//! sold ticket's id (a UUID). Any till of the retailer reads it back (typed,
//! or from the receipt's QR) to find the ticket for an exchange or a refund
//! as store credit, without the price ever being shown to the recipient.
//!
//! ```
//! use pos_core::gift_code::GiftCode;
//!
//! let code = GiftCode::for_ticket("0190f3a2-7c4e-7b1d-9a55-3c1e2f4a5b6c")?;
//! assert_eq!(code.as_str(), "GIFT-0190f3a2-7c4e-7b1d-9a55-3c1e2f4a5b6c");
//! let read = GiftCode::parse(" gift-0190F3A2-7C4E-7B1D-9A55-3C1E2F4A5B6C ")?;
//! assert_eq!(read.ticket_id(), "0190f3a2-7c4e-7b1d-9a55-3c1e2f4a5b6c");
//! # Ok::<(), pos_core::CoreError>(())
//! ```

use crate::CoreError;

/// The prefix every gift code starts with.
pub const GIFT_CODE_PREFIX: &str = "GIFT-";

/// A gift receipt's code: `GIFT-<ticket uuid>`, the UUID lower-case and
/// hyphenated (the form ticket ids are stored in).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GiftCode {
    text: String,
}

impl GiftCode {
    /// The gift code of ticket `ticket_id` (a UUID, as tickets are
    /// identified).
    pub fn for_ticket(ticket_id: &str) -> Result<GiftCode, CoreError> {
        let id = uuid::Uuid::try_parse(ticket_id).map_err(|_| invalid())?;
        Ok(GiftCode {
            text: format!("{GIFT_CODE_PREFIX}{}", id.hyphenated()),
        })
    }

    /// Reads a code as typed or scanned: surrounding blanks are ignored, the
    /// prefix and the hexadecimal digits in any case. Anything else (no
    /// prefix, not a UUID) is `invalid_id` with kind `GiftCode`.
    pub fn parse(text: &str) -> Result<GiftCode, CoreError> {
        let text = text.trim();
        let prefix = text.get(..GIFT_CODE_PREFIX.len()).ok_or_else(invalid)?;
        if !prefix.eq_ignore_ascii_case(GIFT_CODE_PREFIX) {
            return Err(invalid());
        }
        let rest = text.get(GIFT_CODE_PREFIX.len()..).ok_or_else(invalid)?;
        // Only the hyphenated form is printed; refuse the braced, URN and
        // simple forms uuid would also accept.
        if rest.len() != 36 {
            return Err(invalid());
        }
        GiftCode::for_ticket(rest)
    }

    /// Whether `text` looks like a gift code (starts with `GIFT-`, any case)
    /// rather than a ticket reference or a receipt link.
    pub fn looks_like(text: &str) -> bool {
        text.trim()
            .get(..GIFT_CODE_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(GIFT_CODE_PREFIX))
    }

    /// The code as printed (`GIFT-…`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The id of the ticket the code names.
    pub fn ticket_id(&self) -> &str {
        self.text.get(GIFT_CODE_PREFIX.len()..).unwrap_or_default()
    }
}

impl std::fmt::Display for GiftCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn invalid() -> CoreError {
    CoreError::InvalidId { kind: "GiftCode" }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190f3a2-7c4e-7b1d-9a55-3c1e2f4a5b6c";

    #[test]
    fn round_trips_and_normalises() {
        let code = GiftCode::for_ticket(ID).unwrap();
        assert_eq!(code.to_string(), format!("GIFT-{ID}"));
        assert_eq!(GiftCode::parse(code.as_str()).unwrap(), code);
        assert_eq!(
            GiftCode::parse(&format!("  Gift-{}\n", ID.to_uppercase())).unwrap(),
            code
        );
        assert_eq!(code.ticket_id(), ID);
        assert!(GiftCode::looks_like("gift-x"));
        assert!(!GiftCode::looks_like("T42"));
    }

    #[test]
    fn refuses_what_is_not_a_gift_code() {
        let simple = ID.replace('-', "");
        for bad in [
            "".to_owned(),
            "GIFT-".to_owned(),
            "GIFT".to_owned(),
            ID.to_owned(),
            format!("GIFT-{simple}"),
            format!("GIFT-{{{ID}}}"),
            format!("GIFT-urn:uuid:{ID}"),
            format!("GIFT-{}", &ID[..35]),
            format!("GIFT-{}g", &ID[..35]),
            format!("CADEAU-{ID}"),
            "GIFTé-".to_owned(),
        ] {
            assert_eq!(
                GiftCode::parse(&bad),
                Err(CoreError::InvalidId { kind: "GiftCode" }),
                "{bad:?}"
            );
        }
        assert!(GiftCode::for_ticket("T42").is_err());
    }
}
