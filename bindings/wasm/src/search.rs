//! Customer search at the till: by name, phone, e-mail or loyalty card, in
//! the till's own cache (offline; every store's customers reach it through
//! the sync feed). Products are searched by `searchProducts`.

use crate::register::Register;
use crate::{PosError, convert};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** A customer found by `findCustomers` (personal data only while it is held). */
export interface CustomerHit { id: string; givenName: string | null; familyName: string | null; email: string | null; phone: string | null; }
"#;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerHit {
    id: String,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[wasm_bindgen]
impl Register {
    /// Customers of the till's cache matching `query` (a name, phone as
    /// typed, e-mail or loyalty card code), sorted by id, at most 50; no
    /// network. Erased customers are never found. A blank or over-long
    /// query is CartError `invalid_text`.
    #[wasm_bindgen(js_name = findCustomers, unchecked_return_type = "CustomerHit[]")]
    pub fn find_customers(&self, query: &str) -> Result<JsValue, JsValue> {
        let found = self.sdk()?.find_customers(query).map_err(PosError::from)?;
        let hits: Vec<CustomerHit> = found
            .iter()
            .map(|c| {
                let p = c.personal();
                CustomerHit {
                    id: c.id().to_string(),
                    given_name: p.and_then(|p| p.given_name.clone()),
                    family_name: p.and_then(|p| p.family_name.clone()),
                    email: p.and_then(|p| p.email.clone()),
                    phone: p.and_then(|p| p.phone.clone()),
                }
            })
            .collect();
        Ok(convert::to_js(&hits)?)
    }
}
