//! Customers beyond the loyalty card: the RGPD export and erasure, and the
//! price check of a code (what `scan` would add, without a cart).

use crate::register::Register;
use crate::{PosError, convert};
use pos_core::cart::ItemQuantity;
use pos_core::ids::CustomerId;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// An item as the catalog sells it now.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemView {
    sku: String,
    label: String,
    unit_price: String,
    vat_rate: String,
    unit: String,
    categories: Vec<String>,
    meal_voucher_eligible: bool,
    carried: String,
}

#[wasm_bindgen]
impl Register {
    /// Everything held on the customer (RGPD article 15) as a JSON
    /// document: profile, consents, purchases, loyalty account.
    #[wasm_bindgen(js_name = exportCustomer)]
    pub fn export_customer(&self, customer: &str) -> Result<String, JsValue> {
        let id = CustomerId::new(customer).map_err(PosError::from)?;
        let doc = self.sdk()?.export_customer(&id).map_err(PosError::from)?;
        Ok(convert::json(&doc)?)
    }

    /// Erases the customer's personal data (RGPD article 17); the
    /// pseudonymous id stays so tickets and the journal stay whole. Returns
    /// false when they were already erased.
    #[wasm_bindgen(js_name = eraseCustomer)]
    pub fn erase_customer(&self, customer: &str, operator: &str) -> Result<bool, JsValue> {
        let id = CustomerId::new(customer).map_err(PosError::from)?;
        let op = convert::operator(operator)?;
        Ok(self
            .sdk()?
            .erase_customer(&id, &op)
            .map_err(PosError::from)?)
    }

    /// Looks a scanned or typed code up as `scan` would, without a cart (a
    /// price check): `{sku, label, unitPrice, vatRate, unit, categories,
    /// mealVoucherEligible, carried}`; `carried` is what the code itself
    /// holds: `quantity:<n>`, `weight:<kg>` or `price:<decimal>`.
    #[wasm_bindgen(unchecked_return_type = "CatalogItem")]
    pub fn lookup(&self, code: &str) -> Result<JsValue, JsValue> {
        let reg = self.sdk()?;
        let ctx = reg.price_context(None);
        let (item, quantity) = reg.resolve_code(code, &ctx).map_err(PosError::from)?;
        let carried = match quantity {
            ItemQuantity::Quantity(q) => format!("quantity:{}", q.normalize()),
            ItemQuantity::Weight(kg) => format!("weight:{}", kg.normalize()),
            ItemQuantity::LabelPrice(m) => format!("price:{}", m.format_plain()),
        };
        Ok(convert::to_js(&ItemView {
            sku: item.sku.to_string(),
            label: item.label,
            unit_price: item.unit_price.format_plain(),
            vat_rate: item.vat_rate.percent_string(),
            unit: crate::cash::snake_name(&item.unit),
            categories: item.categories.iter().map(ToString::to_string).collect(),
            meal_voucher_eligible: item.meal_voucher_eligible,
            carried,
        })?)
    }
}
