//! Property tests: layout, code pages, the encoder/decoder pair and the
//! status parser hold for any input.

use std::str::FromStr;

use pos_hw::escpos::{CodePage, decode, encode, parse_replies, text_lines};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::layout::{Laid, char_len, fit_row, layout_with, wrap};
use pos_hw::receipt::{Column, ReceiptDocument, TextSize, TextStyle, format};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Text with French letters, signs, spaces and the odd unprintable character.
fn french_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 àâçéèêëîïôöùûüÿœŒÉÀÇ€«»’…\u{1b}\t,.'-]{0,60}")
        .unwrap()
}

fn profile() -> impl Strategy<Value = PrinterProfile> {
    prop::sample::select(PrinterProfile::builtin())
}

proptest! {
    #[test]
    fn rows_are_always_exactly_the_width(
        texts in prop::collection::vec(french_text(), 1..4),
        weights in prop::collection::vec(0u8..2, 4),
        width in 1usize..60,
    ) {
        let columns: Vec<Column> = texts
            .iter()
            .zip(&weights)
            .map(|(t, w)| Column { text: t.clone(), align: pos_hw::receipt::Align::Right, weight: *w })
            .collect();
        for line in fit_row(&columns, width) {
            prop_assert_eq!(char_len(&line), width, "{:?}", line);
        }
    }

    #[test]
    fn wrap_keeps_every_word_and_the_width(text in french_text(), width in 1usize..50) {
        let lines = wrap(&text, width);
        for line in &lines {
            prop_assert!(char_len(line) <= width.max(1), "{:?}", line);
        }
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(squeeze(&lines.concat()), squeeze(&text));
    }

    #[test]
    fn encoded_text_decodes_to_the_laid_out_lines(
        texts in prop::collection::vec((french_text(), 0u8..4, any::<bool>()), 0..12),
        profile in profile(),
    ) {
        let mut doc = ReceiptDocument::new();
        for (text, size, bold) in &texts {
            let size = [TextSize::Normal, TextSize::DoubleWidth, TextSize::DoubleHeight, TextSize::Double][usize::from(*size)];
            doc.text(text, TextStyle { bold: *bold, size, align: pos_hw::receipt::Align::Center });
        }
        let bytes = encode(&doc, &profile).unwrap();
        let page = profile.code_page;
        let expected: Vec<String> = layout_with(&doc, profile.width(), |t| page.printable(t))
            .into_iter()
            .filter_map(|l| if let Laid::Line { text, .. } = l { Some(text.into_owned()) } else { None })
            .collect();
        let decoded = text_lines(&bytes);
        prop_assert_eq!(&decoded, &expected);
        for line in decoded {
            prop_assert!(char_len(&line) <= profile.width());
        }
    }

    #[test]
    fn code_pages_round_trip_their_repertoire(bytes in prop::collection::vec(0x20u8..=0xFF, 0..80)) {
        for page in [CodePage::Pc850, CodePage::Cp858, CodePage::Wpc1252, CodePage::Latin9] {
            let text: String = bytes.iter().filter_map(|b| page.decode_byte(*b)).filter(|c| !c.is_control()).collect();
            prop_assert_eq!(page.decode(&page.encode(&text)), text);
        }
    }

    #[test]
    fn status_and_decoder_are_total(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_replies(&bytes);
        if bytes.len() >= 4
            && let Ok(flags) = parse_replies(&bytes[..4])
        {
            prop_assert!(bytes[..4].iter().all(|b| b & 0x93 == 0x12));
            let _ = flags.condition();
        }
        let _ = decode(&bytes);
    }

    #[test]
    fn amounts_read_back_as_the_rounded_value(units in any::<i64>(), scale in 0u32..6, dp in 0u32..4) {
        let value = Decimal::new(units, scale);
        let text = format::amount(value, dp);
        let back = Decimal::from_str(&text.replace(' ', "").replace(',', ".")).unwrap();
        prop_assert_eq!(back, value.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
    }
}
