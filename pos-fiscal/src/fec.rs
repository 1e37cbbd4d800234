//! FEC export ("fichier des écritures comptables", LPF A47 A-1), pure.
//!
//! Decisions: separator `|`; lines end with CR LF; encoding ISO-8859-15
//! (characters outside it become `?`); amounts with a comma decimal
//! separator, no grouping, always positive (a negative amount moves to the
//! other column); the unused amount column holds `0,00`; file name
//! `<SIREN>FEC<AAAAMMJJ>.txt` where the date is the last closed day
//! exported. One balanced entry per daily closure: debit 530000 (cash) and
//! 5112xx (card, cheque...) per payment method, credit 7071RRRR (sales, per
//! VAT rate in basis points) and 44571RRRR (VAT collected, per rate).

use crate::error::{FiscalError, Result};
use crate::payload::{ClosureLevel, ClosurePayload};

/// The 18 FEC columns, in order.
pub const COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// One FEC line.
pub type FecLine = [String; 18];

/// Formats cents as `1234,56` (no sign: callers pass magnitudes).
pub fn amount(cents: i64) -> String {
    let a = cents.unsigned_abs();
    format!("{},{:02}", a / 100, a % 100)
}

fn rate_label(bps: u32) -> String {
    format!("{},{:02}%", bps / 100, bps % 100)
}

fn payment_account(method: &str) -> (&'static str, &'static str) {
    match method {
        "cash" => ("530000", "Caisse"),
        "card" => ("511200", "Cartes bancaires a encaisser"),
        "cheque" => ("511100", "Cheques a encaisser"),
        "voucher" => ("511300", "Titres-restaurant a encaisser"),
        "stored_value" => ("511400", "Cartes cadeaux"),
        _ => ("511900", "Autres moyens de paiement"),
    }
}

/// Builds the lines for the daily closures given as `(Z number, payload)`.
/// Refuses non-daily closures and any entry whose debits and credits differ.
pub fn lines(register: &str, closures: &[(u64, ClosurePayload)]) -> Result<Vec<FecLine>> {
    let mut out = Vec::new();
    for (i, (z, c)) in closures.iter().enumerate() {
        if c.level != ClosureLevel::Day {
            return Err(FiscalError::InvalidExport {
                rule: "FEC entries come from daily closures",
            });
        }
        let date = c.period.replace('-', "");
        let num = i
            .checked_add(1)
            .ok_or(FiscalError::Overflow {
                what: "entry number",
            })?
            .to_string();
        let lib = format!("Z{z} caisse {register} {}", c.period);
        let mut entry: Vec<(String, String, i64)> = Vec::new(); // account, label, signed debit
        for (m, a) in &c.payments {
            let (acc, l) = payment_account(m);
            entry.push((acc.to_string(), l.to_string(), *a));
        }
        for (rate, v) in c.vat.iter().rev() {
            let neg = |x: i64| {
                x.checked_neg()
                    .ok_or(FiscalError::Overflow { what: "FEC amount" })
            };
            entry.push((
                format!("7071{rate:04}"),
                format!("Ventes TVA {}", rate_label(*rate)),
                neg(v.net)?,
            ));
            entry.push((
                format!("44571{rate:04}"),
                format!("TVA collectee {}", rate_label(*rate)),
                neg(v.vat)?,
            ));
        }
        let balance = entry.iter().try_fold(0i64, |s, e| s.checked_add(e.2));
        if balance != Some(0) {
            return Err(FiscalError::Invariant {
                invariant: "a FEC entry balances",
            });
        }
        for (acc, label, signed) in entry {
            if signed == 0 {
                continue;
            }
            let (debit, credit) = if signed > 0 {
                (amount(signed), amount(0))
            } else {
                (amount(0), amount(signed))
            };
            out.push([
                "VT".into(),
                "Ventes".into(),
                num.clone(),
                date.clone(),
                acc,
                label,
                String::new(),
                String::new(),
                format!("Z{z}"),
                date.clone(),
                lib.clone(),
                debit,
                credit,
                String::new(),
                String::new(),
                date.clone(),
                String::new(),
                String::new(),
            ]);
        }
    }
    Ok(out)
}

/// Encodes text as ISO-8859-15 (`?` for characters it lacks).
pub fn to_latin9(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '€' => 0xA4,
            'Š' => 0xA6,
            'š' => 0xA8,
            'Ž' => 0xB4,
            'ž' => 0xB8,
            'Œ' => 0xBC,
            'œ' => 0xBD,
            'Ÿ' => 0xBE,
            '\u{A4}' | '\u{A6}' | '\u{A8}' | '\u{B4}' | '\u{B8}' | '\u{BC}' | '\u{BD}'
            | '\u{BE}' => b'?',
            c => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        })
        .collect()
}

/// The FEC file: `(file name, bytes)`. `siren` must be 9 digits.
pub fn file(
    siren: &str,
    register: &str,
    closures: &[(u64, ClosurePayload)],
) -> Result<(String, Vec<u8>)> {
    if siren.len() != 9 || !siren.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FiscalError::InvalidExport {
            rule: "SIREN is 9 digits",
        });
    }
    let last = closures
        .iter()
        .map(|(_, c)| c.period.replace('-', ""))
        .max()
        .ok_or(FiscalError::InvalidExport {
            rule: "no daily closure to export",
        })?;
    let mut text = COLUMNS.join("|");
    text.push_str("\r\n");
    for l in lines(register, closures)? {
        if l.iter().any(|f| f.contains('|') || f.contains('\n')) {
            return Err(FiscalError::InvalidExport {
                rule: "a field contains the separator",
            });
        }
        text.push_str(&l.join("|"));
        text.push_str("\r\n");
    }
    Ok((format!("{siren}FEC{last}.txt"), to_latin9(&text)))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_a_comma_and_no_grouping() {
        assert_eq!(amount(123456), "1234,56");
        assert_eq!(amount(-5), "0,05");
        assert_eq!(amount(0), "0,00");
    }

    #[test]
    fn latin9_has_the_euro_sign() {
        assert_eq!(to_latin9("é€œ✓"), vec![0xE9, 0xA4, 0xBD, b'?']);
    }
}
