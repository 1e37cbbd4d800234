//! The print queue: receipt and drawer jobs go out one at a time, in order,
//! and each gets an outcome from the printer's status read-back.
//!
//! "Printed" means: the printer was ready, took every byte, and reported
//! ready again right after (`DLE EOT` is answered in real time, so a paper
//! end in the very last lines of a job can go unnoticed until the next one).
//!
//! Safety rules:
//! - A transport failure before any byte of the job was accepted is retried
//!   (up to `max_attempts`); once bytes went out, a failure is reported as
//!   [`JobOutcome::UnknownOutcome`] and the job is NOT resent: half a receipt
//!   may be in the customer's hand.
//! - A fiscal original (sale, refund) is printed at most once. The injected
//!   [`PrintLedger`] remembers printed tickets (the facade persists it); a
//!   second request is refused with [`HwError::AlreadyPrinted`], which tells
//!   the caller to make a DUPLICATA (a signed copy record). A job whose
//!   outcome is unknown counts as printed, for the same reason.

use std::collections::{BTreeSet, VecDeque};
use std::io::ErrorKind;

use super::transport::{StatusFailure, Transport};
use crate::HwError;
use crate::escpos::status::Condition;
use crate::receipt::facts::ReceiptKind;

/// What a job prints, for the once-only rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    /// A fiscal original (sale or refund): printed at most once.
    Original {
        /// Ticket number.
        ticket: String,
    },
    /// A copy ("DUPLICATA n°k"): may be printed any number of times.
    Duplicate {
        /// Ticket number of the original.
        ticket: String,
        /// Copy counter.
        number: u32,
    },
    /// Not a fiscal receipt (training ticket, provisional bill, report).
    NonFiscal,
    /// Only a drawer pulse.
    Drawer,
}

impl JobKind {
    /// The job kind for a receipt of `kind` with `ticket` number.
    pub fn for_receipt(kind: &ReceiptKind, ticket: &str) -> JobKind {
        match kind {
            ReceiptKind::Sale | ReceiptKind::Refund { .. } | ReceiptKind::Exchange { .. } => {
                JobKind::Original {
                    ticket: ticket.to_owned(),
                }
            }
            ReceiptKind::Duplicate { number } => JobKind::Duplicate {
                ticket: ticket.to_owned(),
                number: *number,
            },
            ReceiptKind::Training | ReceiptKind::ProvisionalBill => JobKind::NonFiscal,
        }
    }
}

/// Remembers which fiscal originals were printed (the facade persists it).
pub trait PrintLedger {
    /// Whether the original of `ticket` was printed (or may have been).
    fn was_printed(&self, ticket: &str) -> Result<bool, HwError>;
    /// Records that the original of `ticket` was printed (or may have been).
    fn record_printed(&mut self, ticket: &str) -> Result<(), HwError>;
}

/// A ledger in memory (tests, demos, tills that persist elsewhere).
#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    /// Ticket numbers printed.
    pub printed: BTreeSet<String>,
}

impl PrintLedger for MemoryLedger {
    fn was_printed(&self, ticket: &str) -> Result<bool, HwError> {
        Ok(self.printed.contains(ticket))
    }

    fn record_printed(&mut self, ticket: &str) -> Result<(), HwError> {
        self.printed.insert(ticket.to_owned());
        Ok(())
    }
}

/// Identifies a job in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u64);

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Printed; the status read back after the job was ready.
    Printed {
        /// Change the roll soon.
        paper_near_end: bool,
    },
    /// Sent to a transport without read-back (device file): not confirmed.
    Sent,
    /// Nothing sent: the original was printed meanwhile (by another
    /// queue); print a DUPLICATA.
    AlreadyPrinted,
    /// Nothing sent: the printed-receipts record could not be read.
    NotChecked,
    /// Nothing sent: the printer is out of paper.
    PaperOut,
    /// Nothing sent: the cover is open.
    CoverOpen,
    /// Nothing sent: the printer is offline.
    Offline,
    /// Nothing sent: the printer reports an error (cutter, mechanism).
    PrinterError,
    /// Nothing sent: the connection failed on every attempt.
    TransportError {
        /// The last error.
        kind: ErrorKind,
        /// Attempts made.
        attempts: u8,
    },
    /// Bytes went out, then the connection failed or the printer stopped:
    /// the receipt may be partly printed. Not resent.
    UnknownOutcome {
        /// The transport error, if that is what happened.
        kind: Option<ErrorKind>,
        /// The printer condition read after sending, if any.
        condition: Option<Condition>,
    },
}

