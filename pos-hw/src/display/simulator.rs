//! A simulated 2×20 display: decodes the command bytes back into the 40
//! characters a customer would read, so tests assert the screen itself.

use std::io::{self, Write};

use super::codepage::CodePage;
use super::encoder::{COLUMNS, ROWS};

const WIDTH: usize = COLUMNS as usize;
const CELLS: usize = WIDTH * ROWS as usize;

/// The screen and the decoder state.
#[derive(Debug, Clone)]
pub struct DisplaySimulator {
    cells: [char; CELLS],
    cursor: usize,
    code_page: CodePage,
    brightness: u8,
    pending: Vec<u8>,
    unknown_commands: usize,
}

impl Default for DisplaySimulator {
    fn default() -> Self {
        Self {
            cells: [' '; CELLS],
            cursor: 0,
            code_page: CodePage::Pc437,
            brightness: 4,
            pending: Vec::new(),
            unknown_commands: 0,
        }
    }
}

impl DisplaySimulator {
    /// A blank display with the power-on settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text of row 1 or 2 (20 characters); empty for other rows.
    pub fn line(&self, row: u8) -> String {
        let start = usize::from(row.saturating_sub(1)).saturating_mul(WIDTH);
        self.cells
            .get(start..start.saturating_add(WIDTH))
            .map(|c| c.iter().collect())
            .unwrap_or_default()
    }

    /// Both rows, joined by a newline.
    pub fn screen(&self) -> String {
        format!("{}\n{}", self.line(1), self.line(2))
    }

    /// The (row, column) of the cursor, 1-based.
    pub fn cursor(&self) -> (u8, u8) {
        let row = u8::try_from(self.cursor / WIDTH)
            .unwrap_or(0)
            .saturating_add(1);
        let column = u8::try_from(self.cursor % WIDTH)
            .unwrap_or(0)
            .saturating_add(1);
        (row, column)
    }

    /// The selected character table.
    pub fn code_page(&self) -> CodePage {
        self.code_page
    }

    /// The brightness level (1–4).
    pub fn brightness(&self) -> u8 {
        self.brightness
    }

    /// How many command bytes were not understood.
    pub fn unknown_commands(&self) -> usize {
        self.unknown_commands
    }

    fn clear(&mut self) {
        self.cells = [' '; CELLS];
        self.cursor = 0;
    }

    fn put(&mut self, c: char) {
        if let Some(cell) = self.cells.get_mut(self.cursor) {
            *cell = c;
        }
        // Overwrite mode: after the last cell of a row the cursor goes on at
        // the start of the next row, and after the last row back to the top.
        self.cursor = self.cursor.saturating_add(1) % CELLS;
    }

