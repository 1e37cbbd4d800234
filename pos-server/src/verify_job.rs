//! Journal verification as a background job: each till's accepted fiscal
//! chain is re-verified with pos-fiscal's verifier off the request path,
//! and the verdict is cached per till in the server database.
//!
//! - Incremental: a [`Verdict`] remembers the position of the last
//!   verified record and, per series, its number, hash and signature. The
//!   chain rules only need the previous record, so a run starts from
//!   there (as verifier [`Anchor`]s) and reads only the records accepted
//!   since, in chunks of [`CHUNK`], saving the verdict after each chunk (an
//!   interrupted run resumes where it stopped).
//! - Off the writer: records are read through [`Storage::journal_reader`],
//!   read-only connections of the worker's own (a SQLite file in WAL mode
//!   lets readers run beside the writer; PostgreSQL gets a connection of
//!   its own). Only the device row at the start and the verdict after each
//!   chunk go through [`Storage::transact`]: short transactions.
//! - Deduplicated: [`VerifyJobs::request`] queues a till once; asking
//!   again while it is queued or running does nothing. Progress (records
//!   done / to do) is readable while it runs ([`VerifyJobs::progress`]).
//!
//! Keys: the till's enrolment key and the keys of key changes (JET 310)
//! the server accepted at push time are trusted for every chunk; a key
//! change inside a chunk is also followed by the verifier itself.

use crate::error::{Result, SyncError};
use crate::handler::Server;
use crate::store::{JournalReader, Storage};
use chrono::{DateTime, Utc};
use pos_fiscal::record::StoredRecord;
use pos_fiscal::verify::{Anchor, VerifyContext, verify_records};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Records read and verified per step.
pub const CHUNK: u32 = 2_000;
/// Defect descriptions kept in a verdict (all are counted).
pub const MAX_DEFECTS: usize = 100;

/// The last verified record of a series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VerifiedHead {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: String,
    /// Its signature (base64url), as the next record's signed string
    /// chains it.
    pub signature: String,
}

/// A till's cached verification verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    /// The till.
    pub device: String,
    /// Storage position of the last verified record (0: none yet).
    pub position: i64,
    /// Records verified.
    pub records: u64,
    /// Last verified record per series (series code).
    pub heads: BTreeMap<String, VerifiedHead>,
    /// Defects found (kind and place, no data), the first [`MAX_DEFECTS`].
    pub defects: Vec<String>,
    /// Defects found in all.
    pub defect_count: u64,
    /// When the last verified chunk was saved.
    pub verified_at: Option<DateTime<Utc>>,
}

impl Verdict {
    /// Nothing verified yet.
    pub fn new(device: &str) -> Verdict {
        Verdict {
            device: device.to_owned(),
            position: 0,
            records: 0,
            heads: BTreeMap::new(),
            defects: Vec::new(),
            defect_count: 0,
            verified_at: None,
        }
    }

    /// Whether every record verified so far passed.
    pub fn is_intact(&self) -> bool {
        self.defect_count == 0
    }

    /// `T42, Z3`: where the verification got to per series.
    pub fn reached(&self) -> Vec<String> {
        self.heads
            .iter()
            .map(|(s, h)| format!("{s}{}", h.number))
            .collect()
    }

    fn add_defect(&mut self, d: String) {
        self.defect_count = self.defect_count.saturating_add(1);
        if self.defects.len() < MAX_DEFECTS {
            self.defects.push(d);
        }
    }

    /// The verdict as stored (JSON).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|_| {
            SyncError::Corrupt {
                what: "journal verdict",
            }
            .into()
        })
    }

    /// A stored verdict.
    pub fn from_json(s: &str) -> Result<Verdict> {
        serde_json::from_str(s).map_err(|_| {
            SyncError::Corrupt {
                what: "journal verdict",
            }
            .into()
        })
    }
}

/// A queued or running verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Started (false: waiting for a worker).
    pub running: bool,
    /// Records verified in this run.
    pub done: u64,
    /// Records this run has to verify (those accepted after the cached
    /// verdict when it started).
    pub total: u64,
}

