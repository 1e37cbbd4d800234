//! Card references: what the till keeps of an electronic payment so a ticket
//! can be reconciled with its charge and refunded to it.
//!
//! A [`CardReference`] holds the processor's reference (a Stripe
//! PaymentIntent id, an Adyen PSP reference, a terminal's transaction
//! number), the authorisation code, the masked card number, the scheme, and
//! optionally the entry mode and terminal id. A refund's reference points at
//! the charge it pays back ([`CardReference::original_reference`]).
//!
//! PCI DSS forbids the till to store a card number: [`MaskedPan`] accepts at
//! most the first six and the last four digits with the rest masked, and
//! refuses anything more (`card_pan_not_masked`). No value of this module
//! ever appears in an error message, and `Debug` shows only masked data.
//!
//! Where it is kept: on the ticket's settled tender (stored, synced in the
//! sale event, printed on the receipt and on every reprint from the stored
//! ticket). It is not part of the signed fiscal payload: NF525 signs the
//! amounts and the tender kind, not the processor's bookkeeping, and the
//! published payload format (and every verifier of it) stays as it is.
//!
//! ```
//! use pos_core::tender::{CardReference, CardScheme, MaskedPan};
//!
//! let charge = CardReference::new("pi_3PqRsT2eZvKYlo2C0a1b2c3d")?
//!     .with_authorisation_code("123456")?
//!     .with_masked_pan(MaskedPan::new("497010******1234")?)
//!     .with_scheme(CardScheme::parse("CB")?);
//! assert_eq!(charge.masked_pan().map(|p| p.to_string()).as_deref(), Some("**** **** **** 1234"));
//! // A full card number is refused, whatever its spelling.
//! assert_eq!(MaskedPan::new("4970 1012 3456 7899").unwrap_err().kind(), "card_pan_not_masked");
//! // The refund points at the charge.
//! let refund = CardReference::refund_of(&charge);
//! assert_eq!(refund.original_reference(), Some("pi_3PqRsT2eZvKYlo2C0a1b2c3d"));
//! # Ok::<(), pos_core::CoreError>(())
//! ```

use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest processor reference (a charge's or the original's), in characters.
pub const MAX_PROCESSOR_REFERENCE_LEN: usize = 128;
/// Longest authorisation code, in characters.
pub const MAX_AUTHORISATION_CODE_LEN: usize = 12;
/// Longest terminal id, in characters.
pub const MAX_TERMINAL_ID_LEN: usize = 32;
/// Longest scheme name given as text, in characters.
pub const MAX_SCHEME_LEN: usize = 24;

/// At most this many clear digits at the start of a masked PAN (the BIN).
const MAX_LEADING_DIGITS: usize = 6;
/// Exactly this many clear digits end a masked PAN.
const TRAILING_DIGITS: usize = 4;
/// The most clear digits a masked PAN shows (first six and last four).
const MAX_CLEAR_DIGITS: usize = 10;
/// A masked PAN is at most as long as the longest PAN.
const MAX_PAN_LEN: usize = 19;

fn invalid(field: &'static str, expected: &'static str) -> CoreError {
    CoreError::InvalidCardReference { field, expected }
}

/// Checks a text field: 1 to `max` printable ASCII characters, no space at
/// either end. Returns it owned.
fn checked_text(field: &'static str, text: &str, max: usize) -> Result<String, CoreError> {
    let ok = !text.is_empty()
        && text.len() <= max
        && text.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        && text.trim() == text;
    if ok {
        Ok(text.to_owned())
    } else {
        Err(invalid(field, "printable ASCII, no surrounding space"))
    }
}

/// A card number as the till may keep it: at most the first six and the
/// last four digits clear, the rest masked. Stored compact
/// (`497010******1234`), printed as `**** **** **** 1234`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MaskedPan(String);

