//! The few error kinds JS sees, and the one place every Rust error is mapped
//! to them. A JS `Error` gets the kind as its `name` (`CartError`...) and the
//! facade's error kind as its `code`. Messages carry no personal or card data.
//!
//! The npm package's entry points register the `PosError` class family
//! (`setErrorFactory`) when they load: every error thrown is then an
//! instance of `PosError` (and of `CartError`, `FiscalError`...). Without
//! it (the bare wasm-bindgen module) it is a plain `Error` with the same
//! `name`, `code` and message.

use pos_sdk::SdkError;
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

thread_local! {
    /// `(message, code, name) => Error`, set by the package's entry point.
    static FACTORY: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Registers the function that makes the JS error objects (the package's
/// entry points pass their `PosError` family). Not for apps.
#[wasm_bindgen(js_name = setErrorFactory, skip_typescript)]
pub fn set_error_factory(factory: js_sys::Function) {
    FACTORY.with(|f| *f.borrow_mut() = Some(factory));
}

/// The family of an error, as the JS `Error.name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input, a cart rule, a tender rule: fix the input and retry.
    Cart,
    /// The fiscal journal refused or failed.
    Fiscal,
    /// A peripheral or a barcode.
    Device,
    /// Syncing with the server.
    Sync,
    /// The till's database.
    Store,
}

impl ErrorKind {
    /// The JS class name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Cart => "CartError",
            ErrorKind::Fiscal => "FiscalError",
            ErrorKind::Device => "DeviceError",
            ErrorKind::Sync => "SyncError",
            ErrorKind::Store => "StoreError",
        }
    }
}

/// An error on its way to JS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct PosError {
    /// Its family.
    pub kind: ErrorKind,
    /// A stable machine code (`empty_ticket`, `invalid_input`...).
    pub code: String,
    /// A human-readable message.
    pub detail: String,
}

impl PosError {
    /// Bad input from JS: `field` was not `expected`.
    pub(crate) fn invalid(field: &str, expected: &str) -> PosError {
        PosError {
            kind: ErrorKind::Cart,
            code: "invalid_input".to_owned(),
            detail: format!("invalid {field}: expected {expected}"),
        }
    }

    /// A JS value of the wrong type where `field` must be `expected`
    /// (a number where a decimal string is due...).
    pub(crate) fn wrong_type(field: &str, expected: &str, got: &str) -> PosError {
        PosError {
            kind: ErrorKind::Cart,
            code: "invalid_input".to_owned(),
            detail: format!("invalid {field}: expected {expected}, got {got}"),
        }
    }

    /// A failure of the store (IndexedDB bytes, SQLite).
    pub(crate) fn store(code: &str, detail: String) -> PosError {
        PosError {
            kind: ErrorKind::Store,
            code: code.to_owned(),
            detail,
        }
    }
}

impl From<SdkError> for PosError {
    fn from(e: SdkError) -> PosError {
        let code = e.kind().to_owned();
        let detail = e.to_string();
        let kind = match e {
            SdkError::Core(_)
            | SdkError::InvalidInput { .. }
            | SdkError::Precondition { .. }
            | SdkError::OfflineCapReached { .. }
            | SdkError::AlreadyOpen { .. }
            | SdkError::CartCompleted { .. }
            | SdkError::SessionClosed
            | SdkError::PermissionRequired { .. }
            | SdkError::Operator(_)
            | SdkError::UnknownRefundLine { .. }
            | SdkError::Unsupported { .. } => ErrorKind::Cart,
            SdkError::Fiscal(_)
            | SdkError::DayClosed { .. }
            | SdkError::ClockImplausible { .. } => ErrorKind::Fiscal,
            SdkError::Device(_) => ErrorKind::Device,
            _ => ErrorKind::Store,
        };
        PosError { kind, code, detail }
    }
}

impl From<pos_core::CoreError> for PosError {
    fn from(e: pos_core::CoreError) -> PosError {
        PosError::from(SdkError::from(e))
    }
}

impl From<pos_hw::HwError> for PosError {
    fn from(e: pos_hw::HwError) -> PosError {
        PosError {
            kind: ErrorKind::Device,
            code: e.code().to_owned(),
            detail: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for PosError {
    fn from(e: rusqlite::Error) -> PosError {
        PosError::from(SdkError::from(e))
    }
}

impl From<pos_sync::SyncError> for PosError {
    fn from(e: pos_sync::SyncError) -> PosError {
        PosError {
            kind: ErrorKind::Sync,
            code: e.code().to_owned(),
            detail: e.to_string(),
        }
    }
}

impl From<PosError> for JsValue {
    fn from(e: PosError) -> JsValue {
        let made = FACTORY.with(|f| {
            f.borrow().as_ref().and_then(|factory| {
                factory
                    .call3(
                        &JsValue::NULL,
                        &e.detail.as_str().into(),
                        &e.code.as_str().into(),
                        &e.kind.name().into(),
                    )
                    .ok()
            })
        });
        if let Some(error) = made {
            return error;
        }
        let error = js_sys::Error::new(&e.detail);
        error.set_name(e.kind.name());
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code.as_str().into());
        error.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn each_kind_has_its_name_code_and_message() {
        let cases = [
            (
                PosError::from(pos_core::CoreError::EmptyTicket),
                "CartError",
                "empty_ticket",
                "the ticket has no line",
            ),
            (
                PosError::from(SdkError::Corrupt { what: "ticket" }),
                "StoreError",
                "corrupt",
                "stored ticket is corrupt",
            ),
            (
                PosError::invalid("amount", "a decimal such as 12.50"),
                "CartError",
                "invalid_input",
                "invalid amount: expected a decimal such as 12.50",
            ),
            (
                PosError::wrong_type("amount", "a decimal string", "number"),
                "CartError",
                "invalid_input",
                "invalid amount: expected a decimal string, got number",
            ),
            (
                PosError::from(pos_hw::HwError::BarcodeEmpty),
                "DeviceError",
                "device",
                "",
            ),
        ];
        for (error, name, code, message) in cases {
            assert_eq!(error.kind.name(), name);
            assert_eq!(error.code, code);
            if !message.is_empty() {
                assert_eq!(error.to_string(), message);
            }
        }
    }
}
