//! Chain queries through the sync server (the app's HTTP function, the
//! till's enrolment): customers of every store, a customer's tickets
//! everywhere, an item's stock in every store, a transfer between stores
//! and a click & collect order in another store.

use crate::anywhere::sync_refusal;
use crate::register::Register;
use crate::sync::JsTransport;
use crate::{PosError, convert};
use pos_core::ids::{CustomerId, LocationId, Sku, StoreId};
use pos_sdk::chain;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** A customer of any store of the retailer, with their points over all stores. */
export interface ChainCustomer { customer: CustomerHit; points: number; }
/** One line of a ticket in a customer's history (decimals as strings). */
export interface HistoryLine { label: string; quantity: string; amount: string; }
/** One ticket of a customer, in any store of the retailer. */
export interface HistoryTicket { store: string; register: string; number: string; ticketId: string; at: string; total: string; lines: HistoryLine[]; }
/** An item's stock at one location of one store (decimals as strings). */
export interface StoreStock { store: string; location: string; onHand: string; reserved: string; available: string; }
/** What a transfer or an order started elsewhere became on the server (`created`/`exists`, or the order's state). */
export interface ChainDocument { id: string; store: string; state: string; }
/** An item and a quantity (decimal string) of an order. */
export interface SkuQuantity { sku: string; quantity: string; }
"#;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerView {
    id: String,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Serialize)]
struct ChainCustomer {
    customer: CustomerView,
    points: f64,
}

