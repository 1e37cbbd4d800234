//! Refunds and exchanges anywhere in the retailer: an original found by
//! reference (`REGISTER/T42`, `STORE/REGISTER/T42`, a ticket id or receipt
//! link) through the sync server when the app's HTTP function reaches it,
//! else from the till's own knowledge; a refund or exchange cart of it
//! limited by what is left; the server reservation of what the cart takes
//! back; the retailer's offline policy. The cart is then paid and
//! completed with `completeSale` (its `ticketId` the reservation's key).

use crate::cart::Cart;
use crate::error::ErrorKind;
use crate::refund::{actor, selection};
use crate::register::Register;
use crate::sync::JsTransport;
use crate::{PosError, convert};
use pos_sdk::refund_anywhere::{FoundOriginal as SdkFound, RefundAnywhereError};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** One line of an original ticket and what is left to give back of it (decimals as strings). */
export interface OriginalLine { line: number; sku: string; label: string; quantity: string; amount: string; refundable: string; }
/** What the server holds for a refund or exchange until it completes. */
export interface RefundReservation { reservation: string; ticketId: string; lines: RefundLine[]; expiresAtMillis: number; }
"#;

/// A sync-side failure with the server's own code (`insufficient_stock`,
/// not `server`), and the till's own refusals under their kind.
pub(crate) fn sync_refusal(e: pos_sync::SyncError) -> PosError {
    match e {
        pos_sync::SyncError::Server { status, code } => PosError {
            kind: ErrorKind::Sync,
            detail: format!("the server refused the request (HTTP {status}, {code})"),
            code,
        },
        pos_sync::SyncError::Till { source } => match source.downcast::<pos_sdk::SdkError>() {
            Ok(e) => PosError::from(*e),
            Err(other) => PosError::from(pos_sync::SyncError::Till { source: other }),
        },
        e => PosError::from(e),
    }
}

