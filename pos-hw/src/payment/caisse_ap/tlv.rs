//! Caisse-AP tag-length-value encoding: a two-character tag, a three-digit
//! decimal length, then that many ASCII bytes (`CA00201` = tag `CA`, length
//! 2, value `01`). A message is TLVs back to back; over IP there is no other
//! framing. Pure and total.

use crate::HwError;
use std::collections::BTreeMap;
use std::fmt;

/// Longest value the three-digit length allows.
pub const MAX_VALUE_LEN: usize = 999;

/// A two-character tag (upper-case letters and digits).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag([u8; 2]);

impl Tag {
    /// Protocol version to use (`0300`).
    pub const VERSION: Tag = Tag(*b"CZ");
    /// Cash-register protocol identifier (12 characters).
    pub const PROTOCOL_ID: Tag = Tag(*b"CJ");
    /// Till number.
    pub const POS_NUMBER: Tag = Tag(*b"CA");
    /// Amount in minor units.
    pub const AMOUNT: Tag = Tag(*b"CB");
    /// Action: `0` debit, `1` credit, `2` cancellation.
    pub const ACTION: Tag = Tag(*b"CD");
    /// ISO 4217 numeric currency.
    pub const CURRENCY: Tag = Tag(*b"CE");
    /// Private data, echoed back (the till's transaction id).
    pub const PRIVATE: Tag = Tag(*b"CF");
    /// Answer mode: `0` at the end of the transaction, `1` at once.
    pub const ANSWER_MODE: Tag = Tag(*b"BA");
    /// Payment mode (in answers; `00C` asks for a cheque).
    pub const PAYMENT_MODE: Tag = Tag(*b"CC");
    /// Status: `10` done, `01` not done, `11` request taken.
    pub const STATUS: Tag = Tag(*b"AE");
    /// Status complement on failure (`04` refused, `08` timeout, `11` abandon).
    pub const STATUS_DETAIL: Tag = Tag(*b"AF");
    /// Masked card number.
    pub const CARD_NUMBER: Tag = Tag(*b"AA");
    /// Card expiry (YYMM).
    pub const CARD_EXPIRY: Tag = Tag(*b"AB");
    /// Authorisation number.
    pub const AUTHORIZATION: Tag = Tag(*b"AC");
    /// Merchant contract number.
    pub const CONTRACT: Tag = Tag(*b"CG");

    /// A tag from two upper-case letters or digits.
    pub fn new(text: &str) -> Result<Tag, HwError> {
        let bytes: [u8; 2] = text
            .as_bytes()
            .try_into()
            .map_err(|_| HwError::PaymentFieldInvalid { field: "tag" })?;
        if bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            Ok(Tag(bytes))
        } else {
            Err(HwError::PaymentFieldInvalid { field: "tag" })
        }
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.as_str())
    }
}

/// A Caisse-AP message: one value per tag, written `CZ` first then by tag.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TlvMessage {
    fields: BTreeMap<Tag, String>,
}

impl fmt::Debug for TlvMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The card number tag is shown masked whatever the terminal sent.
        let mut map = f.debug_map();
        for (tag, value) in &self.fields {
            if *tag == Tag::CARD_NUMBER {
                let masked = crate::payment::MaskedPan::from_reported(value);
                map.entry(&tag.as_str(), &masked);
            } else {
                map.entry(&tag.as_str(), value);
            }
        }
        map.finish()
    }
}

impl TlvMessage {
    /// An empty message.
    pub fn new() -> Self {
        TlvMessage::default()
    }

    /// Sets a tag; the value must be 1..=999 printable ASCII characters.
    pub fn set(&mut self, tag: Tag, value: &str) -> Result<(), HwError> {
        if value.is_empty()
            || value.len() > MAX_VALUE_LEN
            || !value.bytes().all(|b| (0x20..=0x7E).contains(&b))
        {
            return Err(HwError::PaymentFieldInvalid { field: "TLV value" });
        }
        self.fields.insert(tag, value.to_owned());
        Ok(())
    }

    /// The value of a tag.
    pub fn get(&self, tag: Tag) -> Option<&str> {
        self.fields.get(&tag).map(String::as_str)
    }