impl MaskedPan {
    /// Reads a masked PAN as terminals and processors report it: digits
    /// and mask characters (`*`, `X`, `x`, `#`), with optional spaces or
    /// dashes; `1234` alone (the last four) is accepted too.
    ///
    /// More clear digits than six leading and four trailing (a full or
    /// partly masked card number) is `card_pan_not_masked`; anything else
    /// that does not read is `invalid_card_reference`.
    pub fn new(text: &str) -> Result<MaskedPan, CoreError> {
        let compact: Vec<u8> = text
            .trim()
            .bytes()
            .filter(|b| *b != b' ' && *b != b'-')
            .map(|b| {
                if matches!(b, b'X' | b'x' | b'#') {
                    b'*'
                } else {
                    b
                }
            })
            .collect();
        let digits = compact.iter().filter(|b| b.is_ascii_digit()).count();
        if !compact.iter().all(|b| b.is_ascii_digit() || *b == b'*') {
            // Letters or symbols: not a card number, but a long run of
            // digits among them would still be card data.
            return Err(if digits > MAX_CLEAR_DIGITS {
                CoreError::CardPanNotMasked
            } else {
                invalid("masked_pan", "digits and * only")
            });
        }
        let leading = compact.iter().take_while(|b| b.is_ascii_digit()).count();
        let trailing = compact
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let masked = compact
            .len()
            .saturating_sub(leading.saturating_add(trailing));
        let stars = compact.iter().filter(|b| **b == b'*').count();
        let last_four_only = compact.len() == TRAILING_DIGITS && digits == TRAILING_DIGITS;
        if !last_four_only
            && (digits > MAX_CLEAR_DIGITS
                || leading > MAX_LEADING_DIGITS
                || stars != masked
                || (stars == 0 && digits > TRAILING_DIGITS))
        {
            // Clear digits where the mask should be: a card number.
            return Err(CoreError::CardPanNotMasked);
        }
        if trailing != TRAILING_DIGITS || compact.len() > MAX_PAN_LEN {
            return Err(invalid(
                "masked_pan",
                "the last 4 digits, at most the first 6, the rest masked",
            ));
        }
        // Every byte is an ASCII digit or `*`.
        Ok(MaskedPan(String::from_utf8_lossy(&compact).into_owned()))
    }

    /// The last four digits (`1234`).
    pub fn last4(&self) -> &str {
        self.0
            .get(self.0.len().saturating_sub(TRAILING_DIGITS)..)
            .unwrap_or_default()
    }

    /// The compact stored form (`497010******1234`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MaskedPan {
    type Error = CoreError;
    fn try_from(s: String) -> Result<MaskedPan, CoreError> {
        MaskedPan::new(&s)
    }
}

impl From<MaskedPan> for String {
    fn from(p: MaskedPan) -> String {
        p.0
    }
}

impl fmt::Display for MaskedPan {
    /// The receipt form, `**** **** **** 1234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "**** **** **** {}", self.last4())
    }
}

impl fmt::Debug for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedPan({})", self.0)
    }
}

/// The card scheme (network) that carried the payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum CardScheme {
    /// Cartes Bancaires, the French domestic scheme.
    Cb,
    /// Visa.
    Visa,
    /// Mastercard.
    Mastercard,
    /// Maestro.
    Maestro,
    /// American Express.
    Amex,
    /// Discover.
    Discover,
    /// Diners Club.
    Diners,
    /// JCB.
    Jcb,
    /// UnionPay.
    UnionPay,
    /// Another scheme (a meal-voucher card, a private label), as named by
    /// the processor: 1 to [`MAX_SCHEME_LEN`] printable ASCII characters.
    Other(String),
}

impl CardScheme {
    /// Reads a scheme name as processors spell it (`CB`, `visa`, `mc`,
    /// `MasterCard`, `amex`...); an unknown name is kept as
    /// [`CardScheme::Other`] once checked.
    pub fn parse(name: &str) -> Result<CardScheme, CoreError> {
        let key: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Ok(match key.as_str() {
            "cb" | "cartebancaire" | "cartesbancaires" => CardScheme::Cb,
            "visa" => CardScheme::Visa,
            "mc" | "mastercard" => CardScheme::Mastercard,
            "maestro" => CardScheme::Maestro,
            "amex" | "americanexpress" => CardScheme::Amex,
            "discover" => CardScheme::Discover,
            "diners" | "dinersclub" => CardScheme::Diners,
            "jcb" => CardScheme::Jcb,
            "unionpay" | "cup" | "chinaunionpay" => CardScheme::UnionPay,
            _ => CardScheme::Other(checked_text("scheme", name, MAX_SCHEME_LEN)?),
        })
    }

