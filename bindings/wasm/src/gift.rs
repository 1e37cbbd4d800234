//! Gift receipts ("ticket cadeau"): a sale's items without any price, with
//! the code `GIFT-<ticket id>` as text and QR; each print is a signed JET
//! 340 in the till file, never a duplicate.

use crate::register::Register;
use crate::{PosError, convert};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const GIFT_TS: &str = r#"
/** A printed gift receipt: its bytes, the gift code printed (`GIFT-<ticket id>`) and the JET record of the print (`E12`). */
export interface GiftReceipt { bytes: Uint8Array; code: string; event: string; }
"#;

#[wasm_bindgen]
impl Register {
    /// Prints the gift receipt of sale `ticketId`: every line, or only
    /// `lines` (numbered from 1). A ticket that is not a sale, or a line
    /// that is 0, past the end or repeated, is refused (`invalid_input`)
    /// and nothing is recorded. Returns `{bytes, code, event}`.
    #[wasm_bindgen(js_name = giftReceipt, unchecked_return_type = "GiftReceipt")]
    pub fn gift_receipt(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
        lines: Option<Vec<u32>>,
        #[wasm_bindgen(unchecked_param_type = "ReceiptFormat")] format: JsValue,
        operator: &str,
    ) -> Result<JsValue, JsValue> {
        let f = crate::fiscal::format(&format)?;
        let op = convert::operator(operator)?;
        let printed = self
            .sdk()?
            .gift_receipt(ticket_id, lines.as_deref(), f, &op)
            .map_err(PosError::from)?;
        let out = js_sys::Object::new();
        for (name, value) in [
            (
                "bytes",
                js_sys::Uint8Array::from(printed.bytes.as_slice()).into(),
            ),
            ("code", JsValue::from(printed.code.as_str())),
            ("event", JsValue::from(printed.event.as_str())),
        ] {
            // Setting a property on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&out, &name.into(), &value);
        }
        Ok(out.into())
    }
}

/// The ticket id a gift code (`GIFT-<uuid>`, as typed or scanned) names;
/// anything else is refused with code `invalid_id`.
#[wasm_bindgen(js_name = giftCodeTicketId)]
pub fn gift_code_ticket_id(code: &str) -> Result<String, JsValue> {
    let code = pos_core::gift_code::GiftCode::parse(code).map_err(PosError::from)?;
    Ok(code.ticket_id().to_owned())
}
