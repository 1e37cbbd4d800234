//! Finding a customer at the till from what the customer says or shows: a
//! name, a phone number, an e-mail address or the loyalty card (the
//! customer's pseudonymous id, printed as the card's code).
//!
//! Both sides are normalised the same way, so the cashier may type
//! `06 12 34 56 78` for a customer recorded as `+33612345678`,
//! `Jeanne.Dupont@Example.org` for `jeanne.dupont@example.org`, or `helene`
//! for `Hélène`. An erased customer (RGPD) is never found, whatever is
//! typed: no query matches a customer without personal data, not even the
//! card code.
//!
//! ```
//! use pos_core::customer::CustomerQuery;
//! let q = CustomerQuery::parse("06 12 34 56 78").unwrap();
//! assert_eq!(q, CustomerQuery::Phone("+33612345678".into()));
//! ```

use super::Customer;
use crate::error::CoreError;

/// The longest query accepted, in characters.
pub const MAX_QUERY: usize = 128;

/// What the cashier typed, classified and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomerQuery {
    /// An e-mail address, lower-cased.
    Email(String),
    /// A phone number in E.164 form (`+` and digits; a French national
    /// number `0X XX XX XX XX` becomes `+33X...`, `00` becomes `+`).
    Phone(String),
    /// A loyalty card: the customer's id, exactly.
    Card(String),
    /// Name words, lower-cased and without accents; every word must start
    /// a word of the customer's given or family name.
    Name(Vec<String>),
}

fn refused() -> CoreError {
    CoreError::InvalidText {
        field: "customer search",
        max: MAX_QUERY,
    }
}

impl CustomerQuery {
    /// Classifies and normalises `input`: an `@` makes an e-mail address,
    /// 6 to 15 digits (with spaces, dots, dashes or brackets) a phone
    /// number, a single word holding a digit a card code, anything else
    /// name words. Empty, over [`MAX_QUERY`] characters or holding control
    /// characters: refused.
    pub fn parse(input: &str) -> Result<CustomerQuery, CoreError> {
        let q = input.trim();
        if q.is_empty() || q.chars().count() > MAX_QUERY || q.chars().any(char::is_control) {
            return Err(refused());
        }
        if q.contains('@') {
            if q.chars().any(char::is_whitespace) {
                return Err(refused());
            }
            return Ok(CustomerQuery::Email(normalise_email(q)));
        }
        if let Some(p) = normalise_phone(q) {
            return Ok(CustomerQuery::Phone(p));
        }
        if !q.chars().any(char::is_whitespace) && q.chars().any(|c| c.is_ascii_digit()) {
            return Ok(CustomerQuery::Card(q.to_owned()));
        }
        let words = name_words(q);
        if words.is_empty() {
            return Err(refused());
        }
        Ok(CustomerQuery::Name(words))
    }

    /// Whether `customer` is the one looked for (never an erased one).
    pub fn matches(&self, customer: &Customer) -> bool {
        if customer.is_erased() {
            return false;
        }
        let Some(p) = customer.personal() else {
            return false;
        };
        match self {
            CustomerQuery::Email(e) => p.email.as_deref().map(normalise_email).as_ref() == Some(e),
            CustomerQuery::Phone(n) => {
                p.phone.as_deref().and_then(normalise_phone).as_ref() == Some(n)
            }
            CustomerQuery::Card(code) => customer.id().as_str().eq_ignore_ascii_case(code),
            CustomerQuery::Name(words) => {
                let mut names = Vec::new();
                for part in [&p.given_name, &p.family_name].into_iter().flatten() {
                    names.extend(name_words(part));
                }
                words
                    .iter()
                    .all(|w| names.iter().any(|n| n.starts_with(w.as_str())))
            }
        }
    }
}