/// Verifies what a till accepted since its cached verdict, chunk by chunk,
/// saving the verdict after each; `step(done, total)` reports progress and
/// returns false to stop early (the saved verdict stays valid).
pub fn verify_device<S: Storage>(
    server: &Server<S>,
    reader: &mut dyn JournalReader,
    device: &str,
    step: &dyn Fn(u64, u64) -> bool,
    now: &dyn Fn() -> DateTime<Utc>,
) -> Result<Verdict> {
    let (dev, keys, prior) = server.with_tx(|tx| {
        Ok((
            tx.device(device)?
                .ok_or(SyncError::NotFound { what: "device" })?,
            tx.device_keys(device)?,
            tx.journal_verdict(device)?,
        ))
    })?;
    let mut v = prior.unwrap_or_else(|| Verdict::new(device));
    let parse = |hex_key: &str| {
        hex::decode(hex_key)
            .ok()
            .and_then(|b| pos_fiscal::PublicKey::from_sec1(&b).ok())
    };
    let enrolment_key = parse(&dev.public_key);
    let mut trusted: Vec<pos_fiscal::PublicKey> = enrolment_key.iter().cloned().collect();
    trusted.extend(keys.iter().filter_map(|k| parse(&k.public_key)));
    let total = reader.count_after(device, v.position)?;
    let mut done = 0u64;
    let first_run = v.verified_at.is_none();
    while step(done, total) {
        let chunk = reader.records_after(device, v.position, CHUNK)?;
        let Some(&(last, _)) = chunk.last() else {
            break;
        };
        let records: Vec<StoredRecord> = chunk.into_iter().map(|(_, r)| r).collect();
        if enrolment_key.is_none() && v.records == 0 {
            v.add_defect("device key unreadable".to_owned());
        }
        let ctx = VerifyContext {
            source: "back office".into(),
            keys: trusted.clone(),
            anchors: anchors(&v, dev.genesis.as_ref())?,
            head: None,
            known_head: None,
        };
        for d in verify_records(&records, &ctx).defects {
            v.add_defect(format!(
                "{:?} {}{}",
                d.kind,
                d.series.map(|s| s.code()).unwrap_or("-"),
                d.number.map(|n| n.to_string()).unwrap_or_default()
            ));
        }
        for r in &records {
            let code = r.series.code();
            if v.heads.get(code).is_none_or(|h| r.number > h.number) {
                v.heads.insert(
                    code.to_owned(),
                    VerifiedHead {
                        number: r.number,
                        hash: r.hash.clone(),
                        signature: r.signature_b64().unwrap_or_default(),
                    },
                );
            }
        }
        let n = u64::try_from(records.len()).unwrap_or(u64::MAX);
        v.position = last;
        v.records = v.records.saturating_add(n);
        v.verified_at = Some(now());
        done = done.saturating_add(n);
        server.with_tx(|tx| tx.put_journal_verdict(&v))?;
    }
    if first_run && v.verified_at.is_none() {
        // An empty journal: remember that it was looked at.
        v.verified_at = Some(now());
        server.with_tx(|tx| tx.put_journal_verdict(&v))?;
    }
    Ok(v)
}

/// Where each series' chain continues: after the last verified record, or
/// from the genesis value of the till's journal.
fn anchors(
    v: &Verdict,
    genesis: Option<&(String, String, String)>,
) -> Result<BTreeMap<pos_fiscal::Series, Anchor>> {
    let mut out = BTreeMap::new();
    for s in pos_fiscal::Series::ALL {
        if let Some(h) = v.heads.get(s.code()) {
            out.insert(
                s,
                Anchor {
                    first: h.number.saturating_add(1),
                    prev_hash: h.hash.clone(),
                    prev_signature: Some(h.signature.clone()),
                },
            );
        } else if let Some((reg, key_id, ts)) = genesis {
            out.insert(
                s,
                Anchor {
                    first: 1,
                    prev_hash: pos_fiscal::record::genesis_hash(reg, key_id, ts, s)?,
                    prev_signature: None,
                },
            );
        }
    }
    Ok(out)
}