    /// The stable name (`cb`, `visa`, `mastercard`...; an other scheme's own).
    pub fn code(&self) -> &str {
        match self {
            CardScheme::Cb => "cb",
            CardScheme::Visa => "visa",
            CardScheme::Mastercard => "mastercard",
            CardScheme::Maestro => "maestro",
            CardScheme::Amex => "amex",
            CardScheme::Discover => "discover",
            CardScheme::Diners => "diners",
            CardScheme::Jcb => "jcb",
            CardScheme::UnionPay => "unionpay",
            CardScheme::Other(name) => name,
        }
    }

    /// The name printed on a card slip (`CB`, `VISA`, `MASTERCARD`).
    pub fn label(&self) -> String {
        match self {
            CardScheme::Amex => "AMEX".to_owned(),
            CardScheme::UnionPay => "UNIONPAY".to_owned(),
            CardScheme::Diners => "DINERS CLUB".to_owned(),
            other => other.code().to_ascii_uppercase(),
        }
    }
}

impl TryFrom<String> for CardScheme {
    type Error = CoreError;
    fn try_from(s: String) -> Result<CardScheme, CoreError> {
        CardScheme::parse(&s)
    }
}

impl From<CardScheme> for String {
    fn from(s: CardScheme) -> String {
        s.code().to_owned()
    }
}

/// How the card was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryMode {
    /// Chip and PIN (contact).
    Chip,
    /// Contactless (card, phone or watch).
    Contactless,
    /// Magnetic stripe.
    Swipe,
    /// Card number keyed on the terminal (MOTO).
    Keyed,
    /// Card not present (an online payment).
    Online,
}

impl EntryMode {
    /// Reads the snake_case name (`chip`, `contactless`, `swipe`, `keyed`, `online`).
    pub fn parse(name: &str) -> Result<EntryMode, CoreError> {
        Ok(match name {
            "chip" => EntryMode::Chip,
            "contactless" => EntryMode::Contactless,
            "swipe" => EntryMode::Swipe,
            "keyed" => EntryMode::Keyed,
            "online" => EntryMode::Online,
            _ => {
                return Err(invalid(
                    "entry_mode",
                    "chip, contactless, swipe, keyed or online",
                ));
            }
        })
    }

    /// The snake_case name.
    pub fn code(self) -> &'static str {
        match self {
            EntryMode::Chip => "chip",
            EntryMode::Contactless => "contactless",
            EntryMode::Swipe => "swipe",
            EntryMode::Keyed => "keyed",
            EntryMode::Online => "online",
        }
    }

    /// As a French card slip prints it.
    pub fn label(self) -> &'static str {
        match self {
            EntryMode::Chip => "CONTACT",
            EntryMode::Contactless => "SANS CONTACT",
            EntryMode::Swipe => "PISTE",
            EntryMode::Keyed => "SAISIE MANUELLE",
            EntryMode::Online => "VAD",
        }
    }
}

/// The parts of a card reference as plain text, for callers that hold
/// strings (bindings, JSON): [`CardReference::from_parts`] checks them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardReferenceParts {
    /// This operation's reference at the processor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor_reference: Option<String>,
    /// The acquirer's authorisation code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation_code: Option<String>,
    /// The masked card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_pan: Option<String>,
    /// The scheme's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The entry mode's snake_case name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_mode: Option<String>,
    /// The terminal's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// On a refund: the processor reference of the charge paid back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference: Option<String>,
}

/// What the till keeps of an electronic payment: enough to find the charge
/// at the processor and to refund it, never the card number.
///
/// Invariant: a processor reference or an original reference (a refund
/// not yet given its own reference) is always present.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CardReferenceParts", into = "CardReferenceParts")]
pub struct CardReference {
    processor_reference: Option<String>,
    authorisation_code: Option<String>,
    masked_pan: Option<MaskedPan>,
    scheme: Option<CardScheme>,
    entry_mode: Option<EntryMode>,
    terminal_id: Option<String>,
    original_reference: Option<String>,
}

