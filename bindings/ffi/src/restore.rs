//! Restoring a till whose disk died from its sync server (see
//! `pos_sdk::restore`), through the app's HTTP stack.

use crate::PosError;
use crate::callbacks::{Clock, ClockAdapter, Signer, SignerAdapter};
use crate::guard::guard;
use crate::register::Register;
use crate::sync::{SyncTransport, TransportAdapter};
use crate::types::RegisterConfig;
use pos_sdk::{IdGenerator, SystemClock};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What the lost tablet may have recorded that never reached the server:
/// everything after these (logged as JET 90 in the restored journal).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestoreGap {
    /// The last number of each series (`T`, `E`, `Z`...) the server held.
    pub server_last: HashMap<String, u64>,
    /// The last outbox event the server acknowledged.
    pub acked_seq: u64,
    /// The lost tablet's last push, epoch milliseconds.
    pub last_push_millis: Option<i64>,
}

/// A restored till and what the restore did.
#[derive(Debug, uniffi::Record)]
pub struct RestoredTill {
    /// The till, open on the new file.
    pub register: Arc<Register>,
    /// The server's id of the device (`store/register`).
    pub device: String,
    /// Fiscal records downloaded, verified and written.
    pub records: u64,
    /// Store changes pulled.
    pub pulled: u64,
    /// The E number of the JET 310 that hands the chain to the new key.
    pub takeover: Option<u64>,
    /// What was lost with the tablet.
    pub gap: RestoreGap,
}

/// Rebuilds the till of `config` (the lost till's store and register) into
/// the new file `path` from the sync server reached by `transport`,
/// authorised by a single-use enrolment `code` naming that till. `signer`:
/// the new tablet's keystore key (None: a new software key kept beside the
/// file). Nothing is written when the server's copy does not verify.
#[uniffi::export]
pub fn restore_register(
    path: String,
    config: RegisterConfig,
    code: String,
    transport: Arc<dyn SyncTransport>,
    clock: Option<Arc<dyn Clock>>,
    signer: Option<Arc<dyn Signer>>,
    id_seed: Option<u64>,
) -> Result<RestoredTill, PosError> {
    guard(|| {
        let config = config.to_sdk()?;
        let clock: Arc<dyn pos_sdk::Clock> = match clock {
            Some(c) => Arc::new(ClockAdapter(c)),
            None => Arc::new(SystemClock),
        };
        let ids = id_seed.map_or_else(IdGenerator::from_entropy, IdGenerator::seeded);
        let mut http = TransportAdapter(transport);
        let path = Path::new(&path);
        let (inner, r) = match signer {
            Some(s) => pos_sdk::restore::restore(
                path,
                config,
                clock,
                ids,
                Box::new(SignerAdapter::new(s)),
                &mut http,
                &code,
            )?,
            None => {
                pos_sdk::restore::restore_with_key_file(path, config, clock, ids, &mut http, &code)?
            }
        };
        Ok(RestoredTill {
            register: Arc::new(Register {
                inner: Mutex::new(inner),
            }),
            device: r.device,
            records: r.records,
            pulled: r.pulled,
            takeover: r.takeover,
            gap: RestoreGap {
                server_last: r
                    .gap
                    .server_last
                    .iter()
                    .map(|(s, n)| (s.code().to_owned(), *n))
                    .collect(),
                acked_seq: r.gap.acked_seq,
                last_push_millis: r.gap.last_push.map(|t| t.timestamp_millis()),
            },
        })
    })
}
