//! A completed sale: the immutable ticket and its fiscal stamp.

use pos_sdk::CompletedSale as SdkSale;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The plain-object view of a sale (`toJSON`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SaleView {
    ticket_id: String,
    number: u64,
    series: String,
    total: String,
    change: String,
    at_millis: i64,
    signature_extract: String,
}

/// What completing a sale produced.
#[wasm_bindgen]
#[derive(Debug)]
pub struct CompletedSale {
    inner: SdkSale,
}

impl CompletedSale {
    pub(crate) fn wrap(sale: SdkSale) -> CompletedSale {
        CompletedSale { inner: sale }
    }

    pub(crate) fn inner(&self) -> &SdkSale {
        &self.inner
    }
}

#[wasm_bindgen]
impl CompletedSale {
    /// The ticket's UUID v7.
    #[wasm_bindgen(getter, js_name = ticketId)]
    pub fn ticket_id(&self) -> String {
        self.inner.ticket.id().to_owned()
    }

    /// Its fiscal number in its series.
    #[wasm_bindgen(getter)]
    pub fn number(&self) -> f64 {
        crate::convert::number(self.inner.number)
    }

    /// Its series (`T`, or `X` in training mode).
    #[wasm_bindgen(getter)]
    pub fn series(&self) -> String {
        self.inner.series.code().to_owned()
    }

    /// The total, tax included (decimal string).
    #[wasm_bindgen(getter)]
    pub fn total(&self) -> String {
        self.inner.ticket.total().format_plain()
    }

    /// The change given back (decimal string).
    #[wasm_bindgen(getter)]
    pub fn change(&self) -> String {
        self.inner.ticket.change().format_plain()
    }

    /// When it was completed, epoch milliseconds.
    #[wasm_bindgen(getter, js_name = atMillis)]
    pub fn at_millis(&self) -> f64 {
        // Epoch milliseconds of a real instant fit a double exactly.
        #[allow(clippy::cast_precision_loss)]
        let ms = self.inner.ticket.at().timestamp_millis() as f64;
        ms
    }

    /// The 4-character signature extract printed on the receipt.
    #[wasm_bindgen(getter, js_name = signatureExtract)]
    pub fn signature_extract(&self) -> String {
        self.inner.fiscal.extract.clone()
    }

    /// The fiscal record's hash (hex).
    #[wasm_bindgen(getter, js_name = recordHash)]
    pub fn record_hash(&self) -> String {
        self.inner.fiscal.hash.clone()
    }

    /// Whether it is a refund ticket (its total is negative).
    #[wasm_bindgen(getter, js_name = isRefund)]
    pub fn is_refund(&self) -> bool {
        self.inner.ticket.total().is_negative()
    }

    /// The sale's facts as a plain object (what `JSON.stringify` writes):
    /// `{ticketId, number, series, total, change, atMillis, signatureExtract}`.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "SaleSummary")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        Ok(crate::convert::to_js(&SaleView {
            ticket_id: self.ticket_id(),
            number: self.inner.number,
            series: self.series(),
            total: self.total(),
            change: self.change(),
            at_millis: self.inner.ticket.at().timestamp_millis(),
            signature_extract: self.signature_extract(),
        })?)
    }

    /// The ticket as JSON (the document the sync and archives carry).
    #[wasm_bindgen(js_name = ticketJson)]
    pub fn ticket_json(&self) -> Result<String, JsValue> {
        Ok(crate::convert::json(&self.inner.ticket)?)
    }
}
