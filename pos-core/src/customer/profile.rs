//! The personal part of a customer record, validated, and never printed by
//! `Debug`.

use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest name or address line accepted.
const MAX_TEXT: usize = 100;
/// Longest e-mail address (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;

/// A postal address.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street lines (one to three).
    pub lines: Vec<String>,
    /// Postal code.
    pub postcode: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// Everything that identifies a person: removed on erasure.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// E-mail address (for receipts and marketing, subject to consent).
    pub email: Option<String>,
    /// Phone number in international or national form (for SMS).
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
}

impl fmt::Debug for PersonalData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonalData")
            .field(
                "given_name",
                &self.given_name.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "family_name",
                &self.family_name.as_ref().map(|_| "<redacted>"),
            )
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("phone", &self.phone.as_ref().map(|_| "<redacted>"))
            .field("address", &self.address.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address(<redacted>)")
    }
}

impl PersonalData {
    /// Checks every field; the error names the field, never its value.
    pub fn validate(&self) -> Result<(), CoreError> {
        check_text(self.given_name.as_deref(), "given name")?;
        check_text(self.family_name.as_deref(), "family name")?;
        if self.email.as_deref().is_some_and(|e| !is_email(e)) {
            return Err(CoreError::InvalidContact { field: "e-mail" });
        }
        if self.phone.as_deref().is_some_and(|p| !is_phone(p)) {
            return Err(CoreError::InvalidContact { field: "phone" });
        }
        if let Some(a) = &self.address {
            a.validate()?;
        }
        Ok(())
    }
}

impl Address {
    /// Checks the lines, postcode, city and country code.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.lines.is_empty() || self.lines.len() > 3 {
            return Err(CoreError::InvalidContact {
                field: "address lines",
            });
        }
        for l in &self.lines {
            check_text(Some(l), "address line")?;
        }
        let pc_ok = !self.postcode.is_empty()
            && self.postcode.len() <= 12
            && self
                .postcode
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
        if !pc_ok {
            return Err(CoreError::InvalidContact { field: "postcode" });
        }
        check_text(Some(&self.city), "city")?;
        let country_ok =
            self.country.len() == 2 && self.country.chars().all(|c| c.is_ascii_uppercase());
        if !country_ok {
            return Err(CoreError::InvalidContact { field: "country" });
        }
        Ok(())
    }
}

fn check_text(text: Option<&str>, field: &'static str) -> Result<(), CoreError> {
    match text {
        None => Ok(()),
        Some(t) => {
            let ok = !t.trim().is_empty()
                && t.chars().count() <= MAX_TEXT
                && !t.chars().any(char::is_control);
            if ok {
                Ok(())
            } else {
                Err(CoreError::InvalidContact { field })
            }
        }
    }
}

/// A pragmatic e-mail check: one `@`, a non-empty local part, a domain with a
/// dot not at either end, no spaces or control characters.
fn is_email(e: &str) -> bool {
    if e.len() > MAX_EMAIL || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// A phone number: an optional leading `+`, then digits with optional
/// spaces, dots or dashes; 6 to 15 digits (E.164 allows 15).
fn is_phone(p: &str) -> bool {
    let body = p.strip_prefix('+').unwrap_or(p);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PersonalData {
        PersonalData {
            given_name: Some("Jeanne".into()),
            family_name: Some("Martin".into()),
            email: Some("jeanne.martin@example.fr".into()),
            phone: Some("+33 6 12 34 56 78".into()),
            address: Some(Address {
                lines: vec!["12 rue des Lilas".into()],
                postcode: "75011".into(),
                city: "Paris".into(),
                country: "FR".into(),
            }),
        }
    }

    #[test]
    fn valid_profile_passes() {
        sample().validate().unwrap();
        PersonalData::default().validate().unwrap();
    }

    #[test]
    fn bad_fields_are_named_not_echoed() {
        let mut p = sample();
        p.email = Some("jeanne.martin-at-example.fr".into());
        let err = p.validate().unwrap_err();
        assert_eq!(err, CoreError::InvalidContact { field: "e-mail" });
        assert!(!err.to_string().contains("jeanne"));
        let mut p = sample();
        p.phone = Some("06 12".into());
        assert_eq!(
            p.validate().unwrap_err(),
            CoreError::InvalidContact { field: "phone" }
        );
        let mut p = sample();
        p.address.as_mut().unwrap().country = "France".into();
        assert!(p.validate().is_err());
        for bad in ["a@b", "@b.fr", "a@.fr", "a b@c.fr", "a@b..fr", "a@b@c.fr"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_personal_data() {
        let text = format!("{:?}", sample());
        assert!(!text.contains("Jeanne"));
        assert!(!text.contains("example.fr"));
        assert!(!text.contains("Lilas"));
        assert!(text.contains("<redacted>"));
    }
}
