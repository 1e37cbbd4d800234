//! Fitting a document to a line width in characters.
//!
//! Every renderer (ESC/POS, text, HTML, image) lays the document out the same
//! way, so a preview shows the very lines the printer prints: text is wrapped
//! at word boundaries, rows of columns are fitted and padded to the width, a
//! long label wraps under itself instead of being cut.

use std::borrow::Cow;

use super::document::{
    Align, BarcodeKind, Bitmap, Block, Column, CutKind, DrawerPin, QrLevel, ReceiptDocument,
    TextSize,
};

/// One laid-out element, ready for a renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Laid<'a> {
    /// A line of text, not padded: `text` fits in `width / size.width_factor()`.
    Line {
        /// The characters of the line (no trailing spaces); borrowed from
        /// the document when it needed no change.
        text: Cow<'a, str>,
        /// Alignment on the paper.
        align: Align,
        /// Bold.
        bold: bool,
        /// Magnification.
        size: TextSize,
    },
    /// Empty lines.
    Feed(u8),
    /// A centred logo.
    Logo(&'a Bitmap),
    /// A centred QR code.
    Qr {
        /// Payload.
        data: &'a str,
        /// Module size in dots.
        module_size: u8,
        /// Error correction.
        level: QrLevel,
    },
    /// A centred barcode.
    Barcode {
        /// Symbology.
        kind: BarcodeKind,
        /// Data.
        data: &'a str,
    },
    /// A paper cut.
    Cut(CutKind),
    /// A drawer pulse.
    Drawer {
        /// Pin.
        pin: DrawerPin,
        /// On time (ms).
        on_ms: u16,
        /// Off time (ms).
        off_ms: u16,
    },
}

/// Lays `doc` out for lines of `width` normal-size characters.
pub fn layout(doc: &ReceiptDocument, width: usize) -> Vec<Laid<'_>> {
    layout_with(doc, width, |t| Cow::Borrowed(t))
}

/// Lays `doc` out after passing every text through `normalize` (a code
/// page's substitutions, which may change a text's length: `Œ` → `OE`).
pub fn layout_with<'a>(
    doc: &'a ReceiptDocument,
    width: usize,
    normalize: impl for<'t> Fn(&'t str) -> Cow<'t, str>,
) -> Vec<Laid<'a>> {
    let width = width.max(1);
    let mut out = Vec::with_capacity(doc.blocks.len().saturating_add(8));
    for block in &doc.blocks {
        match block {
            Block::Text { text, style } => {
                let chars = width
                    .checked_div(style.size.width_factor())
                    .unwrap_or(width)
                    .max(1);
                let text = normalize(text);
                if fits_as_is(&text, chars) {
                    out.push(Laid::Line {
                        text,
                        align: style.align,
                        bold: style.bold,
                        size: style.size,
                    });
                    continue;
                }
                for piece in wrap(&text, chars) {
                    out.push(Laid::Line {
                        text: Cow::Owned(piece),
                        align: style.align,
                        bold: style.bold,
                        size: style.size,
                    });
                }
            }
            Block::Row {
                columns,
                bold,
                size,
            } => {
                let chars = width
                    .checked_div(size.width_factor())
                    .unwrap_or(width)
                    .max(1);
                let texts: Vec<Cow<'_, str>> = columns.iter().map(|c| normalize(&c.text)).collect();
                let cells: Vec<Cell<'_>> = columns
                    .iter()
                    .zip(&texts)
                    .map(|(c, t)| Cell {
                        text: t,
                        align: c.align,
                        weight: c.weight,
                    })
                    .collect();
                for mut line in fit_cells(&cells, chars) {
                    line.truncate(line.trim_end().len());
                    out.push(Laid::Line {
                        text: Cow::Owned(line),
                        align: Align::Left,
                        bold: *bold,
                        size: *size,
                    });
                }
            }
            Block::Separator { ch } => {
                let line: String = std::iter::repeat_n(*ch, width).collect();
                out.push(Laid::Line {
                    text: Cow::Owned(line),
                    align: Align::Left,
                    bold: false,
                    size: TextSize::Normal,
                });
            }
            Block::Feed { lines } => out.push(Laid::Feed(*lines)),
            Block::Logo { bitmap } => out.push(Laid::Logo(bitmap)),
            Block::Qr {
                data,
                module_size,
                level,
            } => {
                out.push(Laid::Qr {
                    data,
                    module_size: *module_size,
                    level: *level,
                });
            }
            Block::Barcode { kind, data } => out.push(Laid::Barcode { kind: *kind, data }),
            Block::Cut { kind } => out.push(Laid::Cut(*kind)),
            Block::DrawerPulse { pin, on_ms, off_ms } => {
                out.push(Laid::Drawer {
                    pin: *pin,
                    on_ms: *on_ms,
                    off_ms: *off_ms,
                });
            }
        }
    }
    out
}

