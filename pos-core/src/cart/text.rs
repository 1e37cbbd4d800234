//! Free texts typed at the till (notes, discount reasons): bounded and
//! printable, because they end up on receipts and in the fiscal journal.

use crate::CoreError;

/// Longest note, per line or per ticket, in characters.
pub const MAX_NOTE_LEN: usize = 200;
/// Longest discount / override reason code or text, in characters.
pub const MAX_REASON_LEN: usize = 100;

/// Checks a text: 1 to `max` characters, no control character, not blank.
pub(crate) fn checked_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<String, CoreError> {
    let ok = !text.trim().is_empty()
        && text.chars().count() <= max
        && !text.chars().any(char::is_control);
    if ok {
        Ok(text.to_owned())
    } else {
        Err(CoreError::InvalidText { field, max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bounded_and_printable() {
        assert_eq!(
            checked_text("note", "sans gluten", 20).unwrap(),
            "sans gluten"
        );
        assert!(checked_text("note", "", 20).is_err());
        assert!(checked_text("note", "   ", 20).is_err());
        assert!(checked_text("note", "a\u{7}b", 20).is_err());
        assert!(checked_text("note", &"é".repeat(21), 20).is_err());
        assert!(checked_text("note", &"é".repeat(20), 20).is_ok());
    }
}
