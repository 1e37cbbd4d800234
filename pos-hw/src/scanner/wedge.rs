//! The keyboard-wedge decoder: a pure state machine fed with key events and
//! their timestamps. A scanner types a whole code in a fast burst ended by
//! Enter or Tab; a person types slowly. Bursts become one scan and are
//! swallowed; everything else is passed through unchanged.
//!
//! Keys are held while they might still be the start of a burst, so the
//! caller must call [`WedgeDecoder::tick`] when [`WedgeDecoder::deadline`]
//! passes (a timer, or simply on every UI frame) to release human keys.

use serde::{Deserialize, Serialize};

use super::layout::KeyboardLayout;

/// A key as the keyboard layer reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// A printable character (already translated by the OS layout).
    Char(char),
    /// Enter / Return.
    Enter,
    /// Tab.
    Tab,
    /// Any other key (arrows, function keys...): never part of a scan.
    Other(u16),
}

/// A key press and when it happened, in milliseconds of any monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEvent {
    /// The key.
    pub key: Key,
    /// Timestamp in ms.
    pub at_ms: u64,
}

/// What the decoder lets through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WedgeOutput {
    /// A key typed by a person: deliver it to the focused field.
    Key(KeyEvent),
    /// A whole scan, prefix/suffix removed and layout mapped back.
    Scan {
        /// The scanned text.
        code: String,
        /// Timestamp of the terminator (or of the last key).
        at_ms: u64,
    },
}

/// Settings of the decoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WedgeConfig {
    /// Largest gap between two keys of one scan, ms (typically 30–50).
    pub max_gap_ms: u64,
    /// Fewest characters of a scan (after prefix/suffix removal).
    pub min_length: usize,
    /// Most characters held in one burst before it is given up as typing.
    pub max_length: usize,
    /// Enter ends a scan.
    pub enter_terminates: bool,
    /// Tab ends a scan.
    pub tab_terminates: bool,
    /// A fast burst without terminator is a scan once the gap passes
    /// (for scanners configured without suffix key).
    pub accept_unterminated: bool,
    /// Characters the scanner sends before each code (removed; required).
    pub prefix: String,
    /// Characters the scanner sends after each code, before the terminator
    /// (removed; required).
    pub suffix: String,
    /// The OS layout applied to the scanner's keys.
    pub layout: KeyboardLayout,
    /// A character the scanner types for FNC1 (GS); replaced by 0x1D.
    pub gs_substitute: Option<char>,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        Self {
            max_gap_ms: 50,
            min_length: 4,
            max_length: 4096,
            enter_terminates: true,
            tab_terminates: true,
            accept_unterminated: false,
            prefix: String::new(),
            suffix: String::new(),
            layout: KeyboardLayout::Qwerty,
            gs_substitute: None,
        }
    }
}

/// The decoder state: keys held while they may still be a scan.
#[derive(Debug, Clone)]
pub struct WedgeDecoder {
    config: WedgeConfig,
    held: Vec<KeyEvent>,
}

impl WedgeDecoder {
    /// A decoder with these settings.
    pub fn new(config: WedgeConfig) -> Self {
        Self {
            config,
            held: Vec::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &WedgeConfig {
        &self.config
    }

    /// When [`tick`](Self::tick) should be called next to release held keys.
    pub fn deadline(&self) -> Option<u64> {
        self.held
            .last()
            .map(|k| k.at_ms.saturating_add(self.config.max_gap_ms))
    }

    fn is_terminator(&self, key: Key) -> bool {
        (key == Key::Enter && self.config.enter_terminates)
            || (key == Key::Tab && self.config.tab_terminates)
    }

    /// The scan text of the held keys, if they form one.
    fn as_scan(&self) -> Option<String> {
        let mut text = String::with_capacity(self.held.len());
        for event in &self.held {
            match event.key {
                Key::Char(c) => {
                    let c = self.config.layout.to_scanner_char(c);
                    text.push(if Some(c) == self.config.gs_substitute {
                        '\u{1d}'
                    } else {
                        c
                    });
                }
                _ => return None,
            }
        }
        let inner = text
            .strip_prefix(self.config.prefix.as_str())?
            .strip_suffix(self.config.suffix.as_str())?;
        (inner.chars().count() >= self.config.min_length).then(|| inner.to_owned())
    }

    fn release(&mut self, out: &mut Vec<WedgeOutput>) {
        out.extend(self.held.drain(..).map(WedgeOutput::Key));
    }

    /// Feeds one key; returns what is decided by it (often nothing yet).
    pub fn feed(&mut self, event: KeyEvent) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        self.expire(event.at_ms, &mut out);
        if self.is_terminator(event.key) {
            if let Some(code) = self.as_scan() {
                self.held.clear();
                out.push(WedgeOutput::Scan {
                    code,
                    at_ms: event.at_ms,
                });
            } else {
                self.release(&mut out);
                out.push(WedgeOutput::Key(event));
            }
            return out;
        }
        match event.key {
            Key::Char(_) if self.held.len() < self.config.max_length => self.held.push(event),
            _ => {
                self.release(&mut out);
                out.push(WedgeOutput::Key(event));
            }
        }
        out
    }

    /// Tells the decoder that time is now `now_ms`: releases held keys whose
    /// burst has ended (or emits them as a scan if unterminated scans are
    /// accepted).
    pub fn tick(&mut self, now_ms: u64) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        self.expire(now_ms, &mut out);
        out
    }

