//! The crates' `tracing` events, forwarded to the `console` (or to the
//! app's function given to `setLogger`) from the level `setLogLevel` chose
//! up. The events carry no personal data, PIN, key or card number (see
//! pos-sdk's `events` module): only their message and fields are passed on.
//!
//! A small subscriber written against `tracing`'s own trait (no
//! `tracing-subscriber`): it keeps no spans and formats each event as
//! `message key=value ...`. It becomes the module's global subscriber the
//! first time a level or logger is set; nothing is logged before (level
//! `off`).

use crate::PosError;
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber, span};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const LOGGING_TS: &str = r#"
/** How much to log, least to most verbose (`off`: nothing, the default). */
export type LogLevel = "off" | "error" | "warn" | "info" | "debug" | "trace";
/**
 * The app's logger: one call per event at or above the level, with its
 * target (`pos_sdk::sale`, `pos_sync::round`...) and its message followed by
 * its fields (`sale committed series=T number=1 ...`). Called synchronously
 * while the till works: it must not call back into the till.
 */
export type Logger = (level: Exclude<LogLevel, "off">, target: string, message: string) => void;
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(line: &str);
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(line: &str);
    #[wasm_bindgen(js_namespace = console, js_name = info)]
    fn console_info(line: &str);
    #[wasm_bindgen(js_namespace = console, js_name = debug)]
    fn console_debug(line: &str);
}

/// The level names, least to most verbose; a level's index is its rank
/// (`off` = 0: nothing passes).
const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// The rank of the most verbose level forwarded (0: none).
static LEVEL: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// The app's logger (none: the console).
    static LOGGER: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// Whether an event is being forwarded (an event logged meanwhile, by
    /// the logger's own calls, is dropped rather than looping).
    static FORWARDING: Cell<bool> = const { Cell::new(false) };
}

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

/// A level from its name (`off` included).
fn parse_level(name: &str) -> Result<u8, PosError> {
    LEVELS
        .iter()
        .position(|l| *l == name)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| PosError::invalid("log level", "off, error, warn, info, debug or trace"))
}

/// Makes the forwarding subscriber the global one (once).
fn install() -> Result<(), PosError> {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let ours = *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(Forward).is_ok());
    if ours {
        Ok(())
    } else {
        Err(PosError::store(
            "logger_taken",
            "another tracing subscriber is installed in this module".to_owned(),
        ))
    }
}

/// Logs the crates' events from `level` up (`off`, `error`, `warn`,
/// `info`, `debug`, `trace`) to the console, or to the function given to
/// `setLogger`. `off` (the default) logs nothing.
#[wasm_bindgen(js_name = setLogLevel)]
pub fn set_log_level(
    #[wasm_bindgen(unchecked_param_type = "LogLevel")] level: JsValue,
) -> Result<(), JsValue> {
    let name = crate::convert::text("log level", "a LogLevel string", &level)?;
    let rank = parse_level(&name)?;
    install()?;
    LEVEL.store(rank, Ordering::Relaxed);
    Ok(())
}

/// Sends the crates' log events to `logger(level, target, message)`
/// instead of the console (`null` or `undefined`: back to the console),
/// and sets the level when one is given (`setLogger(fn, "info")`). A
/// logger that throws loses that line, nothing else.
#[wasm_bindgen(js_name = setLogger)]
pub fn set_logger(
    #[wasm_bindgen(unchecked_param_type = "Logger | null | undefined")] logger: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "LogLevel")] level: JsValue,
) -> Result<(), JsValue> {
    let logger = if logger.is_undefined() || logger.is_null() {
        None
    } else {
        Some(
            logger
                .dyn_into::<js_sys::Function>()
                .map_err(|_| PosError::invalid("logger", "a function (level, target, message)"))?,
        )
    };
    let rank = if level.is_undefined() || level.is_null() {
        None
    } else {
        let name = crate::convert::text("log level", "a LogLevel string", &level)?;
        Some(parse_level(&name)?)
    };
    install()?;
    LOGGER.with(|l| *l.borrow_mut() = logger);
    if let Some(rank) = rank {
        LEVEL.store(rank, Ordering::Relaxed);
    }
    Ok(())
}

/// The subscriber: each event at or above the level becomes one line.
struct Forward;

impl Subscriber for Forward {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The level can change at any time: ask at each event.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // Events only: spans are not kept.
        metadata.is_event() && rank(metadata.level()) <= LEVEL.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        // Never called for a disabled span; an id is still due.
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let level = rank(meta.level());
        if level > LEVEL.load(Ordering::Relaxed) || FORWARDING.with(|f| f.replace(true)) {
            return;
        }
        let mut line = Line::default();
        event.record(&mut line);
        let message = line.finish();
        let logger = LOGGER.with(|l| l.try_borrow().ok().and_then(|l| l.clone()));
        match logger {
            Some(logger) => {
                let name = LEVELS.get(usize::from(level)).copied().unwrap_or("trace");
                // A throwing logger loses this line only.
                let _ = logger.call3(
                    &JsValue::NULL,
                    &name.into(),
                    &meta.target().into(),
                    &message.into(),
                );
            }
            None => {
                let text = format!("{}: {}", meta.target(), message);
                match *meta.level() {
                    Level::ERROR => console_error(&text),
                    Level::WARN => console_warn(&text),
                    Level::INFO => console_info(&text),
                    _ => console_debug(&text),
                }
            }
        }
        FORWARDING.with(|f| f.set(false));
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// `message key=value key=value`.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Line {
    fn finish(mut self) -> String {
        self.message.push_str(&self.fields);
        self.message
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn levels_parse_in_rank_order() {
        let ranks: Vec<u8> = LEVELS.iter().filter_map(|l| parse_level(l).ok()).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(rank(&Level::INFO), 3);
        assert_eq!(
            parse_level("verbose").map_err(|e| e.code),
            Err("invalid_input".to_owned())
        );
    }
}