/// An e-mail address as compared: trimmed and lower-cased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A phone number in E.164 form, or `None` if `phone` is not one (6 to 15
/// digits once spaces, dots, dashes and brackets are removed). A French
/// national number (ten digits from a single `0`) takes `+33`; `00` is the
/// international prefix; a French `(0)` after the country code is dropped.
pub fn normalise_phone(phone: &str) -> Option<String> {
    let p = phone.trim().replace("(0)", "");
    let (plus, body) = match p.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, p.as_str()),
    };
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
    {
        return None;
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if !(6..=15).contains(&digits.len()) {
        return None;
    }
    let e164 = if plus {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else if digits.len() == 10
        && let Some(rest) = digits.strip_prefix('0')
    {
        format!("+33{rest}")
    } else {
        // No country code and not a French national number: compared as
        // typed (digits only).
        digits
    };
    Some(e164)
}

/// The words of a name as compared: lower case, accents removed, split on
/// anything that is not a letter or a digit (`Jean-Hélène` gives `jean`,
/// `helene`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match fold(c) {
            Some(s) => folded.push_str(s),
            None if c.is_alphanumeric() => folded.push(c),
            None => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_owned).collect()
}

/// The unaccented letters of a lower-case accented Latin letter.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::PersonalData;
    use crate::ids::{CustomerId, OperatorId};
    use chrono::{DateTime, Utc};

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_261_600, 0).unwrap()
    }

    fn helene() -> Customer {
        Customer::new(
            CustomerId::new("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").unwrap(),
            at(),
            PersonalData {
                given_name: Some("Hélène".into()),
                family_name: Some("Le Bœuf-Dupré".into()),
                email: Some("Helene.LeBoeuf@Example.org".into()),
                phone: Some("+33 6 12 34 56 78".into()),
                address: None,
            },
        )
        .unwrap()
    }

    fn found(q: &str) -> bool {
        CustomerQuery::parse(q).unwrap().matches(&helene())
    }

    #[test]
    fn queries_are_classified_and_normalised() {
        let cases = [
            (
                "06 12 34 56 78",
                CustomerQuery::Phone("+33612345678".into()),
            ),
            (
                "06.12.34.56.78",
                CustomerQuery::Phone("+33612345678".into()),
            ),
            (
                "+33 (0)6 12 34 56 78",
                CustomerQuery::Phone("+33612345678".into()),
            ),
            ("0033612345678", CustomerQuery::Phone("+33612345678".into())),
            (
                "+44 20 7946 0958",
                CustomerQuery::Phone("+442079460958".into()),
            ),
            (" A@B.fr ", CustomerQuery::Email("a@b.fr".into())),
            ("0190a1b2-c3d4", CustomerQuery::Card("0190a1b2-c3d4".into())),
            (
                "Hélène  DUPRÉ",
                CustomerQuery::Name(vec!["helene".into(), "dupre".into()]),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(CustomerQuery::parse(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn bad_queries_are_refused_with_the_field_only() {
        for q in [
            "",
            "   ",
            "a\u{7}b",
            "- . -",
            "a b@c.fr",
            &"x".repeat(MAX_QUERY + 1),
        ] {
            let e = CustomerQuery::parse(q).unwrap_err();
            assert_eq!(e, refused(), "{q:?}");
            assert!(!e.to_string().contains(q) || q.trim().is_empty());
        }
    }

    #[test]
    fn a_customer_is_found_by_phone_email_name_and_card() {
        for q in [
            "06 12 34 56 78",
            "+33612345678",
            "helene.leboeuf@example.org",
            "HELENE.LEBOEUF@EXAMPLE.ORG",
            "helene",
            "Hélène",
            "HEL",
            "boeuf",
            "dupre helene",
            "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
        ] {
            assert!(found(q), "{q}");
        }
        for q in [
            "06 12 34 56 79",
            "helene@example.org",
            "martin",
            "helene martin",
            "0190a1b2-c3d4",
        ] {
            assert!(!found(q), "{q}");
        }
    }

    #[test]
    fn an_erased_customer_is_never_found() {
        let mut c = helene();
        assert!(c.erase(at(), OperatorId::new("dpo").unwrap()));
        for q in [
            "06 12 34 56 78",
            "helene.leboeuf@example.org",
            "helene",
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        ] {
            assert!(!CustomerQuery::parse(q).unwrap().matches(&c), "{q}");
        }
    }
}