impl CardReference {
    /// A charge's reference at its processor (PaymentIntent id, PSP
    /// reference, terminal transaction number).
    pub fn new(processor_reference: &str) -> Result<CardReference, CoreError> {
        Ok(CardReference {
            processor_reference: Some(checked_text(
                "processor_reference",
                processor_reference,
                MAX_PROCESSOR_REFERENCE_LEN,
            )?),
            authorisation_code: None,
            masked_pan: None,
            scheme: None,
            entry_mode: None,
            terminal_id: None,
            original_reference: None,
        })
    }

    /// The reference a refund of `original` carries: it points at the
    /// original charge and keeps its card (masked) and scheme; the refund's
    /// own processor reference is added with
    /// [`with_processor_reference`](Self::with_processor_reference) once
    /// the processor has given one.
    pub fn refund_of(original: &CardReference) -> CardReference {
        CardReference {
            processor_reference: None,
            authorisation_code: None,
            masked_pan: original.masked_pan.clone(),
            scheme: original.scheme.clone(),
            entry_mode: None,
            terminal_id: None,
            original_reference: original
                .processor_reference
                .clone()
                .or_else(|| original.original_reference.clone()),
        }
    }

    /// Checks every part; the first bad one is named in the error.
    pub fn from_parts(parts: CardReferenceParts) -> Result<CardReference, CoreError> {
        let text = |field, value: Option<String>, max| {
            value.map(|v| checked_text(field, &v, max)).transpose()
        };
        let reference = CardReference {
            processor_reference: text(
                "processor_reference",
                parts.processor_reference,
                MAX_PROCESSOR_REFERENCE_LEN,
            )?,
            authorisation_code: parts
                .authorisation_code
                .map(|c| checked_code(&c))
                .transpose()?,
            masked_pan: parts.masked_pan.map(|p| MaskedPan::new(&p)).transpose()?,
            scheme: parts.scheme.map(|s| CardScheme::parse(&s)).transpose()?,
            entry_mode: parts.entry_mode.map(|m| EntryMode::parse(&m)).transpose()?,
            terminal_id: text("terminal_id", parts.terminal_id, MAX_TERMINAL_ID_LEN)?,
            original_reference: text(
                "original_reference",
                parts.original_reference,
                MAX_PROCESSOR_REFERENCE_LEN,
            )?,
        };
        if reference.processor_reference.is_none() && reference.original_reference.is_none() {
            return Err(invalid(
                "processor_reference",
                "a processor reference, or an original reference on a refund",
            ));
        }
        Ok(reference)
    }

    /// The parts as plain text (the serialized form).
    pub fn to_parts(&self) -> CardReferenceParts {
        CardReferenceParts {
            processor_reference: self.processor_reference.clone(),
            authorisation_code: self.authorisation_code.clone(),
            masked_pan: self.masked_pan.as_ref().map(|p| p.as_str().to_owned()),
            scheme: self.scheme.as_ref().map(|s| s.code().to_owned()),
            entry_mode: self.entry_mode.map(|m| m.code().to_owned()),
            terminal_id: self.terminal_id.clone(),
            original_reference: self.original_reference.clone(),
        }
    }

    /// Sets this operation's processor reference (a refund's own, once known).
    pub fn with_processor_reference(mut self, reference: &str) -> Result<Self, CoreError> {
        self.processor_reference = Some(checked_text(
            "processor_reference",
            reference,
            MAX_PROCESSOR_REFERENCE_LEN,
        )?);
        Ok(self)
    }

    /// Sets the authorisation code: 1 to 12 letters or digits.
    pub fn with_authorisation_code(mut self, code: &str) -> Result<Self, CoreError> {
        self.authorisation_code = Some(checked_code(code)?);
        Ok(self)
    }

    /// Sets the masked card number.
    pub fn with_masked_pan(mut self, pan: MaskedPan) -> Self {
        self.masked_pan = Some(pan);
        self
    }

    /// Sets the scheme.
    pub fn with_scheme(mut self, scheme: CardScheme) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// Sets the entry mode.
    pub fn with_entry_mode(mut self, mode: EntryMode) -> Self {
        self.entry_mode = Some(mode);
        self
    }