/// Whether `text` is already what [`wrap`] would make of it: one line of at
/// most `width` characters, single spaces between words, none at the end.
fn fits_as_is(text: &str, width: usize) -> bool {
    let mut count = 0usize;
    let mut prev_space = false;
    let mut in_indent = true;
    for c in text.chars() {
        count = count.saturating_add(1);
        if c == ' ' {
            if prev_space && !in_indent {
                return false;
            }
            prev_space = true;
        } else if c.is_whitespace() {
            return false;
        } else {
            prev_space = false;
            in_indent = false;
        }
    }
    count <= width && (!prev_space || in_indent) && (!in_indent || count == 0)
}

/// Appends `text` padded (or cut) to exactly `width` characters.
fn push_padded(out: &mut String, text: &str, width: usize, align: Align) {
    let len = char_len(text);
    if len >= width {
        out.extend(text.chars().take(width));
        return;
    }
    let free = width.saturating_sub(len);
    let (left, right) = match align {
        Align::Left => (0, free),
        Align::Right => (free, 0),
        Align::Center => (free / 2, free.saturating_sub(free / 2)),
    };
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', right));
}

/// Number of characters (Unicode scalar values) in `s`.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Wraps `text` into lines of at most `width` characters, breaking at spaces
/// and cutting words longer than a line. An empty text gives one empty line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    // Leading spaces are an indent: kept on every line of the paragraph.
    let indent_len = text.chars().take_while(|c| *c == ' ').count();
    if indent_len > 0 && indent_len < width {
        let indent = " ".repeat(indent_len);
        return wrap_words(text, width.saturating_sub(indent_len))
            .into_iter()
            .map(|l| format!("{indent}{l}"))
            .collect();
    }
    wrap_words(text, width)
}

/// The words of `text`, a French high punctuation mark (`!`, `?`, `:`, `;`,
/// `»`) kept with the word before it so it never starts a line alone.
fn glue_punctuation(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let is_mark = word
            .chars()
            .all(|c| matches!(c, '!' | '?' | ':' | ';' | '»'));
        match words.last_mut() {
            Some(last) if is_mark => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    words
}

fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_len = 0usize;
    for word in glue_punctuation(text) {
        let mut word_chars: Vec<char> = word.chars().collect();
        loop {
            let word_len = word_chars.len();
            let needed = if current_len == 0 {
                word_len
            } else {
                current_len.saturating_add(1).saturating_add(word_len)
            };
            if needed <= width {
                if current_len > 0 {
                    current.push(' ');
                }
                current.extend(word_chars.iter());
                current_len = needed;
                break;
            }
            if current_len > 0 {
                lines.push(std::mem::take(&mut current));
                current_len = 0;
                continue;
            }
            // A word longer than the line: cut it.
            let rest = word_chars.split_off(width.min(word_chars.len()));
            lines.push(word_chars.iter().collect());
            word_chars = rest;
            if word_chars.is_empty() {
                break;
            }
        }
    }
    if current_len > 0 || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Pads (or cuts) `text` to exactly `width` characters with the alignment.
pub fn pad(text: &str, width: usize, align: Align) -> String {
    let mut out = String::with_capacity(width.saturating_add(4));
    push_padded(&mut out, text, width, align);
    out
}

/// Fits a row of columns to `width` characters; returns one or more lines of
/// exactly `width` characters. Columns with weight > 0 are as wide as their
/// text; the others share what is left and wrap onto further lines.
pub fn fit_row(columns: &[Column], width: usize) -> Vec<String> {
    let cells: Vec<Cell<'_>> = columns
        .iter()
        .map(|c| Cell {
            text: &c.text,
            align: c.align,
            weight: c.weight,
        })
        .collect();
    fit_cells(&cells, width)
}

/// A column's text, borrowed, with its alignment and weight.
#[derive(Debug, Clone, Copy)]
struct Cell<'a> {
    text: &'a str,
    align: Align,
    weight: u8,
}

