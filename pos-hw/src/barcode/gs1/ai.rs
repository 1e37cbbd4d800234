//! The GS1 Application Identifiers a shop meets, with their formats from the
//! GS1 General Specifications AI table (N = digits, X = CSET 82 characters).

/// What an AI's value means, which decides how it is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiKind {
    /// N18 Serial Shipping Container Code with check digit.
    Sscc,
    /// N14 GTIN with check digit.
    Gtin,
    /// N13 Global Location Number with check digit.
    Gln,
    /// YYMMDD date.
    Date,
    /// Count of units.
    Count,
    /// Digits without further meaning (variant, ISO country, price per unit).
    Number,
    /// CSET 82 text (batch, serial, order numbers...).
    Text,
    /// Net or gross weight in kilograms, 4th AI digit = decimals.
    WeightKg,
    /// Net weight in pounds, 4th AI digit = decimals.
    WeightLb,
    /// Amount payable in the local currency, 4th AI digit = decimals.
    Amount,
    /// ISO 4217 numeric currency (3 digits) then amount; 4th digit = decimals.
    AmountWithCurrency,
}

/// One row of the AI table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiSpec {
    /// The AI digits; for decimal families ("310") the 4th digit follows.
    pub code: &'static str,
    /// How the AI is written in the specification ("310n").
    pub name: &'static str,
    /// GS1 data title.
    pub title: &'static str,
    /// Meaning of the value.
    pub kind: AiKind,
    /// True for N (digits only), false for X (CSET 82).
    pub numeric: bool,
    /// Minimum value length.
    pub min: u8,
    /// Maximum value length; equal to `min` for fixed-length AIs.
    pub max: u8,
    /// For decimal families, the largest allowed 4th digit.
    pub max_decimals: Option<u8>,
}

impl AiSpec {
    /// Length of the AI itself in the element string.
    pub fn ai_len(&self) -> usize {
        self.code
            .len()
            .saturating_add(usize::from(self.max_decimals.is_some()))
    }

    /// True when the value has one fixed length.
    pub fn is_fixed(&self) -> bool {
        self.min == self.max
    }
}

#[allow(clippy::too_many_arguments)] // one row of the table, read positionally
const fn spec(
    code: &'static str,
    name: &'static str,
    title: &'static str,
    kind: AiKind,
    numeric: bool,
    min: u8,
    max: u8,
    max_decimals: Option<u8>,
) -> AiSpec {
    AiSpec {
        code,
        name,
        title,
        kind,
        numeric,
        min,
        max,
        max_decimals,
    }
}

use AiKind::*;

/// The table, in AI order.
pub static AI_TABLE: &[AiSpec] = &[
    spec("00", "00", "SSCC", Sscc, true, 18, 18, None),
    spec("01", "01", "GTIN", Gtin, true, 14, 14, None),
    spec("02", "02", "CONTENT", Gtin, true, 14, 14, None),
    spec("10", "10", "BATCH/LOT", Text, false, 1, 20, None),
    spec("11", "11", "PROD DATE", Date, true, 6, 6, None),
    spec("12", "12", "DUE DATE", Date, true, 6, 6, None),
    spec("13", "13", "PACK DATE", Date, true, 6, 6, None),
    spec("15", "15", "BEST BEFORE or BEST BY", Date, true, 6, 6, None),
    spec("16", "16", "SELL BY", Date, true, 6, 6, None),
    spec("17", "17", "USE BY OR EXPIRY", Date, true, 6, 6, None),
    spec("20", "20", "VARIANT", Number, true, 2, 2, None),
    spec("21", "21", "SERIAL", Text, false, 1, 20, None),
    spec("22", "22", "CPV", Text, false, 1, 20, None),
    spec("240", "240", "ADDITIONAL ID", Text, false, 1, 30, None),
    spec("241", "241", "CUST. PART No.", Text, false, 1, 30, None),
    spec("250", "250", "SECONDARY SERIAL", Text, false, 1, 30, None),
    spec("251", "251", "REF. TO SOURCE", Text, false, 1, 30, None),
    spec("30", "30", "VAR. COUNT", Count, true, 1, 8, None),
    spec(
        "310",
        "310n",
        "NET WEIGHT (kg)",
        WeightKg,
        true,
        6,
        6,
        Some(5),
    ),
    spec(
        "320",
        "320n",
        "NET WEIGHT (lb)",
        WeightLb,
        true,
        6,
        6,
        Some(5),
    ),
    spec(
        "330",
        "330n",
        "GROSS WEIGHT (kg)",
        WeightKg,
        true,
        6,
        6,
        Some(5),
    ),
    spec("37", "37", "COUNT", Count, true, 1, 8, None),
    spec("392", "392n", "PRICE", Amount, true, 1, 15, Some(9)),
    spec(
        "393",
        "393n",
        "PRICE",
        AmountWithCurrency,
        true,
        4,
        18,
        Some(9),
    ),
    spec("400", "400", "ORDER NUMBER", Text, false, 1, 30, None),
    spec("410", "410", "SHIP TO LOC", Gln, true, 13, 13, None),
    spec("411", "411", "BILL TO", Gln, true, 13, 13, None),
    spec("412", "412", "PURCHASE FROM", Gln, true, 13, 13, None),
    spec("413", "413", "SHIP FOR LOC", Gln, true, 13, 13, None),
    spec("414", "414", "LOC No.", Gln, true, 13, 13, None),
    spec("415", "415", "PAY TO", Gln, true, 13, 13, None),
    spec("422", "422", "ORIGIN", Number, true, 3, 3, None),
    spec("8005", "8005", "PRICE PER UNIT", Number, true, 6, 6, None),
    spec("8200", "8200", "PRODUCT URL", Text, false, 1, 70, None),
];