    /// Sets the terminal id.
    pub fn with_terminal_id(mut self, id: &str) -> Result<Self, CoreError> {
        self.terminal_id = Some(checked_text("terminal_id", id, MAX_TERMINAL_ID_LEN)?);
        Ok(self)
    }

    /// This operation's reference at the processor.
    pub fn processor_reference(&self) -> Option<&str> {
        self.processor_reference.as_deref()
    }
    /// The acquirer's authorisation code.
    pub fn authorisation_code(&self) -> Option<&str> {
        self.authorisation_code.as_deref()
    }
    /// The masked card number.
    pub fn masked_pan(&self) -> Option<&MaskedPan> {
        self.masked_pan.as_ref()
    }
    /// The scheme.
    pub fn scheme(&self) -> Option<&CardScheme> {
        self.scheme.as_ref()
    }
    /// How the card was read.
    pub fn entry_mode(&self) -> Option<EntryMode> {
        self.entry_mode
    }
    /// The terminal's id.
    pub fn terminal_id(&self) -> Option<&str> {
        self.terminal_id.as_deref()
    }
    /// On a refund: the processor reference of the charge paid back.
    pub fn original_reference(&self) -> Option<&str> {
        self.original_reference.as_deref()
    }
}

impl TryFrom<CardReferenceParts> for CardReference {
    type Error = CoreError;
    fn try_from(parts: CardReferenceParts) -> Result<CardReference, CoreError> {
        CardReference::from_parts(parts)
    }
}

impl From<CardReference> for CardReferenceParts {
    fn from(r: CardReference) -> CardReferenceParts {
        r.to_parts()
    }
}

impl fmt::Debug for CardReference {
    // Only masked card data is ever held; spelled out so a new field is
    // a conscious choice here.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardReference")
            .field("processor_reference", &self.processor_reference)
            .field("authorisation_code", &self.authorisation_code)
            .field("masked_pan", &self.masked_pan)
            .field("scheme", &self.scheme)
            .field("entry_mode", &self.entry_mode)
            .field("terminal_id", &self.terminal_id)
            .field("original_reference", &self.original_reference)
            .finish()
    }
}

