//! What a till tells the app as it happens: a [`RegisterListener`] set on
//! the [`Register`] hears of each committed sale, each sync round's new
//! status, the till going offline or back online, and printer status
//! changes. The same moments are logged through `tracing` (targets
//! `pos_sdk::sale`, `pos_sdk::sync`, `pos_sdk::printer`) without personal
//! data: ticket numbers and totals, never a customer, PIN, key or card.
//!
//! A listener is called after the fact (a sale after its transaction
//! committed), on the thread that made it, and cannot undo or break it: a
//! panic in a listener is caught and logged, and the call it followed
//! returns normally. It is called while the register is borrowed, so it
//! must not call back into the same register (bindings deliver from
//! another thread or task to allow that).
//!
//! ```
//! use pos_sdk::events::RegisterListener;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! #[derive(Debug, Default)]
//! struct Counter(AtomicU64);
//! impl RegisterListener for Counter {
//!     fn sale_committed(&self, _sale: &pos_sdk::CompletedSale) {
//!         self.0.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//! ```

use crate::register::CompletedSale;
use crate::sync::SyncStatus;
use crate::{Register, SdkError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Hears what the till does. Every method has an empty default: implement
/// the ones the app needs.
pub trait RegisterListener: Send + Sync + std::fmt::Debug {
    /// A sale, refund or exchange was committed (also in training mode).
    fn sale_committed(&self, _sale: &CompletedSale) {}
    /// A sync round ended (well or not); this is the till's status after it.
    fn sync_status_changed(&self, _status: &SyncStatus) {}
    /// The till went offline (`false`: an offline period opened, JET 70)
    /// or back online (`true`: the period closed, JET 120).
    fn connectivity_changed(&self, _online: bool) {}
    /// The receipt printer's status changed.
    fn printer_status_changed(&self, _status: PrinterStatus) {}
}

/// A receipt printer's status as the till reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterStatus {
    /// Ready to print.
    Ready,
    /// Paper is running out (still printing).
    PaperNearEnd,
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Offline or unreachable (the transport failed).
    Offline,
    /// A printer error (cutter, mechanism, overheated head).
    Error,
}

impl PrinterStatus {
    /// The status a printer's real-time status replies say, worst first.
    pub fn from_flags(f: &pos_hw::escpos::status::StatusFlags) -> PrinterStatus {
        if f.paper_out || f.stopped_paper_end {
            PrinterStatus::PaperOut
        } else if f.cover_open {
            PrinterStatus::CoverOpen
        } else if f.error
            || f.mechanical_error
            || f.autocutter_error
            || f.unrecoverable_error
            || f.auto_recoverable_error
        {
            PrinterStatus::Error
        } else if f.offline || f.waiting_recovery {
            PrinterStatus::Offline
        } else if f.paper_near_end {
            PrinterStatus::PaperNearEnd
        } else {
            PrinterStatus::Ready
        }
    }

    /// A stable lowercase code (`ready`, `paper_out`...).
    pub fn code(self) -> &'static str {
        match self {
            PrinterStatus::Ready => "ready",
            PrinterStatus::PaperNearEnd => "paper_near_end",
            PrinterStatus::PaperOut => "paper_out",
            PrinterStatus::CoverOpen => "cover_open",
            PrinterStatus::Offline => "offline",
            PrinterStatus::Error => "error",
        }
    }
}

/// The listener a register calls and the last printer status it reported.
#[derive(Debug, Default)]
pub(crate) struct Events {
    listener: Option<Arc<dyn RegisterListener>>,
    printer: Option<PrinterStatus>,
}

impl Events {
    /// Calls the listener, if any; a panic in it is logged and dropped.
    fn notify(&self, what: &'static str, call: impl FnOnce(&dyn RegisterListener)) {
        let Some(listener) = &self.listener else {
            return;
        };
        if catch_unwind(AssertUnwindSafe(|| call(listener.as_ref()))).is_err() {
            tracing::warn!(
                target: "pos_sdk::listener",
                event = what,
                "a register listener panicked; the till carried on"
            );
        }
    }
}

impl Register {
    /// Sets (or with `None` removes) the listener that hears what this
    /// till does (see [`crate::events`]).
    pub fn set_listener(&mut self, listener: Option<Arc<dyn RegisterListener>>) {
        self.events.listener = listener;
    }

    /// Reports the receipt printer's status (read by the app's driver, e.g.
    /// with [`PrinterStatus::from_flags`] or after a failed write); the
    /// listener hears it and it is logged when it differs from the last one.
    pub fn report_printer_status(&mut self, status: PrinterStatus) {
        if self.events.printer == Some(status) {
            return;
        }
        self.events.printer = Some(status);
        if status == PrinterStatus::Ready {
            tracing::info!(target: "pos_sdk::printer", status = status.code(), "printer status");
        } else {
            tracing::warn!(target: "pos_sdk::printer", status = status.code(), "printer status");
        }
        self.events.notify("printer_status_changed", |l| {
            l.printer_status_changed(status)
        });
    }

    /// The last printer status reported (`None` before any).
    pub fn printer_status(&self) -> Option<PrinterStatus> {
        self.events.printer
    }

    /// After a sale's transaction committed: logs it (kind, series,
    /// number, total, currency; nothing about the customer) and tells the
    /// listener.
    pub(crate) fn sale_committed(&self, sale: CompletedSale) -> CompletedSale {
        let total = sale.ticket.total();
        tracing::info!(
            target: "pos_sdk::sale",
            kind = ?sale.ticket.kind(),
            series = sale.series.code(),
            number = sale.number,
            total = %total.format_plain(),
            currency = total.currency().code(),
            lines = sale.ticket.lines().len(),
            "sale committed"
        );
        self.events
            .notify("sale_committed", |l| l.sale_committed(&sale));
        sale
    }

    /// A refusal before anything was written: logged with its stable code
    /// only (messages can name what was asked for).
    pub(crate) fn sale_refused(&self, error: SdkError) -> SdkError {
        tracing::warn!(target: "pos_sdk::sale", code = error.kind(), "sale refused");
        error
    }

    /// After a sync round: the listener hears the new status (a status the
    /// till cannot read is logged and not sent).
    pub(crate) fn sync_round_ended(&mut self) {
        if self.events.listener.is_none() {
            return;
        }
        match crate::sync::status(self) {
            Ok(status) => self
                .events
                .notify("sync_status_changed", |l| l.sync_status_changed(&status)),
            Err(e) => tracing::warn!(
                target: "pos_sdk::sync",
                code = e.code(),
                "sync status unreadable after a round"
            ),
        }
    }

    /// The till went offline (`false`) or came back (`true`).
    pub(crate) fn connectivity_changed(&self, online: bool) {
        if online {
            tracing::info!(target: "pos_sdk::sync", "till back online (JET 120)");
        } else {
            tracing::warn!(target: "pos_sdk::sync", "till offline (JET 70)");
        }
        self.events
            .notify("connectivity_changed", |l| l.connectivity_changed(online));
    }
}
