//! Caisse-AP over IP, the tag-length-value successor of Concert.
//!
//! What is implemented, from the public descriptions of the protocol (the
//! Association du Paiement's Caisse-AP / Concert V3 family) — the full
//! specification is not public, so this is the common subset:
//! - transport: one TCP connection per request, ASCII TLVs back to back, no
//!   other framing; the answer is complete when its TLVs parse whole and hold
//!   the status tag `AE`;
//! - request tags: `CZ` version `0300`, `CJ` 12-character cash-register
//!   protocol id, `CA` till number (2 digits), `CB` amount in minor units,
//!   `CD` action (`0` debit, `1` credit, `2` cancellation), `CE` ISO 4217
//!   numeric currency, `CF` private data (our transaction id), `BA` answer
//!   mode `0` (at the end of the transaction);
//! - answer tags: the request's tags echoed, `AE` status (`10` done, `01` not
//!   done), `AF` failure detail (`04`/`05` refused, `11` abandon), `AA`
//!   masked card number, `AB` expiry, `AC` authorisation number, `CC`
//!   payment mode, `CG` contract.
//!
//! Assumed, not verified against a terminal: cancellation as `CD=2` with the
//! original amount; no status query (an `Unknown` goes to the operator).
//!
//! - [`tlv`]: the codec (pure, total).
//! - [`client`]: the till side over [`client::Connect`] (TCP by default).
//! - [`simulator`]: a terminal with a ledger and faults.

pub mod client;
pub mod simulator;
pub mod tlv;

pub use client::{Action, CaisseApClient, CaisseApConfig, Connect, TcpConnect};
pub use simulator::{CaisseApEntry, CaisseApFault, CaisseApSimulator};
pub use tlv::{Tag, TlvMessage};