#[derive(Debug, Serialize)]
struct HistoryLine {
    label: String,
    quantity: String,
    amount: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryTicket {
    store: String,
    register: String,
    number: String,
    ticket_id: String,
    at: String,
    total: String,
    lines: Vec<HistoryLine>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreStock {
    store: String,
    location: String,
    on_hand: String,
    reserved: String,
    available: String,
}

#[derive(Debug, Serialize)]
struct ChainDocument {
    id: String,
    store: String,
    state: String,
}

fn d(v: rust_decimal::Decimal) -> String {
    v.normalize().to_string()
}

/// `{sku, quantity}` of an order.
fn sku_quantity(value: &JsValue) -> Result<(Sku, rust_decimal::Decimal), PosError> {
    let bad = || PosError::invalid("order line", "{ sku: string, quantity: string }");
    if !value.is_object() {
        return Err(bad());
    }
    let get = |name: &str| js_sys::Reflect::get(value, &name.into()).map_err(|_| bad());
    let sku = get("sku")?.as_string().ok_or_else(bad)?;
    let quantity = convert::amount("quantity", &get("quantity")?)?;
    Ok((Sku::new(sku).map_err(PosError::from)?, quantity))
}

#[wasm_bindgen]
impl Register {
    /// Customers of every store of the retailer matching `query`, with
    /// their points over all stores; kept in the till's cache for
    /// `findCustomers` offline. A bad query is refused before sending.
    #[wasm_bindgen(js_name = searchCustomersOnline, unchecked_return_type = "ChainCustomer[]")]
    pub fn search_customers_online(
        &self,
        query: &str,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let found = chain::search_customers(&*self.sdk()?, &mut JsTransport(&http), query)
            .map_err(sync_refusal)?;
        let out: Vec<ChainCustomer> = found
            .iter()
            .map(|f| {
                let p = f.customer.personal();
                ChainCustomer {
                    customer: CustomerView {
                        id: f.customer.id().to_string(),
                        given_name: p.and_then(|p| p.given_name.clone()),
                        family_name: p.and_then(|p| p.family_name.clone()),
                        email: p.and_then(|p| p.email.clone()),
                        phone: p.and_then(|p| p.phone.clone()),
                    },
                    // Points are counts far below 2^53.
                    #[allow(clippy::cast_precision_loss)]
                    points: f.points as f64,
                }
            })
            .collect();
        Ok(convert::to_js(&out)?)
    }

    /// A customer's tickets in every store of the retailer, newest first.
    #[wasm_bindgen(js_name = customerHistory, unchecked_return_type = "HistoryTicket[]")]
    pub fn customer_history(
        &self,
        customer: &str,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let id = CustomerId::new(customer).map_err(PosError::from)?;
        let tickets = chain::customer_history(&*self.sdk()?, &mut JsTransport(&http), &id)
            .map_err(sync_refusal)?;
        let out: Vec<HistoryTicket> = tickets
            .into_iter()
            .map(|t| HistoryTicket {
                store: t.store.to_string(),
                register: t.register,
                number: t.number,
                ticket_id: t.ticket_id,
                at: t.at,
                total: d(t.total),
                lines: t
                    .lines
                    .into_iter()
                    .map(|l| HistoryLine {
                        label: l.label,
                        quantity: d(l.quantity),
                        amount: d(l.amount),
                    })
                    .collect(),
            })
            .collect();
        Ok(convert::to_js(&out)?)
    }

    /// The stock of `sku` at every location of every store of the retailer.
    #[wasm_bindgen(js_name = stockInStores, unchecked_return_type = "StoreStock[]")]
    pub fn stock_in_stores(
        &self,
        sku: &str,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let sku = Sku::new(sku).map_err(PosError::from)?;
        let levels = chain::stock_in_stores(&*self.sdk()?, &mut JsTransport(&http), &sku)
            .map_err(sync_refusal)?;
        let out: Vec<StoreStock> = levels
            .into_iter()
            .map(|l| StoreStock {
                store: l.store.to_string(),
                location: l.location,
                on_hand: d(l.on_hand),
                reserved: d(l.reserved),
                available: d(l.available),
            })
            .collect();
        Ok(convert::to_js(&out)?)
    }

    /// Moves `quantity` (decimal string) of `sku` from a location of one
    /// store to a location of another (both legs at once on the server).
    #[wasm_bindgen(js_name = startTransfer, unchecked_return_type = "ChainDocument")]
    #[allow(clippy::too_many_arguments)]
    pub fn start_transfer(
        &self,
        sku: &str,
        #[wasm_bindgen(js_name = fromStore)] from_store: &str,
        #[wasm_bindgen(js_name = fromLocation)] from_location: &str,
        #[wasm_bindgen(js_name = toStore)] to_store: &str,
        #[wasm_bindgen(js_name = toLocation)] to_location: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] quantity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let sku = Sku::new(sku).map_err(PosError::from)?;
        let place = |store: &str, location: &str| -> Result<chain::Place, PosError> {
            Ok(chain::Place {
                store: StoreId::new(store).map_err(PosError::from)?,
                location: LocationId::new(location).map_err(PosError::from)?,
            })
        };
        let (from, to) = (
            place(from_store, from_location)?,
            place(to_store, to_location)?,
        );
        let quantity = convert::amount("quantity", &quantity)?;
        let r = chain::start_transfer(
            &*self.sdk()?,
            &mut JsTransport(&http),
            &sku,
            &from,
            &to,
            quantity,
        )
        .map_err(sync_refusal)?;
        Ok(convert::to_js(&ChainDocument {
            id: r.id,
            store: to_store.to_owned(),
            state: if r.created { "created" } else { "exists" }.to_owned(),
        })?)
    }

    /// A click & collect order in `store` of the retailer, its stock
    /// reserved at `location` there at once (`insufficient_stock` when the
    /// store has not enough); `pickupAtMillis`: when it is collected.
    #[wasm_bindgen(js_name = orderInStore, unchecked_return_type = "ChainDocument")]
    pub fn order_in_store(
        &self,
        store: &str,
        location: &str,
        #[wasm_bindgen(unchecked_param_type = "SkuQuantity[]")] lines: JsValue,
        #[wasm_bindgen(js_name = pickupAtMillis)] pickup_at_millis: Option<f64>,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let store = StoreId::new(store).map_err(PosError::from)?;
        let location = LocationId::new(location).map_err(PosError::from)?;
        if !js_sys::Array::is_array(&lines) {
            return Err(PosError::invalid("lines", "an array of { sku, quantity }").into());
        }
        let lines = js_sys::Array::from(&lines)
            .iter()
            .map(|l| sku_quantity(&l))
            .collect::<Result<Vec<_>, PosError>>()?;
        let pickup = pickup_at_millis
            .map(|ms| {
                // A whole number of milliseconds inside i64 (checked).
                #[allow(clippy::cast_possible_truncation)]
                let whole =
                    (ms.is_finite() && ms.fract() == 0.0 && ms.abs() < 9.0e15).then_some(ms as i64);
                whole
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .ok_or_else(|| PosError::invalid("pickupAtMillis", "epoch milliseconds"))
            })
            .transpose()?;
        let r = chain::order_in_store(
            &*self.sdk()?,
            &mut JsTransport(&http),
            &store,
            &location,
            &lines,
            pickup,
        )
        .map_err(sync_refusal)?;
        Ok(convert::to_js(&ChainDocument {
            id: r.id,
            store: r.store.to_string(),
            state: r.state,
        })?)
    }
}
