//! The card charges of a ticket, as a refund of it points at them.

use super::Ticket;
use crate::tender::CardReference;
use crate::{CoreError, Money};

impl Ticket {
    /// What a refund (or an exchange's pay-back) of this ticket pays back
    /// to: for each card charge that carries a reference, in payment order,
    /// the reference a refund tender carries — pointing at that charge
    /// ([`CardReference::refund_of`]) — and the amount charged.
    pub fn card_refund_references(&self) -> Vec<(CardReference, Money)> {
        self.payments
            .iter()
            .filter(|p| !p.applied.is_negative() && !p.applied.is_zero())
            .filter_map(|p| {
                p.card
                    .as_ref()
                    .map(|c| (CardReference::refund_of(c), p.applied))
            })
            .collect()
    }
}

impl Ticket {
    /// Checks that every card pay-back of this refund or exchange that
    /// points at a charge (`original_reference`) points at a card charge of
    /// one of `originals` (the stored originals the till has): a pointer to
    /// another charge is `unknown_reference` naming it, so an app cannot
    /// record a refund against a charge it did not take.
    pub fn check_card_pointers(&self, originals: &[Ticket]) -> Result<(), CoreError> {
        for pointer in self
            .payments
            .iter()
            .filter_map(|p| p.card.as_ref())
            .filter_map(CardReference::original_reference)
        {
            let known = originals
                .iter()
                .flat_map(|o| o.payments.iter())
                .filter_map(|p| p.card.as_ref())
                .any(|c| {
                    c.processor_reference() == Some(pointer)
                        || c.original_reference() == Some(pointer)
                });
            if !known {
                return Err(CoreError::UnknownReference {
                    what: "card charge",
                    id: pointer.chars().take(64).collect(),
                });
            }
        }
        Ok(())
    }
}
