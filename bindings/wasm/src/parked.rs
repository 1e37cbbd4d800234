//! Parked carts (issue 14): set a cart aside in the till database and take
//! it back later. A resumed cart keeps its lines as rung (the prices the
//! customer was told) and runs the promotions of the moment.

use crate::cart::Cart;
use crate::register::Register;
use crate::{PosError, convert};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const PARKED_TS: &str = r#"
/** A parked cart as the till lists it: `parkedAt` in epoch ms, `total` a decimal string. */
export interface ParkedCartInfo { id: string; label: string; parkedAt: number; lineCount: number; total: string; }
"#;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParkedCartInfo {
    id: String,
    label: String,
    parked_at: i64,
    line_count: u32,
    total: String,
}

#[wasm_bindgen]
impl Register {
    /// Parks `cart` under `label` (1 to 64 characters); returns its id. An
    /// empty cart or one with return lines: `invalid_input`.
    #[wasm_bindgen(js_name = parkCart)]
    pub fn park_cart(&self, cart: &Cart, label: &str) -> Result<String, JsValue> {
        let snapshot = cart.borrow_open()?.clone();
        Ok(self
            .sdk()?
            .park_cart(&snapshot, label)
            .map_err(PosError::from)?)
    }

    /// The parked carts, oldest first.
    #[wasm_bindgen(js_name = parkedCarts, unchecked_return_type = "ParkedCartInfo[]")]
    pub fn parked_carts(&self) -> Result<JsValue, JsValue> {
        let list: Vec<ParkedCartInfo> = self
            .sdk()?
            .parked_carts()
            .map_err(PosError::from)?
            .into_iter()
            .map(|p| ParkedCartInfo {
                id: p.id,
                label: p.label,
                parked_at: p.parked_at.timestamp_millis(),
                line_count: p.line_count,
                total: p.total.amount().to_string(),
            })
            .collect();
        Ok(convert::to_js(&list)?)
    }

    /// Takes parked cart `id` back as a new cart (it is no longer parked);
    /// unknown: `not_found`.
    #[wasm_bindgen(js_name = resumeParked)]
    pub fn resume_parked(&self, id: &str) -> Result<Cart, JsValue> {
        let cart = self.sdk()?.resume_parked(id).map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }

    /// Throws parked cart `id` away; unknown: `not_found`.
    #[wasm_bindgen(js_name = discardParked)]
    pub fn discard_parked(&self, id: &str) -> Result<(), JsValue> {
        Ok(self.sdk()?.discard_parked(id).map_err(PosError::from)?)
    }
}