    /// Feeds bytes; a command cut between two calls is completed by the next.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let mut index = 0usize;
        while let Some(&b) = self.pending.get(index) {
            let rest = self.pending.get(index..).unwrap_or_default();
            let used = match (b, rest.get(1).copied()) {
                (0x1b, None) | (0x1f, None) => break,
                (0x1b, Some(b'@')) => {
                    self.clear();
                    self.code_page = CodePage::Pc437;
                    self.brightness = 4;
                    2
                }
                (0x1b, Some(b't')) => match rest.get(2) {
                    None => break,
                    Some(n) => {
                        match CodePage::from_table_number(*n) {
                            Some(page) => self.code_page = page,
                            None => self.unknown_commands = self.unknown_commands.saturating_add(1),
                        }
                        3
                    }
                },
                (0x1f, Some(b'$')) => match (rest.get(2), rest.get(3)) {
                    (Some(&x), Some(&y)) => {
                        if (1..=COLUMNS).contains(&x) && (1..=ROWS).contains(&y) {
                            self.cursor = usize::from(y.saturating_sub(1))
                                .saturating_mul(WIDTH)
                                .saturating_add(usize::from(x.saturating_sub(1)));
                        } else {
                            self.unknown_commands = self.unknown_commands.saturating_add(1);
                        }
                        4
                    }
                    _ => break,
                },
                (0x1f, Some(b'X')) => match rest.get(2) {
                    None => break,
                    Some(n) => {
                        self.brightness = (*n).clamp(1, 4);
                        3
                    }
                },
                (0x1f, Some(0x01..=0x03)) => 2,
                (0x1b | 0x1f, Some(_)) => {
                    self.unknown_commands = self.unknown_commands.saturating_add(1);
                    2
                }
                (0x0c, _) => {
                    self.clear();
                    1
                }
                (0x0b, _) => {
                    self.cursor = 0;
                    1
                }
                (0x0d, _) => {
                    self.cursor = self.cursor.saturating_sub(self.cursor % WIDTH);
                    1
                }
                (0x0a, _) => {
                    self.cursor = self.cursor.saturating_add(WIDTH) % CELLS;
                    1
                }
                (0x08, _) => {
                    self.cursor = self
                        .cursor
                        .checked_sub(1)
                        .unwrap_or(CELLS.saturating_sub(1));
                    1
                }
                (0x09, _) => {
                    self.cursor = self.cursor.saturating_add(1) % CELLS;
                    1
                }
                (0x18, _) => {
                    let start = self.cursor.saturating_sub(self.cursor % WIDTH);
                    for cell in self.cells.iter_mut().skip(start).take(WIDTH) {
                        *cell = ' ';
                    }
                    self.cursor = start;
                    1
                }
                (b, _) if b >= 0x20 => {
                    let c = self.code_page.decode_byte(b).unwrap_or('\u{fffd}');
                    self.put(c);
                    1
                }
                _ => {
                    self.unknown_commands = self.unknown_commands.saturating_add(1);
                    1
                }
            };
            index = index.saturating_add(used);
        }
        self.pending.drain(..index.min(self.pending.len()));
    }
}

impl Write for DisplaySimulator {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.feed(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::DisplayEncoder;

    #[test]
    fn screen_follows_the_commands() {
        let e = DisplayEncoder::new(CodePage::Pc858);
        let mut d = DisplaySimulator::new();
        d.feed(&e.init());
        d.feed(&e.show("Bienvenue", "Crème brûlée  4,50 €"));
        assert_eq!(d.screen(), "Bienvenue           \nCrème brûlée  4,50 €");
        d.feed(&e.write_line(1, "TOTAL").unwrap());
        assert_eq!(d.line(1), "TOTAL               ");
        d.feed(&e.clear());
        assert_eq!(
            d.screen(),
            format!("{}\n{}", " ".repeat(20), " ".repeat(20))
        );
        assert_eq!(d.unknown_commands(), 0);
    }

    #[test]
    fn wraps_and_handles_commands_cut_between_writes() {
        let mut d = DisplaySimulator::new();
        d.feed(b"\x1f$");
        d.feed(&[19, 1]);
        d.feed(b"ABCD");
        assert_eq!(d.line(1), format!("{}AB", " ".repeat(18)));
        assert_eq!(d.line(2), format!("CD{}", " ".repeat(18)));
        assert_eq!(d.cursor(), (2, 3));
        d.feed(b"\x1fX\x02\x18");
        assert_eq!((d.brightness(), d.line(2).trim().len()), (2, 0));
    }

    #[test]
    fn euro_needs_a_table_that_has_it() {
        let mut d = DisplaySimulator::new();
        d.feed(&DisplayEncoder::new(CodePage::Pc437).show("3€", ""));
        assert_eq!(d.line(1).trim_end(), "3EUR");
        d.feed(&DisplayEncoder::new(CodePage::Wpc1252).init());
        d.feed(&DisplayEncoder::new(CodePage::Wpc1252).show("3€ Œuf", ""));
        assert_eq!(d.line(1).trim_end(), "3€ Œuf");
    }
}