impl From<RefundAnywhereError> for PosError {
    fn from(e: RefundAnywhereError) -> PosError {
        let code = e.code().to_owned();
        match e {
            RefundAnywhereError::Till(pos_sdk::SdkError::Settings(s)) => PosError {
                kind: ErrorKind::Cart,
                code: s.kind().to_owned(),
                detail: s.to_string(),
            },
            RefundAnywhereError::Till(e) => PosError::from(e),
            RefundAnywhereError::Sync(e) => sync_refusal(e),
            other => PosError {
                kind: ErrorKind::Cart,
                code,
                detail: other.to_string(),
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OriginalLine {
    line: u32,
    sku: String,
    label: String,
    quantity: String,
    amount: String,
    refundable: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineQuantity {
    line: u32,
    quantity: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReservationView {
    reservation: String,
    ticket_id: String,
    lines: Vec<LineQuantity>,
    expires_at_millis: i64,
}

/// An original ticket found by reference, on this till or another.
#[wasm_bindgen]
#[derive(Debug)]
pub struct FoundOriginal {
    inner: SdkFound,
}

#[wasm_bindgen]
impl FoundOriginal {
    /// The original's ticket id.
    #[wasm_bindgen(getter, js_name = ticketId)]
    pub fn ticket_id(&self) -> String {
        self.inner.ticket.id().to_owned()
    }

    /// Its store.
    #[wasm_bindgen(getter)]
    pub fn store(&self) -> String {
        self.inner.store.clone()
    }

    /// Its register.
    #[wasm_bindgen(getter)]
    pub fn register(&self) -> String {
        self.inner.register.clone()
    }

    /// Its number as printed (`T42`).
    #[wasm_bindgen(getter)]
    pub fn number(&self) -> String {
        format!("{}{}", self.inner.series.code(), self.inner.number)
    }

    /// Found by a gift-receipt code: refunded as store credit only.
    #[wasm_bindgen(getter)]
    pub fn gift(&self) -> bool {
        self.inner.gift
    }

    /// Counted by the server (every till's refunds), not only by this till.
    #[wasm_bindgen(getter)]
    pub fn verified(&self) -> bool {
        self.inner.verified
    }

    /// Its lines with what is left of each:
    /// `{line, sku, label, quantity, amount, refundable}[]`.
    #[wasm_bindgen(unchecked_return_type = "OriginalLine[]")]
    pub fn lines(&self) -> Result<JsValue, JsValue> {
        let lines: Vec<OriginalLine> = self
            .inner
            .ticket
            .lines()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let line = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
                let left = self.inner.refundable.get(&line).copied();
                OriginalLine {
                    line,
                    sku: l.sku.to_string(),
                    label: l.label.clone(),
                    quantity: l.quantity.normalize().to_string(),
                    amount: l.amount.format_plain(),
                    refundable: left.unwrap_or_default().normalize().to_string(),
                }
            })
            .collect();
        Ok(convert::to_js(&lines)?)
    }
}

fn lines_of(value: &JsValue, field: &str) -> Result<Vec<pos_sdk::RefundLine>, PosError> {
    if !js_sys::Array::is_array(value) {
        return Err(PosError::invalid(field, "an array of { line, quantity }"));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|l| selection(&l))
        .collect()
}

#[wasm_bindgen]
impl Register {
    /// The original named by `reference`: through the sync server when
    /// `http` reaches it (any till of the retailer; the till must be
    /// enrolled), else from this till's own tickets and the originals it
    /// looked up before (`verified` false).
    #[wasm_bindgen(js_name = findOriginal)]
    pub fn find_original(
        &self,
        reference: &str,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp | null")] http: Option<js_sys::Function>,
    ) -> Result<FoundOriginal, JsValue> {
        let mut transport = http.as_ref().map(JsTransport);
        let found = self
            .sdk()?
            .find_original(
                reference,
                transport
                    .as_mut()
                    .map(|t| t as &mut dyn pos_sync::transport::Transport),
            )
            .map_err(PosError::from)?;
        Ok(FoundOriginal { inner: found })
    }

    /// A refund cart of `found`: `lines` (`{line, quantity}`, from 1), or
    /// everything left when `null`, limited by what `found` says is left
    /// (`refund_exceeds_remaining`). Needs the `return` permission.
    #[wasm_bindgen(js_name = refundCartFrom)]
    pub fn refund_cart_from(
        &self,
        found: &FoundOriginal,
        #[wasm_bindgen(unchecked_param_type = "RefundLine[] | null")] lines: JsValue,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<Cart, JsValue> {
        let lines = if lines.is_null() || lines.is_undefined() {
            None
        } else {
            Some(lines_of(&lines, "lines")?)
        };
        let actor = actor(operator, manager)?;
        let cart = self
            .sdk()?
            .refund_cart_from(&found.inner, lines.as_deref(), &actor)
            .map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }

    /// An exchange cart giving back `returns` of `found`, limited by what
    /// it says is left; the new items are then scanned into it.
    #[wasm_bindgen(js_name = exchangeCartFrom)]
    pub fn exchange_cart_from(
        &self,
        found: &FoundOriginal,
        #[wasm_bindgen(unchecked_param_type = "RefundLine[]")] returns: JsValue,
        operator: &str,
        manager: Option<bool>,
    ) -> Result<Cart, JsValue> {
        let returns = lines_of(&returns, "returns")?;
        let actor = actor(operator, manager)?;
        let cart = self
            .sdk()?
            .exchange_cart_from(&found.inner, &returns, &actor)
            .map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }

    /// Reserves on the server what `cart` takes back of `found` (a
    /// `verified` original) under `key`: the refund's idempotency key, given
    /// again as `completeSale`'s `ticketId`. Another till that took the
    /// same line first makes it `refund_exceeds_remaining`.
    #[wasm_bindgen(js_name = reserveRefund, unchecked_return_type = "RefundReservation")]
    pub fn reserve_refund(
        &self,
        found: &FoundOriginal,
        cart: &Cart,
        key: &str,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let mut transport = JsTransport(&http);
        let mut reg = self.sdk()?;
        let cart = cart.borrow_open()?;
        let r = reg
            .reserve_refund(&found.inner, &cart, key, &mut transport)
            .map_err(PosError::from)?;
        Ok(convert::to_js(&ReservationView {
            reservation: r.reservation,
            ticket_id: r.ticket_id,
            lines: r
                .lines
                .iter()
                .map(|l| LineQuantity {
                    line: l.line,
                    quantity: l.quantity.normalize().to_string(),
                })
                .collect(),
            expires_at_millis: r.expires_at_ms,
        })?)
    }

    /// The retailer's offline refund policy: `refuse` or `manager_approval`.
    #[wasm_bindgen(js_name = offlineRefundPolicy)]
    pub fn offline_refund_policy(&self) -> Result<String, JsValue> {
        Ok(self.sdk()?.offline_refund_policy().code().to_owned())
    }

    /// Sets the offline refund policy (`refuse` or `manager_approval`), a
    /// signed JET 270 by `operator`.
    #[wasm_bindgen(js_name = setOfflineRefundPolicy)]
    pub fn set_offline_refund_policy(&self, policy: &str, operator: &str) -> Result<(), JsValue> {
        let op = convert::operator(operator)?;
        self.sdk()?
            .set_offline_refund_policy(policy, &op)
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Applies the offline policy to a refund of `found` the server could
    /// not check: CartError `offline_refund_refused` under `refuse`, or
    /// without a manager under `manager_approval`; allowed, the refund is
    /// then recorded as without verified original.
    #[wasm_bindgen(js_name = checkOfflineRefund)]
    pub fn check_offline_refund(
        &self,
        found: &FoundOriginal,
        approver: &str,
        #[wasm_bindgen(js_name = approverIsManager)] approver_is_manager: Option<bool>,
    ) -> Result<(), JsValue> {
        let approver = actor(approver, approver_is_manager)?;
        self.sdk()?
            .check_offline_refund(&found.inner, &approver)
            .map_err(PosError::from)?;
        Ok(())
    }
}