fn fit_cells(columns: &[Cell<'_>], width: usize) -> Vec<String> {
    let width = width.max(1);
    if columns.is_empty() {
        return vec![pad("", width, Align::Left)];
    }
    let gaps = columns.len().saturating_sub(1);
    let fixed: usize = columns
        .iter()
        .filter(|c| c.weight > 0)
        .map(|c| char_len(c.text))
        .fold(0, usize::saturating_add);
    let flexible = columns.iter().filter(|c| c.weight == 0).count();
    let mut widths: Vec<usize> = Vec::with_capacity(columns.len());
    let room = width.saturating_sub(gaps).saturating_sub(fixed);
    if flexible > 0 && room >= flexible.saturating_mul(4).min(width / 2) && room > 0 {
        let share = room.checked_div(flexible).unwrap_or(room);
        let mut extra = room.saturating_sub(share.saturating_mul(flexible));
        for c in columns {
            if c.weight > 0 {
                widths.push(char_len(c.text));
            } else {
                let w = if extra > 0 {
                    share.saturating_add(1)
                } else {
                    share
                };
                extra = extra.saturating_sub(1);
                widths.push(w);
            }
        }
    } else if flexible == 0 && fixed.saturating_add(gaps) <= width {
        // Only fixed columns: the slack goes before the first right-aligned one.
        let slack = width.saturating_sub(gaps).saturating_sub(fixed);
        let mut given = false;
        for c in columns {
            let mut w = char_len(c.text);
            if !given && c.align != Align::Left {
                w = w.saturating_add(slack);
                given = true;
            }
            widths.push(w);
        }
        if !given && let Some(last) = widths.last_mut() {
            *last = last.saturating_add(slack);
        }
    } else {
        // Too narrow: equal shares, text is cut.
        let share = width
            .saturating_sub(gaps)
            .checked_div(columns.len())
            .unwrap_or(width)
            .max(1);
        widths = vec![share; columns.len()];
    }
    // Common case: every cell fits on one line, compose it directly.
    if columns
        .iter()
        .zip(&widths)
        .all(|(c, &w)| char_len(c.text) <= w && (c.weight > 0 || fits_as_is(c.text, w)))
    {
        let mut line = String::with_capacity(width.saturating_add(8));
        for (i, (c, &w)) in columns.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push(' ');
            }
            push_padded(&mut line, c.text, w, c.align);
        }
        let used = char_len(&line);
        line.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
        if used > width {
            line = line.chars().take(width).collect();
        }
        return vec![line];
    }
    let wrapped: Vec<Vec<String>> = columns
        .iter()
        .zip(&widths)
        .map(|(c, &w)| {
            if c.weight == 0 {
                wrap(c.text, w)
            } else {
                vec![c.text.to_owned()]
            }
        })
        .collect();
    let rows = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    let mut lines = Vec::with_capacity(rows);
    for r in 0..rows {
        let mut line = String::with_capacity(width.saturating_add(8));
        for (i, ((c, &w), cell)) in columns.iter().zip(&widths).zip(&wrapped).enumerate() {
            if i > 0 {
                line.push(' ');
            }
            let text = cell.get(r).map(String::as_str).unwrap_or("");
            push_padded(&mut line, text, w, c.align);
        }
        lines.push(pad(&line, width, Align::Left));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("un deux trois", 7), vec!["un deux", "trois"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("été à", 3), vec!["été", "à"]);
        assert_eq!(wrap("  1 x 2,50", 6), vec!["  1 x", "  2,50"]);
        assert_eq!(wrap("à bientôt !", 9), vec!["à", "bientôt !"]);
    }

    #[test]
    fn fits_as_is_matches_wrap() {
        for (text, width) in [
            ("a b", 3),
            ("a  b", 9),
            ("a b ", 9),
            ("  a", 9),
            ("   ", 9),
            ("", 3),
            ("abcd", 3),
            ("a\tb", 9),
        ] {
            if fits_as_is(text, width) {
                assert_eq!(wrap(text, width), vec![text.to_owned()], "{text:?}");
            }
        }
        assert!(fits_as_is("  2 x 3,50 €", 32));
        assert!(!fits_as_is("a  b", 9));
    }

    #[test]
    fn pad_aligns_by_characters_not_bytes() {
        assert_eq!(pad("é", 3, Align::Right), "  é");
        assert_eq!(pad("ab", 5, Align::Center), " ab  ");
        assert_eq!(pad("abcdef", 3, Align::Left), "abc");
    }

    #[test]
    fn row_puts_amount_flush_right() {
        let lines = fit_row(&[Column::fill("Café crème"), Column::right("2,50")], 20);
        assert_eq!(lines, vec!["Café crème      2,50"]);
    }

    #[test]
    fn row_wraps_a_long_label_under_itself() {
        let lines = fit_row(
            &[
                Column::fill("Pain de campagne aux céréales"),
                Column::right("12,90"),
            ],
            22,
        );
        assert_eq!(
            lines,
            vec![
                "Pain de campagne 12,90".to_owned(),
                pad("aux céréales", 22, Align::Left)
            ]
        );
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| char_len(l) == 22));
        assert!(lines[0].ends_with("12,90"));
        assert!(lines[1].starts_with("aux céréales"));
    }

    #[test]
    fn three_fixed_columns_fill_the_width() {
        let cols = [
            Column {
                text: "20,00%".into(),
                align: Align::Left,
                weight: 1,
            },
            Column::right("10,00"),
            Column::right("2,00"),
        ];
        let lines = fit_row(&cols, 32);
        assert_eq!(lines.len(), 1);
        assert_eq!(char_len(&lines[0]), 32);
        assert!(lines[0].starts_with("20,00%"));
        assert!(lines[0].ends_with("10,00 2,00"));
    }
}