    /// The value of a mandatory tag.
    pub fn require(&self, tag: Tag, name: &'static str) -> Result<&str, HwError> {
        self.get(tag).ok_or(HwError::TlvMissingTag { tag: name })
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when no tag is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The wire bytes: `CZ` first, then the other tags in tag order.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let first = self.fields.get_key_value(&Tag::VERSION);
        let rest = self.fields.iter().filter(|(tag, _)| **tag != Tag::VERSION);
        for (tag, value) in first.into_iter().chain(rest) {
            out.extend_from_slice(&tag.0);
            out.extend_from_slice(format!("{:03}", value.len()).as_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        out
    }

    /// Parses a whole message. A repeated tag, a truncated TLV, a bad length
    /// or a non-printable byte is an error at its offset.
    pub fn decode(bytes: &[u8]) -> Result<TlvMessage, HwError> {
        let mut message = TlvMessage::new();
        let mut offset = 0usize;
        let mut rest = bytes;
        while !rest.is_empty() {
            let bad = HwError::TlvMalformed { offset };
            if rest.len() < 5 {
                return Err(bad);
            }
            let (head, tail) = rest.split_at(5);
            let (tag, len) = head.split_at(2);
            let tag = Tag::new(std::str::from_utf8(tag).map_err(|_| bad.clone())?)
                .map_err(|_| bad.clone())?;
            let len = std::str::from_utf8(len)
                .ok()
                .filter(|l| l.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|l| l.parse::<usize>().ok())
                .ok_or(bad.clone())?;
            if len == 0 || tail.len() < len {
                return Err(bad);
            }
            let (value, after) = tail.split_at(len);
            let value = std::str::from_utf8(value).map_err(|_| bad.clone())?;
            if message.fields.contains_key(&tag) || message.set(tag, value).is_err() {
                return Err(bad);
            }
            offset = offset.saturating_add(5).saturating_add(len);
            rest = after;
        }
        Ok(message)
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_by_hand() {
        let mut m = TlvMessage::new();
        m.set(Tag::POS_NUMBER, "01").unwrap();
        m.set(Tag::VERSION, "0300").unwrap();
        m.set(Tag::AMOUNT, "1250").unwrap();
        assert_eq!(m.encode(), b"CZ0040300CA00201CB0041250".to_vec());
        assert_eq!(TlvMessage::decode(b"CZ0040300CA00201CB0041250").unwrap(), m);
    }

    #[test]
    fn rejects_malformed_input_at_its_offset() {
        assert_eq!(
            TlvMessage::decode(b"CA00"),
            Err(HwError::TlvMalformed { offset: 0 })
        );
        assert_eq!(
            TlvMessage::decode(b"CA00201CB0091"),
            Err(HwError::TlvMalformed { offset: 7 })
        );
        assert_eq!(
            TlvMessage::decode(b"CA00201CA00202"),
            Err(HwError::TlvMalformed { offset: 7 })
        );
        assert_eq!(
            TlvMessage::decode(b"ca00201"),
            Err(HwError::TlvMalformed { offset: 0 })
        );
        assert_eq!(
            TlvMessage::decode(b"CA0x201"),
            Err(HwError::TlvMalformed { offset: 0 })
        );
        assert_eq!(
            TlvMessage::decode(b"CA000"),
            Err(HwError::TlvMalformed { offset: 0 })
        );
        assert!(TlvMessage::decode(b"").unwrap().is_empty());
    }

    #[test]
    fn debug_masks_the_card_number() {
        let mut m = TlvMessage::new();
        m.set(Tag::CARD_NUMBER, "4970100000000055").unwrap();
        let shown = format!("{m:?}");
        assert!(!shown.contains("4970100000000055"), "{shown}");
        assert!(shown.contains("0055"));
    }

    proptest! {
        #[test]
        fn round_trip(fields in proptest::collection::btree_map("[A-Z0-9]{2}", "[ -~]{1,40}", 0..12)) {
            let mut m = TlvMessage::new();
            for (tag, value) in &fields {
                m.set(Tag::new(tag).unwrap(), value).unwrap();
            }
            prop_assert_eq!(TlvMessage::decode(&m.encode()).unwrap(), m);
        }

        #[test]
        fn decode_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = TlvMessage::decode(&bytes);
        }
    }
}
