//! Stock at the till's location: levels, goods received, losses, transfers
//! to another location and inventory counts. Each change returns the level
//! the till holds afterwards.

use crate::register::Register;
use crate::{PosError, convert};
use pos_core::ids::{LocationId, Sku};
use pos_core::stock::MovementReason;
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// The stock of a SKU (decimals as strings).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LevelView {
    on_hand: String,
    reserved: String,
    available: String,
}

fn level(reg: &pos_sdk::Register, sku: &Sku) -> Result<JsValue, PosError> {
    let level = reg.stock_level(sku, &reg.config().location)?;
    convert::to_js(&LevelView {
        on_hand: level.on_hand.normalize().to_string(),
        reserved: level.reserved.normalize().to_string(),
        available: level.available()?.normalize().to_string(),
    })
}

impl Register {
    fn record(
        &self,
        reason: MovementReason,
        sku: &str,
        quantity: &JsValue,
        operator: &str,
        reference: Option<String>,
    ) -> Result<JsValue, PosError> {
        let sku = Sku::new(sku)?;
        let quantity = convert::amount("quantity", quantity)?;
        let op = convert::operator(operator)?;
        let mut reg = self.sdk()?;
        let location = reg.config().location.clone();
        reg.record_stock(reason, &sku, &location, quantity, &op, reference)?;
        level(&reg, &sku)
    }
}

#[wasm_bindgen]
impl Register {
    /// The stock of `sku` at the till's location: `{onHand, reserved,
    /// available}` (decimal strings).
    #[wasm_bindgen(js_name = stockLevel, unchecked_return_type = "StockLevel")]
    pub fn stock_level(&self, sku: &str) -> Result<JsValue, JsValue> {
        let sku = Sku::new(sku).map_err(PosError::from)?;
        let reg = self.sdk()?;
        Ok(level(&reg, &sku)?)
    }

    /// Records goods received from a supplier (`reference`: the delivery
    /// note); returns the level after.
    #[wasm_bindgen(js_name = receiveStock, unchecked_return_type = "StockLevel")]
    pub fn receive_stock(
        &self,
        sku: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] quantity: JsValue,
        operator: &str,
        reference: Option<String>,
    ) -> Result<JsValue, JsValue> {
        Ok(self.record(MovementReason::Receipt, sku, &quantity, operator, reference)?)
    }

    /// Records goods lost (broken, expired, stolen); returns the level after.
    #[wasm_bindgen(js_name = recordLoss, unchecked_return_type = "StockLevel")]
    pub fn record_loss(
        &self,
        sku: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] quantity: JsValue,
        operator: &str,
        reference: Option<String>,
    ) -> Result<JsValue, JsValue> {
        Ok(self.record(MovementReason::Loss, sku, &quantity, operator, reference)?)
    }

    /// Moves `quantity` of `sku` from the till's location to `to`; returns
    /// the till's level after. More than is available is refused.
    #[wasm_bindgen(js_name = transferStock, unchecked_return_type = "StockLevel")]
    pub fn transfer_stock(
        &self,
        sku: &str,
        to: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] quantity: JsValue,
        operator: &str,
    ) -> Result<JsValue, JsValue> {
        let sku = Sku::new(sku).map_err(PosError::from)?;
        let to = LocationId::new(to).map_err(PosError::from)?;
        let quantity = convert::amount("quantity", &quantity)?;
        let op = convert::operator(operator)?;
        let mut reg = self.sdk()?;
        let from = reg.config().location.clone();
        reg.transfer_stock(&sku, &from, &to, quantity, &op)
            .map_err(PosError::from)?;
        Ok(level(&reg, &sku)?)
    }

    /// Posts an inventory count of the till's location (`{sku, quantity}[]`,
    /// quantities as decimal strings): each difference with the levels
    /// becomes an adjustment. Returns how many were made.
    #[wasm_bindgen(js_name = countStock)]
    pub fn count_stock(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StockCount[]")] counted: JsValue,
        operator: &str,
    ) -> Result<u32, JsValue> {
        let bad = || PosError::invalid("counted", "an array of { sku: string, quantity: string }");
        if !js_sys::Array::is_array(&counted) {
            return Err(bad().into());
        }
        let mut map = BTreeMap::new();
        for c in js_sys::Array::from(&counted).iter() {
            if !c.is_object() {
                return Err(bad().into());
            }
            let get = |name: &str| js_sys::Reflect::get(&c, &name.into()).map_err(|_| bad());
            let sku = convert::text("sku", "a string", &get("sku")?)?;
            let quantity = convert::amount("quantity", &get("quantity")?)?;
            map.insert(Sku::new(sku).map_err(PosError::from)?, quantity);
        }
        let op = convert::operator(operator)?;
        let mut reg = self.sdk()?;
        let location = reg.config().location.clone();
        let made = reg
            .count_stock(&location, &map, &op)
            .map_err(PosError::from)?;
        Ok(u32::try_from(made.len())
            .map_err(|_| PosError::invalid("count", "fewer adjustments"))?)
    }
}
