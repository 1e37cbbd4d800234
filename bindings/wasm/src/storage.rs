//! The storage headroom a host reports to its till (`setStorageHeadroom`):
//! in a browser, `quota - usage` from `navigator.storage.estimate()` before
//! each sale. Under `storageReserveBytes()`, `startPayment` and
//! `completeSale` throw a `StoreError` with code `storage_full` and record
//! nothing; SQLite finding OPFS full (the quota reached mid-write) is the
//! same `storage_full`, the sale rolled back.

use crate::PosError;
use crate::register::Register;
use wasm_bindgen::prelude::*;

/// Bytes as JS gives them: `undefined`/`null` (unknown) or a whole number
/// from 0 to 2^53; anything else (a string, a fraction) is `invalid_input`.
fn bytes(value: &JsValue) -> Result<Option<u64>, PosError> {
    const EXPECTED: &str = "a whole number of bytes, 0 or more";
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let Some(n) = value.as_f64() else {
        return Err(PosError::wrong_type(
            "storage headroom",
            EXPECTED,
            &value.js_typeof().as_string().unwrap_or_default(),
        ));
    };
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_992.0 {
        // Checked above: a whole number inside u64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Some(n as u64))
    } else {
        Err(PosError::invalid("storage headroom", EXPECTED))
    }
}

#[wasm_bindgen]
impl Register {
    /// Records the space left for the till's files, in bytes (`quota -
    /// usage` of `navigator.storage.estimate()`); `undefined`: unknown,
    /// nothing refused for it. Holds until the next call: refresh it before
    /// each sale. Throws `CartError` `invalid_input` for a negative,
    /// fractional or non-finite number, or what is not a number.
    #[wasm_bindgen(js_name = setStorageHeadroom)]
    pub fn set_storage_headroom(
        &self,
        #[wasm_bindgen(js_name = bytesLeft, unchecked_param_type = "number | undefined")]
        bytes_left: JsValue,
    ) -> Result<(), JsValue> {
        let left = bytes(&bytes_left)?;
        self.sdk()?.set_storage_headroom(left);
        Ok(())
    }

    /// The space left for the till's files as last set, or `undefined`.
    #[wasm_bindgen(js_name = storageHeadroom)]
    pub fn storage_headroom(&self) -> Result<Option<f64>, JsValue> {
        Ok(self.sdk()?.storage_headroom().map(crate::convert::number))
    }
}

/// The headroom a sale needs, in bytes: under it, sales are refused
/// (`storage_full`) before any payment.
#[wasm_bindgen(js_name = storageReserveBytes)]
pub fn storage_reserve_bytes() -> f64 {
    crate::convert::number(pos_sdk::STORAGE_RESERVE_BYTES)
}
