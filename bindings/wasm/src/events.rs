//! What the till tells the app as it happens: the listener object given to
//! `setListener` hears committed sales, sync status, offline / online and
//! printer status (pos-sdk's `RegisterListener`).
//!
//! Events are delivered in order, each in a microtask after the call that
//! made it returned (never while the register is borrowed): a callback may
//! call back into the register, and whatever it does (throw, reject)
//! cannot undo or break a sale; a failure is logged (`pos_wasm::listener`)
//! and dropped.

use crate::register::Register;
use crate::{PosError, convert};
use serde::Serialize;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};

#[wasm_bindgen(typescript_custom_section)]
const EVENTS_TS: &str = r#"
/** A sale, refund or exchange just committed (no customer data). */
export interface SaleCommittedEvent {
  ticketId: string;
  /** `T`, or `X` in training mode. */
  series: string;
  number: number;
  /** Tax included, decimal string (negative for a refund). */
  total: string;
  /** ISO 4217 code. */
  currency: string;
  atMillis: number;
  /** The sync outbox sequence of its event (null in training mode). */
  outboxSeq: number | null;
}
/** The till's sync status after a round (well or not). */
export interface SyncStatusEvent {
  pending: number;
  oldestPendingMillis: number | null;
  lastSuccessMillis: number | null;
  offlineSinceMillis: number | null;
  /** Pulled changes set aside as invalid, ever. */
  skippedChanges: number;
}
/** A receipt printer's status. */
export type PrinterStatus = "ready" | "paper_near_end" | "paper_out" | "cover_open" | "offline" | "error";
/**
 * What `Register.setListener` calls; every callback is optional. Each is
 * called in a microtask after the call that made the event returned, in
 * order; one that throws (or returns a rejected promise) is logged and
 * ignored.
 */
export interface RegisterListener {
  /** A sale, refund or exchange was committed. */
  saleCommitted?: (sale: SaleCommittedEvent) => unknown;
  /** A sync round ended (well or not). */
  syncStatusChanged?: (status: SyncStatusEvent) => unknown;
  /** The till went offline (`false`, JET 70) or back online (`true`, JET 120). */
  connectivityChanged?: (online: boolean) => unknown;
  /** The receipt printer's status changed (`reportPrinterStatus`). */
  printerStatusChanged?: (status: PrinterStatus) => unknown;
}
"#;

/// A committed sale as the listener hears it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SaleView {
    ticket_id: String,
    series: String,
    number: u64,
    total: String,
    currency: String,
    at_millis: i64,
    outbox_seq: Option<u64>,
}

/// The sync status as the listener hears it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusView {
    pending: u64,
    oldest_pending_millis: Option<i64>,
    last_success_millis: Option<i64>,
    offline_since_millis: Option<i64>,
    skipped_changes: u64,
}

thread_local! {
    /// The JS listeners of the registers, by id (wasm has one thread: the
    /// facade's listener, which must be `Send + Sync`, holds only the id).
    static LISTENERS: RefCell<Vec<(u64, js_sys::Object)>> = const { RefCell::new(Vec::new()) };
}

/// The next listener id.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The facade's listener: hands each event to the JS listener `id` in a
/// microtask of its own.
#[derive(Debug)]
struct Queue {
    id: u64,
}

impl Queue {
    fn start(listener: js_sys::Object) -> Queue {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        LISTENERS.with(|l| l.borrow_mut().push((id, listener)));
        Queue { id }
    }

    /// Queues `callback(arg)` on the listener, if it has that callback;
    /// `arg` is made only then.
    fn push(&self, callback: &'static str, arg: impl FnOnce() -> Result<JsValue, PosError>) {
        let listener = LISTENERS.with(|l| {
            l.borrow()
                .iter()
                .find(|(id, _)| *id == self.id)
                .map(|(_, o)| o.clone())
        });
        let Some(listener) = listener else {
            return;
        };
        let Some(function) = js_sys::Reflect::get(&listener, &callback.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        else {
            return;
        };
        let arg = match arg() {
            Ok(arg) => arg,
            Err(e) => {
                tracing::warn!(
                    target: "pos_wasm::listener",
                    event = callback,
                    code = %e.code,
                    "an event could not be converted for the app's listener"
                );
                return;
            }
        };
        spawn_local(async move {
            let failed = match function.call1(&listener, &arg) {
                Err(_) => true,
                Ok(out) => match out.dyn_into::<js_sys::Promise>() {
                    Ok(promise) => JsFuture::from(promise).await.is_err(),
                    Err(_) => false,
                },
            };
            if failed {
                tracing::warn!(
                    target: "pos_wasm::listener",
                    event = callback,
                    "the app's listener failed; the till carried on"
                );
            }
        });
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // The listener replaced or the register freed. Already-queued
        // events keep their own reference to it and are still delivered.
        let id = self.id;
        let _ = LISTENERS.try_with(|l| {
            if let Ok(mut l) = l.try_borrow_mut() {
                l.retain(|(other, _)| *other != id);
            }
        });
    }
}

impl pos_sdk::events::RegisterListener for Queue {
    fn sale_committed(&self, sale: &pos_sdk::CompletedSale) {
        self.push("saleCommitted", || {
            let total = sale.ticket.total();
            convert::to_js(&SaleView {
                ticket_id: sale.ticket.id().to_owned(),
                series: sale.series.code().to_owned(),
                number: sale.number,
                total: total.format_plain(),
                currency: total.currency().code().to_owned(),
                at_millis: sale.ticket.at().timestamp_millis(),
                outbox_seq: sale.outbox_seq,
            })
        });
    }