#[derive(Debug, Default)]
struct Queue {
    waiting: VecDeque<String>,
    /// Queued and running tills.
    progress: BTreeMap<String, Progress>,
    /// The last failure per till (cleared by a run that succeeds).
    failed: BTreeMap<String, String>,
    stop: bool,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A worker panicking mid-update leaves plain data; keep going.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The verification workers of a server: a queue of tills, deduplicated,
/// served by a few threads. Stopped (after the current chunk) when dropped.
#[derive(Debug)]
pub struct VerifyJobs {
    shared: Arc<Shared>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl VerifyJobs {
    /// Starts `workers` threads (at least one) verifying for `server`.
    pub fn start<S: Storage>(server: Server<S>, workers: usize) -> VerifyJobs {
        let shared = Arc::new(Shared::default());
        let workers = (0..workers.max(1))
            .map(|_| {
                let (server, shared) = (server.clone(), Arc::clone(&shared));
                std::thread::spawn(move || work(&server, &shared))
            })
            .collect();
        VerifyJobs { shared, workers }
    }

    /// Asks for a till's verification; false if it is already queued or
    /// running (the request is then part of that run).
    pub fn request(&self, device: &str) -> bool {
        let mut q = self.shared.lock();
        if q.stop || q.progress.contains_key(device) {
            return false;
        }
        q.progress.insert(
            device.to_owned(),
            Progress {
                running: false,
                done: 0,
                total: 0,
            },
        );
        q.waiting.push_back(device.to_owned());
        self.shared.wake.notify_all();
        true
    }

    /// The till's queued or running verification.
    pub fn progress(&self, device: &str) -> Option<Progress> {
        self.shared.lock().progress.get(device).copied()
    }

    /// Why the till's last run failed (a storage error), if it did.
    pub fn failure(&self, device: &str) -> Option<String> {
        self.shared.lock().failed.get(device).cloned()
    }

    /// Waits until nothing is queued or running; false on timeout.
    pub fn wait_idle(&self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mut q = self.shared.lock();
        while !q.progress.is_empty() {
            let left = deadline
                .and_then(|d| d.checked_duration_since(std::time::Instant::now()))
                .unwrap_or_default();
            if left.is_zero() {
                return false;
            }
            q = match self.shared.wake.wait_timeout(q, left) {
                Ok((q, _)) => q,
                Err(p) => p.into_inner().0,
            };
        }
        true
    }
}

impl Drop for VerifyJobs {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn work<S: Storage>(server: &Server<S>, shared: &Shared) {
    let mut reader: Option<Box<dyn JournalReader>> = None;
    loop {
        let device = {
            let mut q = shared.lock();
            loop {
                if q.stop {
                    return;
                }
                if let Some(d) = q.waiting.pop_front() {
                    if let Some(p) = q.progress.get_mut(&d) {
                        p.running = true;
                    }
                    break d;
                }
                q = match shared.wake.wait(q) {
                    Ok(q) => q,
                    Err(p) => p.into_inner(),
                };
            }
        };
        let step = |done: u64, total: u64| {
            let mut q = shared.lock();
            if let Some(p) = q.progress.get_mut(&device) {
                p.done = done;
                p.total = total;
            }
            !q.stop
        };
        let outcome = match reader.as_mut() {
            Some(r) => verify_device(server, r.as_mut(), &device, &step, &Utc::now),
            None => server.storage().journal_reader().and_then(|mut r| {
                let v = verify_device(server, r.as_mut(), &device, &step, &Utc::now);
                reader = Some(r);
                v
            }),
        };
        let mut q = shared.lock();
        match outcome {
            Ok(_) => {
                q.failed.remove(&device);
            }
            Err(e) => {
                // A fresh reader next time (the connection may be broken).
                reader = None;
                q.failed.insert(device.clone(), e.to_string());
            }
        }
        q.progress.remove(&device);
        shared.wake.notify_all();
    }
}
