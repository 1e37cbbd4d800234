//! Character code pages, written by hand: the printer prints bytes, and each
//! code page maps the upper half (0x80..=0xFF) differently.
//!
//! CP858 is CP850 with `€` at 0xD5 (where CP850 has the dotless `ı`). PC850
//! has no euro sign: `€` is printed as `EUR`. WPC1252 (Windows-1252) has `€`,
//! `œ`, `Œ` and `Ÿ`; CP850/858 have none of `œ Œ Ÿ` (printed `oe OE Y`).
//! ISO-8859-15 (Latin-9) is the set of the bundled screen font.

/// The upper half of IBM code page 850, byte 0x80 first.
const CP850_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', //
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', //
    'ð', 'Ð', 'Ê', 'Ë', 'È', 'ı', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', //
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', //
    '\u{AD}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{A0}',
];

/// The 0x80..=0x9F range of Windows-1252; `None` where the byte is unassigned.
/// 0xA0..=0xFF is Latin-1, i.e. the byte equals the code point.
const CP1252_C1: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'), //
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None, //
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'), //
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// Where ISO-8859-15 differs from Latin-1: (byte, character).
const LATIN9_DIFF: [(u8, char); 8] = [
    (0xA4, '€'),
    (0xA6, 'Š'),
    (0xA8, 'š'),
    (0xB4, 'Ž'),
    (0xB8, 'ž'),
    (0xBC, 'Œ'),
    (0xBD, 'œ'),
    (0xBE, 'Ÿ'),
];

/// A character table the printer is switched to with `ESC t n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePage {
    /// IBM PC850 (Multilingual Latin-1): accents, no euro sign.
    Pc850,
    /// IBM PC858: PC850 with the euro sign at 0xD5.
    Cp858,
    /// Windows-1252: accents, euro sign, œ and Œ.
    Wpc1252,
    /// ISO-8859-15 (Latin-9): accents, euro sign, œ and Œ.
    Latin9,
}

impl CodePage {
    /// The character printed for `byte` (ASCII below 0x80); `None` if unassigned.
    pub fn decode_byte(self, byte: u8) -> Option<char> {
        if byte < 0x80 {
            return Some(char::from(byte));
        }
        let high = usize::from(byte & 0x7F);
        match self {
            CodePage::Pc850 => CP850_HIGH.get(high).copied(),
            CodePage::Cp858 => {
                if byte == 0xD5 {
                    Some('€')
                } else {
                    CP850_HIGH.get(high).copied()
                }
            }
            CodePage::Wpc1252 => {
                if byte < 0xA0 {
                    CP1252_C1.get(high).copied().flatten()
                } else {
                    Some(char::from(byte))
                }
            }
            CodePage::Latin9 => {
                if byte < 0xA0 {
                    None
                } else if let Some((_, c)) = LATIN9_DIFF.iter().find(|(b, _)| *b == byte) {
                    Some(*c)
                } else {
                    Some(char::from(byte))
                }
            }
        }
    }

    /// The byte for `c` in this code page, if it has one. Control characters
    /// have none: text can never smuggle a printer command.
    pub fn encode_char(self, c: char) -> Option<u8> {
        if (' '..='~').contains(&c) {
            return u8::try_from(u32::from(c)).ok();
        }
        match self {
            CodePage::Pc850 => cp850_byte(c),
            CodePage::Cp858 => {
                if c == '€' {
                    Some(0xD5)
                } else if c == 'ı' {
                    None
                } else {
                    cp850_byte(c)
                }
            }
            CodePage::Wpc1252 => {
                let code = u32::from(c);
                if (0xA0..=0xFF).contains(&code) {
                    u8::try_from(code).ok()
                } else {
                    CP1252_C1
                        .iter()
                        .position(|x| *x == Some(c))
                        .and_then(|i| u8::try_from(i).ok())
                        .map(|i| i | 0x80)
                }
            }
            CodePage::Latin9 => {
                if let Some((b, _)) = LATIN9_DIFF.iter().find(|(_, x)| *x == c) {
                    return Some(*b);
                }
                let code = u32::from(c);
                let byte = u8::try_from(code).ok().filter(|b| *b >= 0xA0)?;
                if LATIN9_DIFF.iter().any(|(b, _)| *b == byte) {
                    None
                } else {
                    Some(byte)
                }
            }
        }
    }