    fn sync_status_changed(&self, s: &pos_sdk::sync::SyncStatus) {
        self.push("syncStatusChanged", || {
            convert::to_js(&StatusView {
                pending: s.pending,
                oldest_pending_millis: s.oldest_pending.map(|t| t.timestamp_millis()),
                last_success_millis: s.last_success.map(|t| t.timestamp_millis()),
                offline_since_millis: s.offline_since.map(|t| t.timestamp_millis()),
                skipped_changes: s.skipped,
            })
        });
    }

    fn connectivity_changed(&self, online: bool) {
        self.push("connectivityChanged", || Ok(JsValue::from_bool(online)));
    }

    fn printer_status_changed(&self, status: pos_sdk::events::PrinterStatus) {
        self.push("printerStatusChanged", || {
            Ok(JsValue::from_str(status.code()))
        });
    }
}

/// A printer status from its code.
fn printer_status(code: &str) -> Result<pos_sdk::events::PrinterStatus, PosError> {
    use pos_sdk::events::PrinterStatus as S;
    [
        S::Ready,
        S::PaperNearEnd,
        S::PaperOut,
        S::CoverOpen,
        S::Offline,
        S::Error,
    ]
    .into_iter()
    .find(|s| s.code() == code)
    .ok_or_else(|| {
        PosError::invalid(
            "printer status",
            "ready, paper_near_end, paper_out, cover_open, offline or error",
        )
    })
}

#[wasm_bindgen]
impl Register {
    /// Sets the object whose callbacks hear what this till does
    /// (`saleCommitted`, `syncStatusChanged`, `connectivityChanged`,
    /// `printerStatusChanged`, each optional); `null` or `undefined`
    /// removes it. Each event is delivered in a microtask after the call
    /// that made it returned, in order; a callback that throws or rejects
    /// is logged and ignored, and the sale it heard of stands.
    #[wasm_bindgen(js_name = setListener)]
    pub fn set_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RegisterListener | null | undefined")]
        listener: JsValue,
    ) -> Result<(), JsValue> {
        let queue = if listener.is_undefined() || listener.is_null() {
            None
        } else {
            let object = listener.dyn_into::<js_sys::Object>().map_err(|_| {
                PosError::invalid(
                    "listener",
                    "an object with saleCommitted, syncStatusChanged... callbacks",
                )
            })?;
            Some(Arc::new(Queue::start(object)) as Arc<dyn pos_sdk::events::RegisterListener>)
        };
        self.sdk()?.set_listener(queue);
        Ok(())
    }

    /// Reports the receipt printer's status as the app's printer driver
    /// read it (`PrinterStatus`: `ready`, `paper_near_end`, `paper_out`,
    /// `cover_open`, `offline`, `error`); the listener hears it and it is
    /// logged when it changed.
    #[wasm_bindgen(js_name = reportPrinterStatus)]
    pub fn report_printer_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PrinterStatus")] status: JsValue,
    ) -> Result<(), JsValue> {
        let code = convert::text("printer status", "a PrinterStatus string", &status)?;
        let status = printer_status(&code)?;
        self.sdk()?.report_printer_status(status);
        Ok(())
    }

    /// The last printer status reported (`undefined` before any).
    #[wasm_bindgen(js_name = printerStatus, unchecked_return_type = "PrinterStatus | undefined")]
    pub fn printer_status(&self) -> Result<JsValue, JsValue> {
        Ok(self
            .sdk()?
            .printer_status()
            .map_or(JsValue::UNDEFINED, |s| JsValue::from_str(s.code())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn printer_status_codes_round_trip() {
        for code in [
            "ready",
            "paper_near_end",
            "paper_out",
            "cover_open",
            "offline",
            "error",
        ] {
            assert_eq!(printer_status(code).map(|s| s.code()), Ok(code));
        }
        assert_eq!(
            printer_status("jammed").map_err(|e| e.code),
            Err("invalid_input".to_owned())
        );
    }
}