fn checked_code(code: &str) -> Result<String, CoreError> {
    if code.is_empty()
        || code.len() > MAX_AUTHORISATION_CODE_LEN
        || !code.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(invalid("authorisation_code", "1 to 12 letters or digits"));
    }
    Ok(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_masked(text: &str) {
        assert_eq!(
            MaskedPan::new(text).map(|p| p.to_string()),
            Err(CoreError::CardPanNotMasked),
            "{text}"
        );
    }

    #[test]
    fn masked_pans_are_read_in_the_forms_terminals_send() {
        for (text, stored) in [
            ("497010******1234", "497010******1234"),
            ("4970 10XX XXXX 1234", "497010******1234"),
            ("**** **** **** 1234", "************1234"),
            ("############1234", "############1234"),
            ("1234", "1234"),
            ("xxxx-1234", "****1234"),
        ] {
            let stored = stored.replace('#', "*");
            let pan = MaskedPan::new(text).unwrap();
            assert_eq!(pan.as_str(), stored, "{text}");
            assert_eq!(pan.last4(), "1234");
            assert_eq!(pan.to_string(), "**** **** **** 1234");
        }
    }

    #[test]
    fn card_numbers_are_refused_as_not_masked() {
        // A full PAN (Luhn-valid test cards), spaced or not.
        not_masked("4970101234567899");
        not_masked("4111 1111 1111 1111");
        not_masked("378282246310005");
        // Seven leading digits, or clear digits in the middle of the mask.
        not_masked("4970101*****1234");
        not_masked("497010**12**1234");
        // A PAN hidden among letters.
        not_masked("card 4111111111111111");
        // No mask at all but more than the last four.
        not_masked("51234");
    }

    #[test]
    fn other_malformed_pans_name_the_field() {
        for text in ["", "****", "****123", "abc", "****************1234"] {
            assert_eq!(
                MaskedPan::new(text).err().map(|e| e.kind()),
                Some("invalid_card_reference"),
                "{text}"
            );
        }
    }

    #[test]
    fn schemes_are_read_in_processor_spellings() {
        assert_eq!(CardScheme::parse("CB").unwrap(), CardScheme::Cb);
        assert_eq!(CardScheme::parse("mc").unwrap(), CardScheme::Mastercard);
        assert_eq!(
            CardScheme::parse("American Express").unwrap(),
            CardScheme::Amex
        );
        assert_eq!(
            CardScheme::parse("Swile").unwrap(),
            CardScheme::Other("Swile".into())
        );
        assert_eq!(CardScheme::parse("Visa").unwrap().label(), "VISA");
        assert!(CardScheme::parse("").is_err());
        assert!(CardScheme::parse("é-card").is_err());
        assert!(CardScheme::parse(&"x".repeat(25)).is_err());
    }

    #[test]
    fn bad_parts_name_their_field() {
        let parts = |f: fn(&mut CardReferenceParts)| {
            let mut p = CardReferenceParts {
                processor_reference: Some("pi_123".into()),
                ..Default::default()
            };
            f(&mut p);
            CardReference::from_parts(p)
        };
        let field = |r: Result<CardReference, CoreError>| match r {
            Err(CoreError::InvalidCardReference { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(parts(|p| p.processor_reference = Some("pi\n1".into()))),
            "processor_reference"
        );
        assert_eq!(
            field(parts(|p| p.processor_reference = Some(" pi".into()))),
            "processor_reference"
        );
        assert_eq!(
            field(parts(|p| p.processor_reference = None)),
            "processor_reference"
        );
        assert_eq!(
            field(parts(|p| p.authorisation_code = Some("12 456".into()))),
            "authorisation_code"
        );
        assert_eq!(
            field(parts(
                |p| p.authorisation_code = Some("1234567890123".into())
            )),
            "authorisation_code"
        );
        assert_eq!(
            field(parts(|p| p.terminal_id = Some("t".repeat(33)))),
            "terminal_id"
        );
        assert_eq!(
            field(parts(|p| p.entry_mode = Some("nfc".into()))),
            "entry_mode"
        );
        assert_eq!(
            field(parts(|p| p.original_reference = Some(String::new()))),
            "original_reference"
        );
        assert_eq!(
            parts(|p| p.masked_pan = Some("4111111111111111".into())),
            Err(CoreError::CardPanNotMasked)
        );
    }

    #[test]
    fn serde_round_trip_checks_what_it_reads() {
        let r = CardReference::new("8815329842815468")
            .unwrap()
            .with_authorisation_code("A1B2C3")
            .unwrap()
            .with_masked_pan(MaskedPan::new("541333******0019").unwrap())
            .with_scheme(CardScheme::Mastercard)
            .with_entry_mode(EntryMode::Contactless)
            .with_terminal_id("V400m-1")
            .unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"processor_reference":"8815329842815468","authorisation_code":"A1B2C3","masked_pan":"541333******0019","scheme":"mastercard","entry_mode":"contactless","terminal_id":"V400m-1"}"#
        );
        assert_eq!(serde_json::from_str::<CardReference>(&json).unwrap(), r);
        // A stored or synced record with a full PAN does not read.
        let tampered = json.replace("541333******0019", "5413330089000019");
        assert!(serde_json::from_str::<CardReference>(&tampered).is_err());
        // Debug never shows more than the masked form.
        assert!(format!("{r:?}").contains("541333******0019"));
    }

    #[test]
    fn a_refund_points_at_its_charge() {
        let charge = CardReference::new("pi_1")
            .unwrap()
            .with_authorisation_code("123456")
            .unwrap()
            .with_masked_pan(MaskedPan::new("1234").unwrap())
            .with_scheme(CardScheme::Visa);
        let refund = CardReference::refund_of(&charge);
        assert_eq!(refund.original_reference(), Some("pi_1"));
        assert_eq!(refund.processor_reference(), None);
        assert_eq!(refund.authorisation_code(), None);
        assert_eq!(refund.masked_pan(), charge.masked_pan());
        let refund = refund.with_processor_reference("re_9").unwrap();
        assert_eq!(refund.processor_reference(), Some("re_9"));
        // A refund of a refund still points at the first charge's chain.
        assert_eq!(
            CardReference::refund_of(&CardReference::refund_of(&charge)).original_reference(),
            Some("pi_1")
        );
    }
}