    fn expire(&mut self, now_ms: u64, out: &mut Vec<WedgeOutput>) {
        let Some(last) = self.held.last() else { return };
        // A clock that goes backwards counts as no gap.
        if now_ms.saturating_sub(last.at_ms) <= self.config.max_gap_ms {
            return;
        }
        let at_ms = last.at_ms;
        if let Some(code) = self.as_scan().filter(|_| self.config.accept_unterminated) {
            self.held.clear();
            out.push(WedgeOutput::Scan { code, at_ms });
            return;
        }
        self.release(out);
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn typed(text: &str, start: u64, gap: u64) -> Vec<KeyEvent> {
        text.chars()
            .enumerate()
            .map(|(i, c)| KeyEvent {
                key: if c == '\n' { Key::Enter } else { Key::Char(c) },
                at_ms: start + gap * i as u64,
            })
            .collect()
    }

    fn run(decoder: &mut WedgeDecoder, events: &[KeyEvent]) -> Vec<WedgeOutput> {
        let mut out: Vec<WedgeOutput> = events.iter().flat_map(|e| decoder.feed(*e)).collect();
        out.extend(decoder.tick(u64::MAX));
        out
    }

    #[test]
    fn fast_burst_with_enter_is_one_scan() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        let out = run(&mut d, &typed("4006381333931\n", 1000, 8));
        assert_eq!(
            out,
            [WedgeOutput::Scan {
                code: "4006381333931".into(),
                at_ms: 1000 + 8 * 13
            }]
        );
    }

    #[test]
    fn slow_typing_passes_through_in_order() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        let events = typed("12345\n", 0, 180);
        let out = run(&mut d, &events);
        assert_eq!(
            out,
            events
                .iter()
                .map(|e| WedgeOutput::Key(*e))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn short_fast_burst_is_typing() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        let events = typed("ok\n", 0, 10);
        assert_eq!(run(&mut d, &events).len(), 3);
    }

    #[test]
    fn azerty_prefix_suffix_and_gs_substitute() {
        let config = WedgeConfig {
            layout: KeyboardLayout::Azerty,
            prefix: "$".into(),
            suffix: "#".into(),
            gs_substitute: Some('~'),
            ..WedgeConfig::default()
        };
        let mut d = WedgeDecoder::new(config);
        let out = run(&mut d, &typed("$&à~ééé#\n", 0, 5));
        assert_eq!(
            out,
            [WedgeOutput::Scan {
                code: "10\u{1d}222".into(),
                at_ms: 40
            }]
        );
    }

    #[test]
    fn human_key_then_scan_are_separated_by_the_gap() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        let mut events = typed("x", 0, 0);
        events.extend(typed("96385074\n", 500, 4));
        let out = run(&mut d, &events);
        assert_eq!(out[0], WedgeOutput::Key(events[0]));
        assert_eq!(
            out[1],
            WedgeOutput::Scan {
                code: "96385074".into(),
                at_ms: 532
            }
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn unterminated_burst_becomes_a_scan_on_tick_when_allowed() {
        let mut d = WedgeDecoder::new(WedgeConfig {
            accept_unterminated: true,
            ..WedgeConfig::default()
        });
        for e in typed("96385074", 0, 4) {
            assert!(d.feed(e).is_empty());
        }
        assert_eq!(d.deadline(), Some(78));
        assert!(d.tick(60).is_empty());
        assert_eq!(
            d.tick(79),
            [WedgeOutput::Scan {
                code: "96385074".into(),
                at_ms: 28
            }]
        );
    }
}
