//! The few error kinds the bindings expose, and the one place every Rust
//! error is mapped to them. Messages carry no personal or card data.

use pos_sdk::SdkError;

/// Why a call failed: one actionable kind, a stable snake_case `code` and a
/// message for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum PosError {
    /// The sale or operation was refused: bad input or a business rule
    /// (unknown barcode, unpaid cart, missing permission...).
    #[error("cart error ({code}): {detail}")]
    Cart {
        /// Stable snake_case reason.
        code: String,
        /// Human-readable detail.
        detail: String,
    },
    /// The fiscal journal refused or failed (NF525 chain, signature, closure).
    #[error("fiscal error ({code}): {detail}")]
    Fiscal {
        /// Stable snake_case reason.
        code: String,
        /// Human-readable detail.
        detail: String,
    },
    /// A peripheral, receipt or barcode problem.
    #[error("device error ({code}): {detail}")]
    Device {
        /// Stable snake_case reason.
        code: String,
        /// Human-readable detail.
        detail: String,
    },
    /// Synchronisation failed (the transport or the server's answer).
    #[error("sync error ({code}): {detail}")]
    Sync {
        /// Stable snake_case reason.
        code: String,
        /// Human-readable detail.
        detail: String,
    },
    /// The till file failed or does not match (storage, corrupt, not found).
    #[error("store error ({code}): {detail}")]
    Store {
        /// Stable snake_case reason.
        code: String,
        /// Human-readable detail.
        detail: String,
    },
    /// A bug stopped the call (a Rust panic or a failing app callback); the
    /// call was abandoned and its transaction rolled back.
    #[error("internal error ({code}): {detail}")]
    Internal {
        /// Stable snake_case reason.
        code: String,
        /// Human-readable detail.
        detail: String,
    },
}

impl PosError {
    /// A cart-kind error for an argument that does not parse.
    pub(crate) fn invalid(field: &str, expected: &str) -> PosError {
        PosError::Cart {
            code: "invalid_input".to_owned(),
            detail: format!("invalid {field}: expected {expected}"),
        }
    }

    /// The stable snake_case code of any kind.
    pub fn code(&self) -> &str {
        match self {
            PosError::Cart { code, .. }
            | PosError::Fiscal { code, .. }
            | PosError::Device { code, .. }
            | PosError::Sync { code, .. }
            | PosError::Store { code, .. }
            | PosError::Internal { code, .. } => code,
        }
    }
}

impl From<SdkError> for PosError {
    fn from(e: SdkError) -> PosError {
        let code = e.kind().to_owned();
        let detail = e.to_string();
        match e {
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
            | SdkError::Unsupported { .. } => PosError::Cart { code, detail },
            SdkError::Fiscal(_)
            | SdkError::DayClosed { .. }
            | SdkError::ClockImplausible { .. } => PosError::Fiscal { code, detail },
            SdkError::Device(_) => PosError::Device { code, detail },
            _ => PosError::Store { code, detail },
        }
    }
}

impl From<Box<pos_sdk::SaleRefused>> for PosError {
    fn from(refused: Box<pos_sdk::SaleRefused>) -> PosError {
        PosError::from(refused.error)
    }
}

impl From<pos_core::CoreError> for PosError {
    fn from(e: pos_core::CoreError) -> PosError {
        PosError::from(SdkError::from(e))
    }
}

impl From<pos_hw::HwError> for PosError {
    fn from(e: pos_hw::HwError) -> PosError {
        PosError::Device {
            code: e.code().to_owned(),
            detail: e.to_string(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PosError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> PosError {
        PosError::Internal {
            code: "callback_failed".to_owned(),
            detail: format!("an app callback failed unexpectedly: {}", e.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_message() {
        let cases = [
            (
                PosError::from(pos_core::CoreError::EmptyTicket),
                "cart error (empty_ticket): the ticket has no line",
            ),
            (
                PosError::from(SdkError::Corrupt { what: "ticket" }),
                "store error (corrupt): stored ticket is corrupt",
            ),
            (
                PosError::from(SdkError::NotFound {
                    what: "ticket",
                    id: "t-1".to_owned(),
                }),
                "store error (not_found): no ticket `t-1`",
            ),
            (
                PosError::from(SdkError::Precondition {
                    what: "a catalog import",
                }),
                "cart error (precondition): a catalog import is required first",
            ),
            (
                PosError::invalid("amount", "a decimal such as 12.50"),
                "cart error (invalid_input): invalid amount: expected a decimal such as 12.50",
            ),
            (
                PosError::Sync {
                    code: "transport".to_owned(),
                    detail: "the server did not answer".to_owned(),
                },
                "sync error (transport): the server did not answer",
            ),
            (
                PosError::from(pos_core::CoreError::InsufficientPoints {
                    balance: 16,
                    requested: 500,
                }),
                "cart error (insufficient_points): insufficient points: balance 16, requested 500",
            ),
            (
                PosError::from(pos_core::CoreError::InsufficientBalance {
                    available: "10.00".to_owned(),
                    requested: "12.00".to_owned(),
                }),
                "cart error (insufficient_balance): insufficient balance: 10.00 available, 12.00 requested",
            ),
            (
                PosError::from(pos_core::CoreError::CustomerErased),
                "cart error (customer_erased): the customer was erased",
            ),
            (
                PosError::from(SdkError::Precondition {
                    what: "an open cash session",
                }),
                "cart error (precondition): an open cash session is required first",
            ),
            (
                PosError::from(SdkError::CartCompleted {
                    ticket: "T3".to_owned(),
                }),
                "cart error (cart_completed): this cart was already completed as ticket T3: start a new cart",
            ),
            (
                PosError::from(SdkError::SessionClosed),
                "cart error (session_closed): no cash session is open: open one before selling",
            ),
            (
                PosError::from(SdkError::DayClosed {
                    day: chrono::NaiveDate::from_ymd_opt(2026, 3, 14).unwrap_or_default(),
                }),
                "fiscal error (day_closed): the fiscal day 2026-03-14 is closed: no sale can be recorded until the next day",
            ),
            (
                PosError::from(pos_core::CoreError::IdempotencyConflict {
                    id: "pay-in-1".to_owned(),
                }),
                "cart error (idempotency_conflict): operation id `pay-in-1` was already used for a different operation",
            ),
            (
                PosError::from(uniffi::UnexpectedUniFFICallbackError {
                    reason: "boom".to_owned(),
                }),
                "internal error (callback_failed): an app callback failed unexpectedly: boom",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn fiscal_and_device_errors_keep_their_kind() {
        let fiscal = PosError::from(SdkError::Fiscal(pos_fiscal::FiscalError::Signer(
            pos_fiscal::SignerError::Unavailable,
        )));
        assert!(matches!(fiscal, PosError::Fiscal { .. }), "{fiscal:?}");
        assert_eq!(fiscal.code(), "signer");
        let device = PosError::from(pos_hw::printer::PrinterProfile::by_id("tm-t20").unwrap_err());
        assert!(matches!(device, PosError::Device { .. }), "{device:?}");
        assert_eq!(device.code(), "unknown_printer_profile");
        assert!(device.to_string().contains("`tm-t20`"), "{device}");
    }
}