    /// Appends `text` encoded in this code page: unknown characters go
    /// through [`fallback`] (`€` → `EUR` on PC850), else become `?`.
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) {
        let mut rest = text;
        while !rest.is_empty() {
            // Runs of printable ASCII are the same bytes in every page.
            let run = rest
                .bytes()
                .take_while(|b| (0x20..0x7F).contains(b))
                .count();
            out.extend_from_slice(rest.as_bytes().get(..run).unwrap_or(&[]));
            let mut chars = rest.get(run..).unwrap_or("").chars();
            if let Some(c) = chars.next() {
                self.encode_other(c, out);
            }
            rest = chars.as_str();
        }
    }

    /// Appends a character that is not printable ASCII.
    fn encode_other(self, c: char, out: &mut Vec<u8>) {
        if let Some(b) = self.encode_char(c) {
            out.push(b);
        } else if let Some(sub) = fallback(c) {
            for s in sub.chars() {
                out.push(self.encode_char(s).unwrap_or(b'?'));
            }
        } else {
            out.push(b'?');
        }
    }

    /// `text` with every character this page lacks replaced by its
    /// [`fallback`] (or `?`), so that encoding is then one byte per character.
    pub fn printable(self, text: &str) -> std::borrow::Cow<'_, str> {
        if is_printable_ascii(text)
            || text
                .chars()
                .all(|c| ascii_byte(c).is_some() || self.encode_char(c).is_some())
        {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len().saturating_add(4));
        for c in text.chars() {
            if self.encode_char(c).is_some() {
                out.push(c);
            } else if let Some(sub) =
                fallback(c).filter(|s| s.chars().all(|x| self.encode_char(x).is_some()))
            {
                out.push_str(sub);
            } else {
                out.push('?');
            }
        }
        std::borrow::Cow::Owned(out)
    }

    /// `text` encoded in this code page.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        self.encode_into(text, &mut out);
        out
    }

    /// Decodes bytes printed in this code page (unassigned bytes become `\u{FFFD}`).
    pub fn decode(self, bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| self.decode_byte(*b).unwrap_or('\u{FFFD}'))
            .collect()
    }
}

/// The byte of a printable ASCII character.
#[inline]
fn ascii_byte(c: char) -> Option<u8> {
    u8::try_from(u32::from(c))
        .ok()
        .filter(|b| (0x20..0x7F).contains(b))
}

/// Whether every byte is printable ASCII (the same in every code page).
fn is_printable_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7F).contains(&b))
}

/// CP850 byte of each Latin-1 character U+00A0..=U+00FF (0: none), built at
/// compile time from [`CP850_HIGH`] so accented letters cost one lookup.
const CP850_FROM_LATIN1: [u8; 96] = latin1_reverse(&CP850_HIGH);

// Runs at compile time only: an out-of-range index would fail the build,
// it cannot panic at run time.
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)]
const fn latin1_reverse(table: &[char; 128]) -> [u8; 96] {
    let mut out = [0u8; 96];
    let mut i = 0;
    while i < 128 {
        let code = table[i] as u32;
        if code >= 0xA0 && code <= 0xFF {
            out[(code - 0xA0) as usize] = 0x80 | i as u8;
        }
        i += 1;
    }
    out
}

/// The CP850 byte of `c` (non-ASCII).
fn cp850_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    if (0xA0..=0xFF).contains(&code) {
        let index = usize::try_from(code.saturating_sub(0xA0)).ok()?;
        CP850_FROM_LATIN1.get(index).copied().filter(|b| *b != 0)
    } else {
        position_of(&CP850_HIGH, c)
    }
}

fn position_of(table: &[char; 128], c: char) -> Option<u8> {
    table
        .iter()
        .position(|x| *x == c)
        .and_then(|i| u8::try_from(i).ok())
        .map(|i| i | 0x80)
}

/// A plain substitute for a character a code page may lack.
pub fn fallback(c: char) -> Option<&'static str> {
    Some(match c {
        '€' => "EUR",
        'œ' => "oe",
        'Œ' => "OE",
        'Ÿ' => "Y",
        'ÿ' => "y",
        'æ' => "ae",
        'Æ' => "AE",
        '’' | '‘' | '‚' | '′' => "'",
        '“' | '”' | '„' | '«' | '»' | '″' => "\"",
        '–' | '—' | '‐' | '−' => "-",
        '…' => "...",
        '\u{A0}' | '\u{202F}' | '\u{2009}' | '\t' => " ",
        '•' | '·' => "*",
        '™' => "TM",
        '×' => "x",
        '°' => "o",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: [CodePage; 4] = [
        CodePage::Pc850,
        CodePage::Cp858,
        CodePage::Wpc1252,
        CodePage::Latin9,
    ];

    #[test]
    fn every_assigned_byte_round_trips() {
        for page in PAGES {
            for b in 0x20..=0xFFu8 {
                if b == 0x7F {
                    continue;
                }
                if let Some(c) = page.decode_byte(b) {
                    if c.is_control() {
                        continue;
                    }
                    assert_eq!(
                        page.encode_char(c),
                        Some(b),
                        "{page:?} byte {b:#04x} char {c}"
                    );
                }
            }
        }
    }

    #[test]
    fn euro_per_page() {
        assert_eq!(CodePage::Cp858.encode("€"), vec![0xD5]);
        assert_eq!(CodePage::Wpc1252.encode("€"), vec![0x80]);
        assert_eq!(CodePage::Latin9.encode("€"), vec![0xA4]);
        assert_eq!(CodePage::Pc850.encode("12 €"), b"12 EUR".to_vec());
    }

    #[test]
    fn control_characters_never_pass_through() {
        for page in PAGES {
            assert_eq!(page.encode("a\u{1b}@\u{1d}V\n"), b"a?@?V?".to_vec());
        }
    }
}
