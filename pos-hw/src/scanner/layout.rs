//! Keyboard layouts: a wedge scanner types key *positions* for a US QWERTY
//! keyboard; on a French AZERTY computer those come out as other characters
//! (the unshifted digit row gives `&é"'(-è_çà`). This maps them back.

use serde::{Deserialize, Serialize};

/// The keyboard layout the operating system applies to the scanner's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyboardLayout {
    /// US QWERTY: characters arrive as the scanner meant them.
    #[default]
    Qwerty,
    /// French AZERTY with a scanner set to QWERTY: map back.
    Azerty,
}

impl KeyboardLayout {
    /// The character the scanner meant when the OS produced `c`.
    pub fn to_scanner_char(self, c: char) -> char {
        match self {
            Self::Qwerty => c,
            Self::Azerty => match c {
                '&' => '1',
                'é' => '2',
                '"' => '3',
                '\'' => '4',
                '(' => '5',
                '-' => '6',
                'è' => '7',
                '_' => '8',
                'ç' => '9',
                'à' => '0',
                // AZERTY swaps A/Q and Z/W and moves M.
                'a' => 'q',
                'q' => 'a',
                'z' => 'w',
                'w' => 'z',
                'A' => 'Q',
                'Q' => 'A',
                'Z' => 'W',
                'W' => 'Z',
                ',' => 'm',
                '?' => 'M',
                'm' => ';',
                'M' => ':',
                other => other,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azerty_digit_row_maps_back_to_digits() {
        let typed: String = "&é\"'(-è_çà"
            .chars()
            .map(|c| KeyboardLayout::Azerty.to_scanner_char(c))
            .collect();
        assert_eq!(typed, "1234567890");
        assert_eq!(KeyboardLayout::Qwerty.to_scanner_char('é'), 'é');
        assert_eq!(KeyboardLayout::Azerty.to_scanner_char('Q'), 'A');
        assert_eq!(KeyboardLayout::Azerty.to_scanner_char('5'), '5');
    }
}
