//! From a terminal's approval to the card reference a ticket keeps.

use super::types::Approval;
use crate::HwError;
use pos_core::tender::{CardReference, CardScheme, MaskedPan};

impl Approval {
    /// The card reference to put on the card tender of the ticket
    /// ([`pos_core::tender::Tender::with_card`]): the terminal's own
    /// transaction reference when it gives one (nexo), else the till's id
    /// that the terminal echoes and answers status queries by (Concert,
    /// Caisse-AP); the authorisation code, the masked card (last four
    /// digits) and the scheme as the terminal reports them.
    ///
    /// The card was charged already: a part the terminal sent that does not
    /// read (an authorisation code with spaces, an unknown scheme name too
    /// long) is left out rather than failing the sale.
    pub fn card_reference(&self) -> Result<CardReference, HwError> {
        let mut reference = match self
            .terminal_reference
            .as_deref()
            .and_then(|r| CardReference::new(r).ok())
        {
            Some(r) => r,
            None => {
                CardReference::new(self.id.as_str()).map_err(|_| HwError::PaymentFieldInvalid {
                    field: "transaction id",
                })?
            }
        };
        if let Some(code) = self.authorization_code.as_deref() {
            reference = reference
                .clone()
                .with_authorisation_code(code)
                .unwrap_or(reference);
        }
        if let Some(pan) = self.card.and_then(|p| MaskedPan::new(p.last4()).ok()) {
            reference = reference.with_masked_pan(pan);
        }
        if let Some(scheme) = self
            .scheme
            .as_deref()
            .and_then(|s| CardScheme::parse(s).ok())
        {
            reference = reference.with_scheme(scheme);
        }
        Ok(reference)
    }
}