/// Finds the AI at the start of `data`: its table row. The table is sorted,
/// so a binary search on the first two digits finds the candidates.
pub fn lookup(data: &[u8]) -> Option<&'static AiSpec> {
    let key = |bytes: &[u8]| match bytes {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    };
    let prefix = match data {
        [_, _, ..] => key(data),
        _ => return None,
    };
    let start = AI_TABLE.partition_point(|spec| key(spec.code.as_bytes()) < prefix);
    AI_TABLE
        .get(start..)?
        .iter()
        .take_while(|spec| key(spec.code.as_bytes()) == prefix)
        .find(|spec| {
            let code = spec.code.as_bytes();
            data.starts_with(code)
                && (spec.max_decimals.is_none()
                    || data.get(code.len()).is_some_and(|b| b.is_ascii_digit()))
        })
}

/// True for bytes of GS1 AI encodable character set 82.
pub fn is_cset82(byte: u8) -> bool {
    matches!(byte,
        b'!' | b'"' | b'%'..=b'/' | b'0'..=b'9' | b':'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

/// Alphabetic code of a few ISO 4217 numeric currency codes a French shop meets.
pub fn currency_alpha(numeric: &str) -> Option<&'static str> {
    Some(match numeric {
        "978" => "EUR",
        "840" => "USD",
        "826" => "GBP",
        "756" => "CHF",
        "124" => "CAD",
        "392" => "JPY",
        "752" => "SEK",
        "578" => "NOK",
        "208" => "DKK",
        "985" => "PLN",
        "953" => "XPF",
        "504" => "MAD",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_two_three_and_four_digit_ais() {
        assert_eq!(lookup(b"0109506000134352").map(|s| s.name), Some("01"));
        assert_eq!(
            lookup(b"3103000750").map(|s| (s.name, s.ai_len())),
            Some(("310n", 4))
        );
        assert_eq!(lookup(b"8005000150").map(|s| s.name), Some("8005"));
        assert_eq!(lookup(b"99123"), None);
        assert_eq!(lookup(b"310"), None);
    }

    #[test]
    fn table_is_sorted_prefix_free_and_consistent() {
        assert!(AI_TABLE.windows(2).all(|w| w[0].code < w[1].code));
        for a in AI_TABLE {
            assert!(a.min <= a.max, "{}", a.name);
            for b in AI_TABLE {
                if a.name != b.name {
                    assert!(
                        !b.code.starts_with(a.code),
                        "{} prefixes {}",
                        a.name,
                        b.name
                    );
                }
            }
        }
    }

    #[test]
    fn cset82_membership() {
        assert!(is_cset82(b'A') && is_cset82(b'z') && is_cset82(b'/') && is_cset82(b'_'));
        assert!(!is_cset82(b' ') && !is_cset82(b'#') && !is_cset82(b'$') && !is_cset82(0x1d));
    }
}
