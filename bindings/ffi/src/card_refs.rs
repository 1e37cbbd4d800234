//! Card references across the FFI (issue 14): a record of strings that
//! pos-core checks (a full card number is `card_pan_not_masked`), a card
//! tender that carries one, and the pointers a refund takes from its
//! stored original.

use crate::PosError;
use crate::cart::Payment;
use crate::guard::{guard, lock};
use crate::register::Register;
use crate::types::TenderMethod;
use pos_core::tender::{CardReference as CoreCardReference, CardReferenceParts};

/// What the till keeps of an electronic payment: the processor's reference
/// (PaymentIntent id, PSP reference, terminal transaction id), the
/// authorisation code, the masked card number (at most the first 6 and
/// last 4 digits clear), the scheme (`cb`, `visa`, `mastercard`, `amex`,
/// or the processor's own name), the entry mode (`chip`, `contactless`,
/// `swipe`, `keyed`, `online`) and the terminal id; on a refund, the
/// processor reference of the charge paid back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardReference {
    /// This operation's reference at the processor.
    #[uniffi(default = None)]
    pub processor_reference: Option<String>,
    /// The acquirer's authorisation code.
    #[uniffi(default = None)]
    pub authorisation_code: Option<String>,
    /// The masked card number (`497010******1234`, `**** 1234`).
    #[uniffi(default = None)]
    pub masked_pan: Option<String>,
    /// The scheme.
    #[uniffi(default = None)]
    pub scheme: Option<String>,
    /// How the card was read.
    #[uniffi(default = None)]
    pub entry_mode: Option<String>,
    /// The terminal's id.
    #[uniffi(default = None)]
    pub terminal_id: Option<String>,
    /// On a refund: the processor reference of the charge paid back.
    #[uniffi(default = None)]
    pub original_reference: Option<String>,
}

impl CardReference {
    /// The checked domain reference.
    pub(crate) fn to_core(&self) -> Result<CoreCardReference, PosError> {
        Ok(CoreCardReference::from_parts(CardReferenceParts {
            processor_reference: self.processor_reference.clone(),
            authorisation_code: self.authorisation_code.clone(),
            masked_pan: self.masked_pan.clone(),
            scheme: self.scheme.clone(),
            entry_mode: self.entry_mode.clone(),
            terminal_id: self.terminal_id.clone(),
            original_reference: self.original_reference.clone(),
        })?)
    }

    /// The record of a domain reference (its stored, masked form).
    pub(crate) fn of(card: &CoreCardReference) -> CardReference {
        let p = card.to_parts();
        CardReference {
            processor_reference: p.processor_reference,
            authorisation_code: p.authorisation_code,
            masked_pan: p.masked_pan,
            scheme: p.scheme,
            entry_mode: p.entry_mode,
            terminal_id: p.terminal_id,
            original_reference: p.original_reference,
        }
    }
}

/// A card charge of a ticket, as a refund of it pays back to it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardRefund {
    /// The reference the refund tender carries (`original_reference` set).
    pub card: CardReference,
    /// The amount charged, decimal string.
    pub charged: String,
}

#[uniffi::export]
impl Payment {
    /// Adds an electronic tender (card, meal-voucher card) of `amount`
    /// with the processor's reference; another method is
    /// `card_reference_not_allowed`. On error nothing changes.
    pub fn add_card(
        &self,
        method: TenderMethod,
        amount: String,
        card: CardReference,
    ) -> Result<(), PosError> {
        guard(|| {
            let tender = method
                .tender(&amount, self.currency)?
                .with_card(card.to_core()?);
            Ok(self.open()?.add(tender)?)
        })
    }
}

#[uniffi::export]
impl Register {
    /// The card charges of stored ticket `ticket_id` that a refund (or an
    /// exchange's pay-back) pays back to: add each `card` to the refund's
    /// card tender with `Payment.add_card` so the app can refund the charge
    /// at its processor.
    pub fn refund_card_references(&self, ticket_id: String) -> Result<Vec<CardRefund>, PosError> {
        guard(|| {
            let ticket = lock(&self.inner).ticket(&ticket_id)?;
            Ok(ticket
                .card_refund_references()
                .iter()
                .map(|(card, charged)| CardRefund {
                    card: CardReference::of(card),
                    charged: charged.format_plain(),
                })
                .collect())
        })
    }
}
