//! Manual adjustments on a cart: line and ticket discounts with a reason,
//! a price override, line and ticket notes, and reading them back. Each
//! needs the acting operator's permission (a cashier gives discounts; only
//! a manager overrides a price); a refusal changes nothing.

use crate::cart::Cart;
use crate::refund::actor;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::cart::{ManualDiscount, PriceSource};
use pos_core::pricing::Discount;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** A manual discount's kind: a percentage (0 to 100) or an amount off. */
export type DiscountKind = "percent" | "amount";
/** A manual discount as given (`value`: decimal string). */
export interface ManualDiscountInfo { kind: DiscountKind; value: string; reasonCode: string; reasonText: string | null; operator: string; }
/** A price keyed over the catalog's. */
export interface PriceOverrideInfo { replaced: string; reason: string; operator: string; }
/** What was adjusted by hand on one line (decimals as strings). */
export interface LineAdjustments { line: number; discount: ManualDiscountInfo | null; discountAmount: string; ticketDiscountShare: string; priceOverride: PriceOverrideInfo | null; note: string | null; }
/** What was adjusted by hand on the cart. */
export interface CartAdjustments { ticketDiscount: ManualDiscountInfo | null; note: string | null; lines: LineAdjustments[]; }
"#;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DiscountView {
    kind: &'static str,
    value: String,
    reason_code: String,
    reason_text: Option<String>,
    operator: String,
}

impl DiscountView {
    fn of(m: &ManualDiscount) -> DiscountView {
        let (kind, value) = match m.discount {
            Discount::Percent(v) => ("percent", v),
            Discount::Amount(v) => ("amount", v),
        };
        DiscountView {
            kind,
            value: value.normalize().to_string(),
            reason_code: m.reason_code.clone(),
            reason_text: m.reason_text.clone(),
            operator: m.operator.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OverrideView {
    replaced: String,
    reason: String,
    operator: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineView {
    line: u32,
    discount: Option<DiscountView>,
    discount_amount: String,
    ticket_discount_share: String,
    price_override: Option<OverrideView>,
    note: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AdjustmentsView {
    ticket_discount: Option<DiscountView>,
    note: Option<String>,
    lines: Vec<LineView>,
}

fn discount(kind: &str, value: &JsValue) -> Result<Discount, PosError> {
    let v = convert::amount("discount value", value)?;
    match kind {
        "percent" => Ok(Discount::Percent(v)),
        "amount" => Ok(Discount::Amount(v)),
        _ => Err(PosError::invalid("discount kind", "percent or amount")),
    }
}

#[wasm_bindgen]
impl Cart {
    /// Puts a manual discount on `line` (replacing any): `kind` `percent`
    /// (0 to 100) or `amount` (off the line), `value` a decimal string, a
    /// reason code and an optional text, by `operator` (a cashier may;
    /// `manager` for a manager's rights). More than what is left of the
    /// line, a return line or a missing permission is refused and changes
    /// nothing.
    #[wasm_bindgen(js_name = setLineDiscount)]
    #[allow(clippy::too_many_arguments)]
    pub fn set_line_discount(
        &self,
        line: u32,
        #[wasm_bindgen(unchecked_param_type = "DiscountKind")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] value: JsValue,
        #[wasm_bindgen(js_name = reasonCode)] reason_code: &str,
        #[wasm_bindgen(js_name = reasonText)] reason_text: Option<String>,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<(), JsValue> {
        let (d, actor) = (discount(kind, &value)?, actor(operator, manager)?);
        let mut cart = self.borrow_mut()?;
        let id = Cart::line_id(&cart, line)?;
        cart.set_line_discount(id, d, reason_code, reason_text.as_deref(), &actor)
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Removes `line`'s manual discount.
    #[wasm_bindgen(js_name = clearLineDiscount)]
    pub fn clear_line_discount(&self, line: u32) -> Result<(), JsValue> {
        let mut cart = self.borrow_mut()?;
        let id = Cart::line_id(&cart, line)?;
        cart.clear_line_discount(id).map_err(PosError::from)?;
        Ok(())
    }

    /// Puts a manual discount on the whole ticket (replacing any), spread
    /// over the lines in proportion to their amounts.
    #[wasm_bindgen(js_name = setTicketDiscount)]
    pub fn set_ticket_discount(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DiscountKind")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] value: JsValue,
        #[wasm_bindgen(js_name = reasonCode)] reason_code: &str,
        #[wasm_bindgen(js_name = reasonText)] reason_text: Option<String>,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<(), JsValue> {
        let (d, actor) = (discount(kind, &value)?, actor(operator, manager)?);
        self.borrow_mut()?
            .set_ticket_discount(d, reason_code, reason_text.as_deref(), &actor)
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Removes the ticket discount.
    #[wasm_bindgen(js_name = clearTicketDiscount)]
    pub fn clear_ticket_discount(&self) -> Result<(), JsValue> {
        self.borrow_mut()?
            .clear_ticket_discount()
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Replaces `line`'s unit price (decimal string) with a reason; needs a
    /// manager (CartError `permission_denied` naming `price_override`).
    #[wasm_bindgen(js_name = overridePrice)]
    pub fn override_price(
        &self,
        line: u32,
        #[wasm_bindgen(js_name = unitPrice, unchecked_param_type = "string")] unit_price: JsValue,
        reason: &str,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<(), JsValue> {
        let price = convert::amount("unit price", &unit_price)?;
        let actor = actor(operator, manager)?;
        let mut cart = self.borrow_mut()?;
        let id = Cart::line_id(&cart, line)?;
        let price = Money::new(price, cart.currency());
        cart.override_price(id, price, reason, &actor)
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Sets (or with `null` clears) `line`'s note, printed under the line.
    #[wasm_bindgen(js_name = setLineNote)]
    pub fn set_line_note(&self, line: u32, note: Option<String>) -> Result<(), JsValue> {
        let mut cart = self.borrow_mut()?;
        let id = Cart::line_id(&cart, line)?;
        cart.set_line_note(id, note.as_deref())
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Sets (or with `null` clears) the ticket's note.
    #[wasm_bindgen(js_name = setNote)]
    pub fn set_note(&self, note: Option<String>) -> Result<(), JsValue> {
        self.borrow_mut()?
            .set_note(note.as_deref())
            .map_err(PosError::from)?;
        Ok(())
    }

    /// The discounts, overrides and notes keyed on the cart:
    /// `{ticketDiscount, note, lines: [{line, discount, discountAmount,
    /// ticketDiscountShare, priceOverride, note}]}`.
    #[wasm_bindgen(unchecked_return_type = "CartAdjustments")]
    pub fn adjustments(&self) -> Result<JsValue, JsValue> {
        let cart = self.borrow()?;
        let view = AdjustmentsView {
            ticket_discount: cart.ticket_discount().map(DiscountView::of),
            note: cart.note().map(str::to_owned),
            lines: cart
                .lines()
                .iter()
                .map(|l| LineView {
                    line: l.id().get(),
                    discount: l.manual_discount().map(DiscountView::of),
                    discount_amount: l.manual_discount_amount().format_plain(),
                    ticket_discount_share: l.ticket_discount_share().format_plain(),
                    price_override: match l.price_source() {
                        PriceSource::Override {
                            operator,
                            reason,
                            replaced,
                        } => Some(OverrideView {
                            replaced: replaced.format_plain(),
                            reason: reason.clone(),
                            operator: operator.to_string(),
                        }),
                        _ => None,
                    },
                    note: l.note().map(str::to_owned),
                })
                .collect(),
        };
        Ok(convert::to_js(&view)?)
    }
}
