//! Payment terminals (TPE): one trait, three protocol adapters, their
//! simulators, and the recovery rules that keep a till from charging twice.
//!
//! - [`PaymentTerminal`]: sale, refund, reversal, status query.
//! - [`recovery`]: `Unknown` outcomes resolved by status query or operator.
//! - [`concert`]: Concert V2 over a serial line (codec, client, simulator).
//! - [`caisse_ap`]: Caisse-AP over IP, tag-length-value messages.
//! - [`nexo`]: the Adyen Terminal API in local mode, encrypted nexo JSON.
//!
//! Card numbers never leave an adapter unmasked: see [`MaskedPan`].

pub mod caisse_ap;
pub mod card;
pub mod concert;
pub mod nexo;
pub mod recovery;
pub mod terminal;
pub mod types;

pub use card::MaskedPan;
pub use recovery::{OperatorVerdict, RecoveryPolicy, Settled, pay_once, recover};
pub use terminal::PaymentTerminal;
pub use types::{
    Approval, Capabilities, DeclineReason, Outcome, PaymentKind, PaymentRequest, StatusAnswer,
    TransactionId, UnknownStage,
};
