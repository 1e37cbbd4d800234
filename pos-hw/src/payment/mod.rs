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
//!
//! ```
//! use pos_core::{Currency, Money};
//! use pos_hw::payment::nexo::{
//!     AdyenLocalClient, AdyenSimulator, NexoConfig, NexoFault, NexoSimConfig, OsNonces,
//!     SecurityKey, SystemTime,
//! };
//! use pos_hw::payment::{PaymentKind, PaymentRequest, RecoveryPolicy, Settled, TransactionId, pay_once};
//!
//! let key = SecurityKey::new("shared passphrase", "KeyId", 1, 1);
//! let terminal = AdyenSimulator::new(NexoSimConfig {
//!     key: key.clone(), decline_from: None, partial_cap: None, tip: None,
//! });
//! let config = NexoConfig { sale_id: "TILL-01".into(), poi_id: "V400m-1".into(), key };
//! let mut tpe = AdyenLocalClient::new(terminal, config, Box::new(OsNonces), Box::new(SystemTime));
//!
//! // The terminal charges the card but its answer is lost on the way back.
//! tpe.transport_mut().inject(NexoFault::DropAnswer);
//! let request = PaymentRequest::new(
//!     TransactionId::new("0192f3a4-5b6c-7d8e")?,
//!     PaymentKind::Sale,
//!     Money::from_minor_units(1250, Currency::EUR),
//! )?;
//! // pay_once asks the terminal about the same id instead of charging again.
//! let settled = pay_once(&mut tpe, &request, RecoveryPolicy::default())?;
//! assert!(matches!(settled, Settled::Approved(_)));
//! assert_eq!(tpe.transport().charges(), 1);
//! # Ok::<(), pos_hw::HwError>(())
//! ```

pub mod caisse_ap;
pub mod card;
pub mod concert;
pub mod nexo;
pub mod recovery;
mod reference;
pub mod terminal;
pub mod types;

pub use card::MaskedPan;
pub use recovery::{OperatorVerdict, RecoveryPolicy, Settled, pay_once, recover};
pub use terminal::PaymentTerminal;
pub use types::{
    Approval, Capabilities, DeclineReason, Outcome, PaymentKind, PaymentRequest, StatusAnswer,
    TransactionId, UnknownStage,
};
