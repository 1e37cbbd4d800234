//! Card references in JS (issue 14): `payment.addCard(method, amount,
//! card)` with a `CardReference` object (snake_case keys, as on the
//! ticket's JSON), checked by pos-core (a full card number is
//! `card_pan_not_masked`); `register.refundCardReferences(ticketId)` gives
//! the pointers a refund of a stored ticket carries.

use crate::cart::Payment;
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::tender::{CardReference, CardReferenceParts};
use wasm_bindgen::prelude::*;

/// The keys a `CardReference` object may have.
const KEYS: [&str; 7] = [
    "processor_reference",
    "authorisation_code",
    "masked_pan",
    "scheme",
    "entry_mode",
    "terminal_id",
    "original_reference",
];

/// Reads a `CardReference` object: each key an optional string, no other
/// key (a misspelt one would silently drop a part).
fn card_of(value: &JsValue) -> Result<CardReference, PosError> {
    let expected = "a CardReference object { processor_reference, authorisation_code, masked_pan, scheme, entry_mode, terminal_id, original_reference }";
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(PosError::invalid("card", expected));
    }
    let object = js_sys::Object::from(value.clone());
    for key in js_sys::Object::keys(&object).iter() {
        let known = key.as_string().is_some_and(|k| KEYS.contains(&k.as_str()));
        if !known {
            return Err(PosError::invalid("card", expected));
        }
    }
    let get = |key: &str| -> Result<Option<String>, PosError> {
        let v = js_sys::Reflect::get(value, &key.into())
            .map_err(|_| PosError::invalid("card", expected))?;
        convert::opt_text(key, "a string", &v)
    };
    Ok(CardReference::from_parts(CardReferenceParts {
        processor_reference: get("processor_reference")?,
        authorisation_code: get("authorisation_code")?,
        masked_pan: get("masked_pan")?,
        scheme: get("scheme")?,
        entry_mode: get("entry_mode")?,
        terminal_id: get("terminal_id")?,
        original_reference: get("original_reference")?,
    })?)
}

#[wasm_bindgen]
impl Payment {
    /// Adds an electronic tender (`card`, `meal_voucher`) of `amount` (a
    /// decimal string) with the processor's reference `card`; another
    /// method is `card_reference_not_allowed`. On error nothing changes.
    #[wasm_bindgen(js_name = addCard)]
    pub fn add_card(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TenderMethod")] method: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CardReference")] card: JsValue,
    ) -> Result<(), JsValue> {
        let method = convert::text("tender method", "a TenderMethod string", &method)?;
        let card = card_of(&card)?;
        Ok(self.add_with_card(&method, &amount, card)?)
    }
}

#[wasm_bindgen]
impl Register {
    /// The card charges of stored ticket `ticketId` that a refund (or an
    /// exchange's pay-back) pays back to, as `{ card, charged }`: give each
    /// `card` to the refund's `addCard` so the app can refund the charge at
    /// its processor.
    #[wasm_bindgen(js_name = refundCardReferences, unchecked_return_type = "CardRefund[]")]
    pub fn refund_card_references(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
    ) -> Result<JsValue, JsValue> {
        let ticket = self.sdk()?.ticket(ticket_id).map_err(PosError::from)?;
        let refunds: Vec<serde_json::Value> = ticket
            .card_refund_references()
            .iter()
            .map(|(card, charged)| {
                serde_json::json!({ "card": card, "charged": charged.format_plain() })
            })
            .collect();
        Ok(convert::to_js(&refunds)?)
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_CARD_TYPES: &str = r#"
/** What the till keeps of an electronic payment (issue 14): never more of
 * the card than its masked number (at most the first 6 and last 4 digits). */
export interface CardReference {
  /** This operation's reference at the processor (PaymentIntent id, PSP reference, terminal transaction id). */
  processor_reference?: string | null;
  /** The acquirer's authorisation code (1 to 12 letters or digits). */
  authorisation_code?: string | null;
  /** The masked card number (`497010******1234`, `**** 1234`). */
  masked_pan?: string | null;
  /** `cb`, `visa`, `mastercard`, `amex`... or the processor's own name. */
  scheme?: string | null;
  entry_mode?: "chip" | "contactless" | "swipe" | "keyed" | "online" | null;
  terminal_id?: string | null;
  /** On a refund: the processor reference of the charge paid back. */
  original_reference?: string | null;
}
/** A card charge of a ticket, as a refund of it pays back to it. */
export interface CardRefund { card: CardReference; charged: string; }
"#;