impl JobOutcome {
    /// Whether bytes of the job may have reached the paper.
    pub fn may_have_printed(&self) -> bool {
        matches!(
            self,
            JobOutcome::Printed { .. } | JobOutcome::Sent | JobOutcome::UnknownOutcome { .. }
        )
    }
}

/// The report of one finished job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    /// The job.
    pub id: JobId,
    /// What it was.
    pub kind: JobKind,
    /// How it ended.
    pub outcome: JobOutcome,
    /// Set when the ledger could not record a printed original.
    pub ledger_error: Option<HwError>,
}

#[derive(Debug)]
struct Job {
    id: JobId,
    kind: JobKind,
    bytes: Vec<u8>,
}

/// A queue of print jobs for one printer.
#[derive(Debug)]
pub struct PrintQueue<T: Transport, L: PrintLedger> {
    transport: T,
    ledger: L,
    jobs: VecDeque<Job>,
    next_id: u64,
    max_attempts: u8,
    status_readback: bool,
}

impl<T: Transport, L: PrintLedger> PrintQueue<T, L> {
    /// A queue over `transport`, recording originals in `ledger`; 3 attempts.
    pub fn new(transport: T, ledger: L) -> PrintQueue<T, L> {
        PrintQueue {
            transport,
            ledger,
            jobs: VecDeque::new(),
            next_id: 1,
            max_attempts: 3,
            status_readback: true,
        }
    }

