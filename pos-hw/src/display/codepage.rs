//! Character tables of 2×20 customer displays: ASCII plus the French letters,
//! `£`, `°` and (where the table has it) `€`. Characters a table lacks are
//! written as their closest ASCII (`É` → `E`, `€` → `EUR`, `œ` → `oe`).

use serde::{Deserialize, Serialize};

/// A display character table, selected with `ESC t n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePage {
    /// PC437 (USA), the power-on default: lower-case accents only, no `€`.
    #[default]
    Pc437,
    /// PC858 (PC850 with `€` at 0xD5): all French letters except `œ`.
    Pc858,
    /// Windows-1252: all French letters and `€` at 0x80.
    Wpc1252,
}

impl CodePage {
    /// The `n` of `ESC t n` (Epson numbering).
    pub fn table_number(self) -> u8 {
        match self {
            Self::Pc437 => 0,
            Self::Pc858 => 19,
            Self::Wpc1252 => 16,
        }
    }

    /// The table for an `ESC t n` number, if supported.
    pub fn from_table_number(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::Pc437),
            19 => Some(Self::Pc858),
            16 => Some(Self::Wpc1252),
            _ => None,
        }
    }

    fn column(self, row: &(char, u8, u8, u8)) -> u8 {
        match self {
            Self::Pc437 => row.1,
            Self::Pc858 => row.2,
            Self::Wpc1252 => row.3,
        }
    }

    /// The byte for `c` in this table, if it has one.
    pub fn encode_char(self, c: char) -> Option<u8> {
        if (' '..='~').contains(&c) {
            return u8::try_from(c).ok();
        }
        TABLE
            .iter()
            .find(|row| row.0 == c)
            .map(|row| self.column(row))
            .filter(|b| *b != 0)
    }

    /// The character a display shows for byte `b` (`None`: not a glyph we know).
    pub fn decode_byte(self, b: u8) -> Option<char> {
        if (0x20..0x7f).contains(&b) {
            return Some(char::from(b));
        }
        TABLE
            .iter()
            .find(|row| self.column(row) == b && b != 0)
            .map(|row| row.0)
    }

    /// Appends `c` as bytes, with an ASCII fallback for missing characters.
    pub fn encode_into(self, c: char, out: &mut Vec<u8>) {
        if let Some(b) = self.encode_char(c) {
            out.push(b);
            return;
        }
        out.extend_from_slice(fallback(c).as_bytes());
    }
}

/// (character, PC437, PC858, WPC1252); 0 = absent.
const TABLE: &[(char, u8, u8, u8)] = &[
    ('é', 0x82, 0x82, 0xE9),
    ('è', 0x8A, 0x8A, 0xE8),
    ('ê', 0x88, 0x88, 0xEA),
    ('ë', 0x89, 0x89, 0xEB),
    ('à', 0x85, 0x85, 0xE0),
    ('â', 0x83, 0x83, 0xE2),
    ('ä', 0x84, 0x84, 0xE4),
    ('ç', 0x87, 0x87, 0xE7),
    ('ù', 0x97, 0x97, 0xF9),
    ('û', 0x96, 0x96, 0xFB),
    ('ü', 0x81, 0x81, 0xFC),
    ('ô', 0x93, 0x93, 0xF4),
    ('ö', 0x94, 0x94, 0xF6),
    ('î', 0x8C, 0x8C, 0xEE),
    ('ï', 0x8B, 0x8B, 0xEF),
    ('É', 0x90, 0x90, 0xC9),
    ('È', 0, 0xD4, 0xC8),
    ('Ê', 0, 0xD2, 0xCA),
    ('Ë', 0, 0xD3, 0xCB),
    ('À', 0, 0xB7, 0xC0),
    ('Â', 0, 0xB6, 0xC2),
    ('Ç', 0x80, 0x80, 0xC7),
    ('Ù', 0, 0xEB, 0xD9),
    ('Û', 0, 0xEA, 0xDB),
    ('Ô', 0, 0xE2, 0xD4),
    ('Î', 0, 0xD7, 0xCE),
    ('Ï', 0, 0xD8, 0xCF),
    ('€', 0, 0xD5, 0x80),
    ('£', 0x9C, 0x9C, 0xA3),
    ('œ', 0, 0, 0x9C),
    ('Œ', 0, 0, 0x8C),
    ('°', 0xF8, 0xF8, 0xB0),
];

fn fallback(c: char) -> &'static str {
    match c {
        'é' | 'è' | 'ê' | 'ë' => "e",
        'à' | 'â' | 'ä' => "a",
        'ç' => "c",
        'ù' | 'û' | 'ü' => "u",
        'ô' | 'ö' => "o",
        'î' | 'ï' => "i",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'À' | 'Â' | 'Ä' => "A",
        'Ç' => "C",
        'Ù' | 'Û' | 'Ü' => "U",
        'Ô' | 'Ö' => "O",
        'Î' | 'Ï' => "I",
        '€' => "EUR",
        'œ' => "oe",
        'Œ' => "OE",
        '\u{a0}' | '\u{202f}' => " ",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_and_accents_per_table() {
        // Values checked against Python's cp437 / cp858 / cp1252 codecs.
        assert_eq!(CodePage::Pc858.encode_char('€'), Some(0xD5));
        assert_eq!(CodePage::Wpc1252.encode_char('€'), Some(0x80));
        assert_eq!(CodePage::Pc437.encode_char('€'), None);
        assert_eq!(CodePage::Pc858.encode_char('È'), Some(0xD4));
        assert_eq!(CodePage::Pc437.encode_char('é'), Some(0x82));
        for page in [CodePage::Pc437, CodePage::Pc858, CodePage::Wpc1252] {
            for row in TABLE {
                if let Some(b) = page.encode_char(row.0) {
                    assert_eq!(page.decode_byte(b), Some(row.0));
                }
            }
        }
    }

    #[test]
    fn missing_characters_fall_back_to_ascii() {
        let mut out = Vec::new();
        for c in "Œuf 3€".chars() {
            CodePage::Pc437.encode_into(c, &mut out);
        }
        assert_eq!(out, b"OEuf 3EUR");
    }
}
