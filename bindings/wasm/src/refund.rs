//! Refunds: a cart giving back all or part of a stored ticket, paid back
//! with `startPayment` and recorded with `completeSale` like a sale.

use crate::cart::Cart;
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::cart::{Actor, Permissions};
use pos_sdk::RefundLine;
use wasm_bindgen::prelude::*;

pub(crate) fn actor(operator: &str, manager: Option<bool>) -> Result<Actor, PosError> {
    let rights = if manager.unwrap_or(false) {
        Permissions::manager()
    } else {
        Permissions::cashier()
    };
    Ok(Actor::new(convert::operator(operator)?, rights))
}

/// One `{line, quantity}` object of a partial refund (`line` numbered from
/// 1; 0 reaches the facade, which refuses it naming the number).
pub(crate) fn selection(value: &JsValue) -> Result<RefundLine, PosError> {
    let bad = || PosError::invalid("refund line", "{ line: number, quantity: string }");
    if !value.is_object() {
        return Err(bad());
    }
    let get = |name: &str| js_sys::Reflect::get(value, &name.into()).map_err(|_| bad());
    let line = get("line")?
        .as_f64()
        .filter(|n| n.is_finite() && n.fract() == 0.0 && (0.0..4.0e9).contains(n))
        .ok_or_else(bad)?;
    // Checked above: a whole number inside u32.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let line = line as u32;
    let quantity = convert::amount("quantity", &get("quantity")?)?;
    Ok(RefundLine { line, quantity })
}

#[wasm_bindgen]
impl Register {
    /// A cart refunding everything still refundable on ticket `ticketId`,
    /// by `operator` (with manager rights when `manager`; without them,
    /// CartError `permission_required` naming `return`). Pay it back with
    /// `startPayment` (`remaining()` is the positive amount owed back, and
    /// tenders are positive amounts given back) and record it with
    /// `completeSale`: a refund ticket with a negative total.
    #[wasm_bindgen(js_name = refundCart)]
    pub fn refund_cart(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<Cart, JsValue> {
        let actor = actor(operator, manager)?;
        let cart = self
            .sdk()?
            .refund_cart(ticket_id, None, &actor)
            .map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }

    /// A cart refunding only `lines` of ticket `ticketId`: each
    /// `{line, quantity}` is a line number of the original ticket, from 1 as
    /// the sale's cart line ids were (0 or past the end: CartError
    /// `unknown_original_line`), and a positive quantity to give back
    /// (decimal string), knowing what earlier refunds took back.
    #[wasm_bindgen(js_name = partialRefundCart)]
    pub fn partial_refund_cart(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
        #[wasm_bindgen(unchecked_param_type = "RefundLine[]")] lines: JsValue,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<Cart, JsValue> {
        if !js_sys::Array::is_array(&lines) {
            return Err(PosError::invalid("lines", "an array of { line, quantity }").into());
        }
        let selections = js_sys::Array::from(&lines)
            .iter()
            .map(|l| selection(&l))
            .collect::<Result<Vec<_>, PosError>>()?;
        let actor = actor(operator, manager)?;
        let cart = self
            .sdk()?
            .refund_cart(ticket_id, Some(&selections), &actor)
            .map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }
}