    /// Sets how many times a job is tried while nothing was accepted (at least 1).
    pub fn with_max_attempts(mut self, attempts: u8) -> PrintQueue<T, L> {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Turns the `DLE EOT` status checks off, for printers that never answer
    /// them (jobs then end as [`JobOutcome::Sent`], not confirmed).
    pub fn without_status_readback(mut self) -> PrintQueue<T, L> {
        self.status_readback = false;
        self
    }

    /// The transport (e.g. to inspect a memory printer).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The ledger.
    pub fn ledger(&self) -> &L {
        &self.ledger
    }

    /// Jobs waiting.
    pub fn pending(&self) -> usize {
        self.jobs.len()
    }

    /// Queues ESC/POS bytes of a receipt. An original already printed, or
    /// already waiting in the queue, is refused with [`HwError::AlreadyPrinted`].
    pub fn submit(&mut self, kind: JobKind, bytes: Vec<u8>) -> Result<JobId, HwError> {
        if let JobKind::Original { ticket } = &kind {
            let queued = self.jobs.iter().any(|j| j.kind == kind);
            if queued || self.ledger.was_printed(ticket)? {
                return Err(HwError::AlreadyPrinted {
                    ticket: ticket.clone(),
                });
            }
        }
        let id = JobId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.jobs.push_back(Job { id, kind, bytes });
        Ok(id)
    }

    /// Queues a drawer pulse (ESC/POS bytes of `ESC p`).
    pub fn submit_drawer(&mut self, bytes: Vec<u8>) -> JobId {
        let id = JobId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.jobs.push_back(Job {
            id,
            kind: JobKind::Drawer,
            bytes,
        });
        id
    }

    /// Runs every waiting job in order.
    pub fn run_all(&mut self) -> Vec<JobReport> {
        let mut reports = Vec::with_capacity(self.jobs.len());
        while let Some(report) = self.run_next() {
            reports.push(report);
        }
        reports
    }

    /// Runs the oldest job; `None` when the queue is empty.
    pub fn run_next(&mut self) -> Option<JobReport> {
        let job = self.jobs.pop_front()?;
        // Another queue (another printer) may have printed it meanwhile.
        let printed_meanwhile = match &job.kind {
            JobKind::Original { ticket } => self.ledger.was_printed(ticket),
            _ => Ok(false),
        };
        let outcome = match printed_meanwhile {
            Ok(false) => self.print(&job),
            Ok(true) => JobOutcome::AlreadyPrinted,
            Err(e) => {
                return Some(JobReport {
                    id: job.id,
                    kind: job.kind,
                    outcome: JobOutcome::NotChecked,
                    ledger_error: Some(e),
                });
            }
        };
        let mut ledger_error = None;
        if let JobKind::Original { ticket } = &job.kind
            && outcome.may_have_printed()
            && let Err(e) = self.ledger.record_printed(ticket)
        {
            ledger_error = Some(e);
        }
        Some(JobReport {
            id: job.id,
            kind: job.kind,
            outcome,
            ledger_error,
        })
    }

    fn read_status(&mut self) -> Result<Option<crate::escpos::StatusFlags>, StatusFailure> {
        if self.status_readback {
            self.transport.read_status()
        } else {
            Ok(None)
        }
    }

    /// Checks the printer, sends the job, reads the status back.
    fn print(&mut self, job: &Job) -> JobOutcome {
        let mut last = ErrorKind::Other;
        let mut attempts = 0u8;
        while attempts < self.max_attempts {
            attempts = attempts.saturating_add(1);
            // Before: a printer that cannot print gets nothing.
            match self.read_status() {
                Ok(Some(flags)) => match flags.condition() {
                    Condition::Ready { .. } => {}
                    Condition::PaperOut => return JobOutcome::PaperOut,
                    Condition::CoverOpen => return JobOutcome::CoverOpen,
                    Condition::Offline => return JobOutcome::Offline,
                    Condition::Error => return JobOutcome::PrinterError,
                },
                Ok(None) => {}
                Err(StatusFailure::Transport(f)) => {
                    last = f.kind;
                    continue;
                }
                Err(StatusFailure::Garbled(_)) => {
                    last = ErrorKind::InvalidData;
                    continue;
                }
            }
            if let Err(failure) = self.transport.send(&job.bytes) {
                if failure.accepted == 0 {
                    last = failure.kind;
                    continue;
                }
                return JobOutcome::UnknownOutcome {
                    kind: Some(failure.kind),
                    condition: None,
                };
            }
            // After: the printer says whether it went through.
            return match self.read_status() {
                Ok(Some(flags)) => match flags.condition() {
                    Condition::Ready { paper_near_end } => JobOutcome::Printed { paper_near_end },
                    other => JobOutcome::UnknownOutcome {
                        kind: None,
                        condition: Some(other),
                    },
                },
                Ok(None) => JobOutcome::Sent,
                Err(StatusFailure::Transport(f)) => JobOutcome::UnknownOutcome {
                    kind: Some(f.kind),
                    condition: None,
                },
                Err(StatusFailure::Garbled(_)) => JobOutcome::UnknownOutcome {
                    kind: Some(ErrorKind::InvalidData),
                    condition: None,
                },
            };
        }
        JobOutcome::TransportError {
            kind: last,
            attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::transport::{MemoryTransport, ScriptedSend};

    fn queue() -> PrintQueue<MemoryTransport, MemoryLedger> {
        PrintQueue::new(MemoryTransport::default(), MemoryLedger::default())
    }

    fn original(t: &str) -> JobKind {
        JobKind::Original {
            ticket: t.to_owned(),
        }
    }

    #[test]
    fn prints_in_order_and_records_originals() {
        let mut q = queue();
        q.submit(original("T1"), b"one".to_vec()).unwrap();
        q.submit_drawer(b"kick".to_vec());
        let reports = q.run_all();
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| r.outcome
            == JobOutcome::Printed {
                paper_near_end: false
            }));
        assert_eq!(q.transport().received, b"onekick");
        assert!(q.ledger().printed.contains("T1"));
    }

    #[test]
    fn second_original_is_refused_but_duplicates_pass() {
        let mut q = queue();
        q.submit(original("T1"), b"x".to_vec()).unwrap();
        assert_eq!(
            q.submit(original("T1"), b"x".to_vec()),
            Err(HwError::AlreadyPrinted {
                ticket: "T1".into()
            })
        );
        q.run_all();
        assert_eq!(
            q.submit(original("T1"), b"x".to_vec()),
            Err(HwError::AlreadyPrinted {
                ticket: "T1".into()
            })
        );
        q.submit(
            JobKind::Duplicate {
                ticket: "T1".into(),
                number: 1,
            },
            b"d1".to_vec(),
        )
        .unwrap();
        q.submit(
            JobKind::Duplicate {
                ticket: "T1".into(),
                number: 2,
            },
            b"d2".to_vec(),
        )
        .unwrap();
        assert_eq!(q.run_all().len(), 2);
    }

    #[test]
    fn failure_before_any_byte_is_retried() {
        let mut q = queue();
        q.transport_mut().script.push_back(ScriptedSend::Fail {
            accepted: 0,
            kind: ErrorKind::ConnectionRefused,
        });
        q.submit(original("T1"), b"abc".to_vec()).unwrap();
        let r = q.run_next().unwrap();
        assert_eq!(
            r.outcome,
            JobOutcome::Printed {
                paper_near_end: false
            }
        );
        assert_eq!(q.transport().received, b"abc");
    }

    #[test]
    fn failure_after_bytes_is_not_resent_and_counts_as_printed() {
        let mut q = queue();
        q.transport_mut().script.push_back(ScriptedSend::Fail {
            accepted: 2,
            kind: ErrorKind::BrokenPipe,
        });
        q.submit(original("T1"), b"abcdef".to_vec()).unwrap();
        let r = q.run_next().unwrap();
        assert_eq!(
            r.outcome,
            JobOutcome::UnknownOutcome {
                kind: Some(ErrorKind::BrokenPipe),
                condition: None
            }
        );
        assert_eq!(q.transport().received, b"ab");
        assert!(matches!(
            q.submit(original("T1"), b"abcdef".to_vec()),
            Err(HwError::AlreadyPrinted { .. })
        ));
    }

    #[test]
    fn paper_out_sends_nothing_and_allows_a_retry() {
        let mut q = queue();
        q.transport_mut().status = [0x1A, 0x32, 0x12, 0x72];
        q.submit(original("T1"), b"abc".to_vec()).unwrap();
        assert_eq!(q.run_next().unwrap().outcome, JobOutcome::PaperOut);
        assert!(q.transport().received.is_empty());
        q.transport_mut().status = [0x12; 4];
        q.submit(original("T1"), b"abc".to_vec()).unwrap();
        assert_eq!(
            q.run_next().unwrap().outcome,
            JobOutcome::Printed {
                paper_near_end: false
            }
        );
    }

    #[test]
    fn original_printed_by_another_queue_is_not_printed_again() {
        let mut q = queue();
        q.submit(original("T1"), b"abc".to_vec()).unwrap();
        q.ledger.record_printed("T1").unwrap();
        assert_eq!(q.run_next().unwrap().outcome, JobOutcome::AlreadyPrinted);
        assert!(q.transport().received.is_empty());
    }

    #[test]
    fn without_readback_jobs_are_sent_not_confirmed() {
        let mut q = queue().without_status_readback();
        q.transport_mut().status = [0xFF; 4];
        q.submit(original("T1"), b"abc".to_vec()).unwrap();
        assert_eq!(q.run_next().unwrap().outcome, JobOutcome::Sent);
        assert!(q.ledger().printed.contains("T1"));
    }

    #[test]
    fn every_attempt_failing_is_a_transport_error() {
        let mut q = queue().with_max_attempts(2);
        for _ in 0..2 {
            q.transport_mut().script.push_back(ScriptedSend::Fail {
                accepted: 0,
                kind: ErrorKind::TimedOut,
            });
        }
        q.submit(original("T1"), b"abc".to_vec()).unwrap();
        assert_eq!(
            q.run_next().unwrap().outcome,
            JobOutcome::TransportError {
                kind: ErrorKind::TimedOut,
                attempts: 2
            }
        );
        assert!(!q.ledger().printed.contains("T1"));
    }
}
