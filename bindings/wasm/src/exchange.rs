//! Exchanges of a stored ticket: lines given back and new items sold on
//! one cart, the balance paid or paid back with `startPayment` and recorded
//! with `completeSale` (one fiscal record of kind exchange).

use crate::PosError;
use crate::cart::Cart;
use crate::refund::{actor, selection};
use crate::register::Register;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Register {
    /// A cart giving back `returns` (`{line, quantity}`, lines from 1) of
    /// ticket `ticketId`, ready for the new items to be scanned in. Needs
    /// the `return` permission (`manager`; otherwise CartError
    /// `permission_required`); more than what is left of a line is
    /// `refund_exceeds_refundable`.
    #[wasm_bindgen(js_name = exchangeCart)]
    pub fn exchange_cart(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
        #[wasm_bindgen(unchecked_param_type = "RefundLine[]")] returns: JsValue,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<Cart, JsValue> {
        if !js_sys::Array::is_array(&returns) {
            return Err(PosError::invalid("returns", "an array of { line, quantity }").into());
        }
        let returns = js_sys::Array::from(&returns)
            .iter()
            .map(|l| selection(&l))
            .collect::<Result<Vec<_>, PosError>>()?;
        let actor = actor(operator, manager)?;
        let cart = self
            .sdk()?
            .exchange_cart(ticket_id, &returns, &actor)
            .map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }
}
