//! pos-fiscal: the French NF525 fiscal journal of a till.
//!
//! Every finalised document becomes a signed record in its own gapless,
//! hash-chained series (T tickets, I invoices, C duplicates, Z closures,
//! E technical events or JET, X training, B provisional bills, A archives).
//! Running totals move in the same SQLite transaction as each ticket;
//! closures (day, month, year) seal them; archives export a period as one
//! open-format file; the verifier recomputes every chain and signature from
//! a SQLite file, an archive file, or any ordered list of records.
//!
//! The pure parts ([`canon`], [`record`], [`verify`], [`closure`], [`fec`],
//! [`ticket`]) do no I/O and read no clock: time comes in as a [`Stamp`].
//! Storage lives in [`store`] and takes the caller's transaction so the
//! facade commits ticket, record and totals together.
//!
//! ```
//! use pos_fiscal::{SoftwareSigner, Signer, store, Stamp};
//! let conn = rusqlite::Connection::open_in_memory()?;
//! store::migrate(&conn)?;
//! let signer = SoftwareSigner::from_secret(&[42u8; 32])?;
//! let now = Stamp::new(chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap(), 60).unwrap();
//! let tx = conn.unchecked_transaction()?;
//! store::init(&tx, &signer, "R1", now)?;
//! tx.commit()?;
//! let report = store::verify_store(&conn, &store::VerifyOptions::default())?;
//! assert!(report.is_intact());
//! # Ok::<(), pos_fiscal::FiscalError>(())
//! ```
//!
//! Design decisions (signed string, head, archive format, FEC encoding) are
//! written down in `pos-fiscal/docs/`.

pub mod archive;
pub mod canon;
pub mod closure;
pub mod error;
pub mod fec;
pub mod head;
pub mod jet;
pub mod model;
pub mod payload;
pub mod record;
pub mod signer;
mod signer_fast;
pub mod store;
pub mod ticket;
pub mod verify;

pub use error::{FiscalError, Result};
pub use model::{DocRef, Series, Stamp};
pub use signer::{PublicKey, RawSignature, Signer, SignerError, SoftwareSigner};
