//! Checks of the `wedge_input` target (keyboard-wedge scanners: key events
//! with timestamps), shared with pos-hw's replay test. The first four bytes
//! choose the decoder's settings, then each pair of bytes is a key (a
//! character, Enter, Tab or another key) and a signed time step (the clock
//! may go backwards); step 127 is a timer tick instead of a key. Whatever
//! the keys, every key fed comes out exactly once, either passed through
//! (in the order typed) or inside one scan; a scan holds at least
//! `min_length` characters and at most `max_length` with its prefix and
//! suffix; and nothing stays held after a final tick.

use pos_hw::scanner::{Key, KeyEvent, KeyboardLayout, WedgeConfig, WedgeDecoder, WedgeOutput};

const ACCENTED: [char; 8] = ['é', 'è', 'à', 'ç', '&', '"', '\u{1d}', '€'];

fn config(head: &[u8]) -> WedgeConfig {
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let flags = byte(0);
    let bit = |n: u8| flags & (1 << n) != 0;
    WedgeConfig {
        max_gap_ms: u64::from(byte(1)),
        min_length: usize::from(byte(2) % 16),
        max_length: usize::from(byte(3) % 64).saturating_add(1),
        enter_terminates: bit(0),
        tab_terminates: bit(1),
        accept_unterminated: bit(2),
        prefix: if bit(5) {
            "]C1".to_owned()
        } else {
            String::new()
        },
        suffix: if bit(6) {
            "#".to_owned()
        } else {
            String::new()
        },
        layout: if bit(3) {
            KeyboardLayout::Azerty
        } else {
            KeyboardLayout::Qwerty
        },
        gs_substitute: bit(4).then_some('^'),
    }
}

fn key(byte: u8) -> Key {
    match byte {
        b'\n' | b'\r' => Key::Enter,
        b'\t' => Key::Tab,
        0x7f => Key::Other(u16::from(byte)),
        0x80..=0xff => match ACCENTED.get(usize::from(byte % 16)) {
            Some(c) => Key::Char(*c),
            None => Key::Other(u16::from(byte)),
        },
        _ => Key::Char(char::from(byte)),
    }
}

/// Feeds the keys of `data` to a decoder and asserts the invariants.
pub fn check(data: &[u8]) {
    let (head, keys) = data.split_at(data.len().min(4));
    let config = config(head);
    let mut decoder = WedgeDecoder::new(config.clone());
    let affix = config
        .prefix
        .chars()
        .count()
        .saturating_add(config.suffix.chars().count());
    let terminates = |k: Key| {
        (k == Key::Enter && config.enter_terminates) || (k == Key::Tab && config.tab_terminates)
    };

    let mut fed: Vec<KeyEvent> = Vec::new();
    let mut passed: Vec<KeyEvent> = Vec::new();
    let mut consumed = 0usize;
    let mut now: u64 = 1_000_000;
    let mut account = |out: Vec<WedgeOutput>,
                       event: Option<KeyEvent>,
                       passed: &mut Vec<KeyEvent>| {
        let last = out.len().checked_sub(1);
        for (i, o) in out.into_iter().enumerate() {
            match o {
                WedgeOutput::Key(k) => passed.push(k),
                WedgeOutput::Scan { code, .. } => {
                    let chars = code.chars().count();
                    assert!(chars >= config.min_length, "a scan shorter than min_length");
                    assert!(
                        chars.saturating_add(affix) <= config.max_length,
                        "a scan above max_length"
                    );
                    if config.gs_substitute.is_none() {
                        assert!(
                            !code.contains('\u{1d}')
                                || keys.iter().any(|b| key(*b) == Key::Char('\u{1d}')),
                            "a GS without substitute"
                        );
                    }
                    let terminated = Some(i) == last && event.is_some_and(|e| terminates(e.key));
                    consumed = consumed
                        .saturating_add(chars)
                        .saturating_add(affix)
                        .saturating_add(usize::from(terminated));
                }
            }
        }
    };
    for pair in keys.chunks(2) {
        let [k, step] = pair else { break };
        let step = i8::from_ne_bytes([*step]);
        now = now.saturating_add_signed(i64::from(step));
        if step == i8::MAX {
            let out = decoder.tick(now);
            account(out, None, &mut passed);
            continue;
        }
        let event = KeyEvent {
            key: key(*k),
            at_ms: now,
        };
        fed.push(event);
        let out = decoder.feed(event);
        account(out, Some(event), &mut passed);
    }
    let out = decoder.tick(u64::MAX);
    account(out, None, &mut passed);
    assert_eq!(decoder.deadline(), None, "keys held after the final tick");

    // Passed keys are the fed keys in order, minus the scans' keys.
    let mut from = fed.iter();
    for p in &passed {
        assert!(
            from.any(|f| f == p),
            "a key passed out of order or never fed: {p:?}"
        );
    }
    assert_eq!(
        passed.len().saturating_add(consumed),
        fed.len(),
        "a key lost or duplicated"
    );
}
