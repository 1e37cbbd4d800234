//! The crates' `tracing` events, forwarded to the app's [`Logger`] (its
//! own logging: os_log, Logcat, Python's `logging`...). The events carry no
//! personal data, PIN, key or card number (see pos-sdk's `events` module).
//!
//! [`set_logger`] installs a small tracing layer as the process's global
//! subscriber the first time; later calls only swap the logger and the
//! level. An app whose Rust code installed its own global subscriber
//! first gets `PosError.Internal` `logger_taken`.

use crate::PosError;
use crate::guard::guard;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// How much to log, least to most verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Failures.
    Error,
    /// Refusals, offline periods, failed rounds.
    Warn,
    /// Sales, sync rounds, closures, verifications.
    Info,
    /// Details.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    fn of(level: &tracing::Level) -> LogLevel {
        match *level {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        }
    }
}

/// The app's logger.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    /// One event: its level, its target (`pos_sdk::sale`, `pos_sync::round`...)
    /// and its message followed by its fields (`sale committed number=1 ...`).
    fn log(&self, level: LogLevel, target: String, message: String);
}

/// The logger in force and its level.
type Sink = Option<(Arc<dyn Logger>, LogLevel)>;

fn sink() -> &'static RwLock<Sink> {
    static SINK: OnceLock<RwLock<Sink>> = OnceLock::new();
    SINK.get_or_init(|| RwLock::new(None))
}

/// Whether the global subscriber is ours (set once per process).
fn installed() -> &'static Result<(), ()> {
    static INSTALLED: OnceLock<Result<(), ()>> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Forward);
        tracing::subscriber::set_global_default(subscriber).map_err(|_| ())
    })
}

/// Sends the crates' log events to `logger` from `level` up (None: stops
/// logging).
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn Logger>>, level: LogLevel) -> Result<(), PosError> {
    guard(|| {
        installed().map_err(|()| PosError::Internal {
            code: "logger_taken".to_owned(),
            detail: "another tracing subscriber is installed in this process".to_owned(),
        })?;
        *sink().write().unwrap_or_else(PoisonError::into_inner) = logger.map(|l| (l, level));
        // Callsites cache whether they are enabled: make them ask again.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    })
}

/// The layer: each event at or above the level becomes one `log` call.
struct Forward;

impl<S: Subscriber> Layer<S> for Forward {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The level can change at any time: ask at each event.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        match &*sink().read().unwrap_or_else(PoisonError::into_inner) {
            Some((_, level)) => LogLevel::of(metadata.level()) <= *level,
            None => false,
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Some((logger, level)) = sink()
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        else {
            return;
        };
        let meta = event.metadata();
        let this = LogLevel::of(meta.level());
        if this > level {
            return;
        }
        let mut line = Line::default();
        event.record(&mut line);
        logger.log(this, meta.target().to_owned(), line.finish());
    }
}

/// `message key=value key=value`.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Line {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        }
    }
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={:?}", field.name(), value);
        }
    }
}
