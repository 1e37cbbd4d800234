//! What the till tells the app as it happens: the app's [`RegisterListener`]
//! hears committed sales, sync status, offline / online and printer status.
//!
//! Events are delivered on a thread of their own, in order, after the call
//! that made them returned its lock: a listener may call back into the
//! register, and whatever it does (raise, panic, block) cannot undo or
//! delay a sale.

use crate::PosError;
use crate::guard::{guard, lock};
use crate::register::Register;
use crate::sync::SyncStatus;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

/// A sale, refund or exchange just committed (no customer data).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SaleCommitted {
    /// The ticket's id.
    pub ticket_id: String,
    /// Its series (`T`, or `X` in training mode).
    pub series: String,
    /// Its fiscal number in its series.
    pub number: u64,
    /// The total, tax included (decimal string; negative for a refund).
    pub total: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// When it was completed, epoch milliseconds.
    pub at_millis: i64,
    /// The sync outbox sequence of its event (none in training mode).
    pub outbox_seq: Option<u64>,
}

/// A receipt printer's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PrinterStatus {
    /// Ready to print.
    Ready,
    /// Paper is running out (still printing).
    PaperNearEnd,
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Offline or unreachable.
    Offline,
    /// A printer error (cutter, mechanism, overheated head).
    Error,
}

impl PrinterStatus {
    fn to_sdk(self) -> pos_sdk::events::PrinterStatus {
        use pos_sdk::events::PrinterStatus as S;
        match self {
            PrinterStatus::Ready => S::Ready,
            PrinterStatus::PaperNearEnd => S::PaperNearEnd,
            PrinterStatus::PaperOut => S::PaperOut,
            PrinterStatus::CoverOpen => S::CoverOpen,
            PrinterStatus::Offline => S::Offline,
            PrinterStatus::Error => S::Error,
        }
    }

    fn of_sdk(s: pos_sdk::events::PrinterStatus) -> PrinterStatus {
        use pos_sdk::events::PrinterStatus as S;
        match s {
            S::Ready => PrinterStatus::Ready,
            S::PaperNearEnd => PrinterStatus::PaperNearEnd,
            S::PaperOut => PrinterStatus::PaperOut,
            S::CoverOpen => PrinterStatus::CoverOpen,
            S::Offline => PrinterStatus::Offline,
            S::Error => PrinterStatus::Error,
        }
    }
}

/// The app's listener. An error it returns is logged and ignored.
#[uniffi::export(with_foreign)]
pub trait RegisterListener: Send + Sync {
    /// A sale, refund or exchange was committed.
    fn sale_committed(&self, sale: SaleCommitted) -> Result<(), PosError>;
    /// A sync round ended (well or not); the till's status after it.
    fn sync_status_changed(&self, status: SyncStatus) -> Result<(), PosError>;
    /// The till went offline (`false`, JET 70) or back online (`true`, JET 120).
    fn connectivity_changed(&self, online: bool) -> Result<(), PosError>;
    /// The receipt printer's status changed.
    fn printer_status_changed(&self, status: PrinterStatus) -> Result<(), PosError>;
}

/// One event on its way to the app.
#[derive(Debug)]
enum Event {
    Sale(SaleCommitted),
    Sync(SyncStatus),
    Connectivity(bool),
    Printer(PrinterStatus),
}

impl Event {
    fn name(&self) -> &'static str {
        match self {
            Event::Sale(_) => "sale_committed",
            Event::Sync(_) => "sync_status_changed",
            Event::Connectivity(_) => "connectivity_changed",
            Event::Printer(_) => "printer_status_changed",
        }
    }

    fn deliver(self, to: &dyn RegisterListener) -> Result<(), PosError> {
        match self {
            Event::Sale(s) => to.sale_committed(s),
            Event::Sync(s) => to.sync_status_changed(s),
            Event::Connectivity(o) => to.connectivity_changed(o),
            Event::Printer(p) => to.printer_status_changed(p),
        }
    }
}

/// The facade's listener: queues each event for the delivery thread.
#[derive(Debug)]
struct Queue(Sender<Event>);

impl Queue {
    /// Starts the delivery thread for `listener`; it ends when the queue
    /// is dropped (the listener replaced or the register closed).
    fn start(listener: Arc<dyn RegisterListener>) -> Result<Queue, PosError> {
        let (tx, rx) = channel::<Event>();
        std::thread::Builder::new()
            .name("pos-listener".into())
            .spawn(move || {
                for event in rx {
                    let name = event.name();
                    let outcome =
                        catch_unwind(AssertUnwindSafe(|| event.deliver(listener.as_ref())));
                    if !matches!(outcome, Ok(Ok(()))) {
                        tracing::warn!(
                            target: "pos_ffi::listener",
                            event = name,
                            "the app's listener failed; the till carried on"
                        );
                    }
                }
            })
            .map_err(|_| PosError::Internal {
                code: "listener_thread".to_owned(),
                detail: "the listener's delivery thread could not start".to_owned(),
            })?;
        Ok(Queue(tx))
    }

    fn push(&self, e: Event) {
        // The thread only stops when this sender is dropped: a failed send
        // cannot happen while we hold it, and would only lose the event.
        let _ = self.0.send(e);
    }
}

impl pos_sdk::events::RegisterListener for Queue {
    fn sale_committed(&self, sale: &pos_sdk::CompletedSale) {
        let total = sale.ticket.total();
        self.push(Event::Sale(SaleCommitted {
            ticket_id: sale.ticket.id().to_owned(),
            series: sale.series.code().to_owned(),
            number: sale.number,
            total: total.format_plain(),
            currency: total.currency().code().to_owned(),
            at_millis: sale.ticket.at().timestamp_millis(),
            outbox_seq: sale.outbox_seq,
        }));
    }

    fn sync_status_changed(&self, s: &pos_sdk::sync::SyncStatus) {
        self.push(Event::Sync(SyncStatus {
            pending: s.pending,
            oldest_pending_millis: s.oldest_pending.map(|t| t.timestamp_millis()),
            last_success_millis: s.last_success.map(|t| t.timestamp_millis()),
            offline_since_millis: s.offline_since.map(|t| t.timestamp_millis()),
            skipped_changes: s.skipped,
        }));
    }

    fn connectivity_changed(&self, online: bool) {
        self.push(Event::Connectivity(online));
    }

    fn printer_status_changed(&self, status: pos_sdk::events::PrinterStatus) {
        self.push(Event::Printer(PrinterStatus::of_sdk(status)));
    }
}

#[uniffi::export]
impl Register {
    /// Sets the listener that hears what this till does (None removes it).
    pub fn set_listener(
        &self,
        listener: Option<Arc<dyn RegisterListener>>,
    ) -> Result<(), PosError> {
        guard(|| {
            let queue = match listener {
                Some(l) => {
                    Some(Arc::new(Queue::start(l)?) as Arc<dyn pos_sdk::events::RegisterListener>)
                }
                None => None,
            };
            lock(&self.inner).set_listener(queue);
            Ok(())
        })
    }

    /// Reports the receipt printer's status, as the app's printer driver
    /// read it; the listener hears it when it changed.
    pub fn report_printer_status(&self, status: PrinterStatus) -> Result<(), PosError> {
        guard(|| {
            lock(&self.inner).report_printer_status(status.to_sdk());
            Ok(())
        })
    }
}
