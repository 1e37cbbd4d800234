//! Sync without blocking: `syncAsync` returns a Promise and awaits the
//! app's async HTTP function (`fetch`, see the package's `fetchTransport`)
//! for each request of pos-sdk's async round. The till is borrowed only for
//! the synchronous steps between requests, never while one is out: the
//! till sells while the round waits for the server.

use crate::register::Register;
use crate::sync::{RoundView, not_enrolled, request_args, response_of, sync_in_progress};
use crate::{PosError, convert};
use pos_sdk::Register as SdkRegister;
use pos_sdk::sync::SharedRegister;
use pos_sync::transport::{HttpRequest, HttpResponse};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

#[wasm_bindgen(typescript_custom_section)]
const ASYNC_SYNC_TS: &str = r#"
/** The server's answer to one sync request. */
export interface SyncHttpResponse { status: number; body: Uint8Array | ArrayBuffer; }
/**
 * The async sync transport `syncAsync` awaits for each request (the
 * package's `fetchTransport(baseUrl)` makes one over `fetch`). Throwing or
 * rejecting means the server was unreachable (the outcome is unknown;
 * sending again is safe).
 */
export type AsyncSyncHttp = (method: string, path: string, headers: [string, string][], body: Uint8Array) => Promise<SyncHttpResponse> | SyncHttpResponse;
"#;

/// The register as the async round sees it: lent for one step at a time.
struct Shared(Rc<RefCell<SdkRegister>>);

impl SharedRegister for Shared {
    fn with_register<O>(&self, f: impl FnOnce(&mut SdkRegister) -> O) -> O {
        // Cannot be borrowed already: every other borrow of the register
        // lasts one synchronous exported call, and the round's future is
        // polled only from the microtask queue, which JS runs when no
        // exported call is on the stack (a listener is called from a
        // microtask too; a logger that calls back into the register meets
        // its own borrow and gets `busy`, it never holds one).
        f(&mut self.0.borrow_mut())
    }
}

/// Marks the till's round as running, and as ended when dropped (the
/// round finished, failed or was abandoned).
struct Running(Rc<Cell<bool>>);

impl Running {
    fn claim(flag: Rc<Cell<bool>>) -> Result<Running, PosError> {
        if flag.replace(true) {
            return Err(sync_in_progress());
        }
        Ok(Running(flag))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Sends `req` through the app's async function and awaits its answer.
async fn send(http: js_sys::Function, req: HttpRequest) -> pos_sync::Result<HttpResponse> {
    let unreachable = |kind: &'static str| pos_sync::SyncError::Transport { kind };
    // A function that throws, returns a rejected promise or a plain
    // `{status, body}` is accepted alike.
    let out = http
        .apply(&JsValue::NULL, &request_args(&req))
        .map_err(|_| unreachable("unreachable"))?;
    let answer = JsFuture::from(js_sys::Promise::resolve(&out))
        .await
        .map_err(|_| unreachable("unreachable"))?;
    response_of(&answer)
}

/// One round, from the till's state before it to the report.
async fn round(
    register: Rc<RefCell<SdkRegister>>,
    running: Rc<Cell<bool>>,
    http: js_sys::Function,
) -> Result<JsValue, PosError> {
    let _running = Running::claim(running)?;
    let shared = Shared(register);
    let (client, before) = shared.with_register(|reg| {
        let client = pos_sdk::sync::client(reg)?.ok_or_else(not_enrolled)?;
        let before = pos_sdk::sync::status(reg)?.pending;
        Ok::<_, PosError>((client, before))
    })?;
    let report =
        pos_sdk::sync::sync_register_async(&shared, &client, |req| send(http.clone(), req)).await?;
    let after = shared.with_register(pos_sdk::sync::status)?;
    convert::to_js(&RoundView::new(report, before, &after))
}

/// An enrolment, the register lent to build the request and keep the
/// answer only.
async fn enrolment(
    register: Rc<RefCell<SdkRegister>>,
    running: Rc<Cell<bool>>,
    http: js_sys::Function,
    code: String,
) -> Result<JsValue, PosError> {
    let _running = Running::claim(running)?;
    pos_sdk::sync::enroll_async(&Shared(register), |req| send(http, req), &code, None).await?;
    Ok(JsValue::UNDEFINED)
}

#[wasm_bindgen]
impl Register {
    /// `enroll` as a Promise: the enrolment request goes through the
    /// app's async `http` (e.g. `fetchTransport(baseUrl)`) while the till
    /// stays usable. The code is single-use: after a transport failure the
    /// till is not enrolled and the owner may need to issue a new code. Not
    /// while a sync round runs (`sync_in_progress`).
    #[wasm_bindgen(js_name = enrollAsync, unchecked_return_type = "Promise<void>")]
    pub fn enroll_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AsyncSyncHttp")] http: js_sys::Function,
        code: String,
    ) -> js_sys::Promise {
        let (register, running) = self.shared();
        future_to_promise(async move {
            enrolment(register, running, http, code)
                .await
                .map_err(JsValue::from)
        })
    }

    /// One sync round like `sync`, as a Promise of its `SyncReport`:
    /// `http(method, path, headers, body)` returns a Promise of `{status,
    /// body}` (`fetchTransport(baseUrl)` makes one with `fetch`) and is
    /// awaited for each request. The till stays usable meanwhile (sales,
    /// reports...): it is borrowed only between requests. An unreachable
    /// server (the function throws or rejects) opens an offline period
    /// (JET 70) and rejects with `SyncError` `transport`, as `sync` throws;
    /// the next success closes it (JET 120). One round at a time: a second
    /// `syncAsync` (or `sync`) while one runs rejects with `SyncError`
    /// `sync_in_progress` and sends nothing.
    #[wasm_bindgen(js_name = syncAsync, unchecked_return_type = "Promise<SyncReport>")]
    pub fn sync_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AsyncSyncHttp")] http: js_sys::Function,
    ) -> js_sys::Promise {
        let (register, running) = self.shared();
        future_to_promise(
            async move { round(register, running, http).await.map_err(JsValue::from) },
        )
    }
}
