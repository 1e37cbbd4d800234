//! The card charges of a ticket, as a refund of it points at them.

use super::Ticket;
use crate::Money;
use crate::tender::CardReference;

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
