//! A card pay-back points at a charge of its original (issue 14).

use super::Register;
use crate::SdkError;
use pos_core::ticket::Ticket;

impl Register {
    /// Refuses (`unknown_reference`) a ticket whose card pay-back points
    /// at a charge that none of its originals took, before anything is
    /// written. An original this till does not hold (a refund of another
    /// till's ticket found through the server) is not checked here.
    pub(crate) fn check_card_pointers(&self, ticket: &Ticket) -> Result<(), SdkError> {
        let points = ticket.payments().iter().any(|p| {
            p.card
                .as_ref()
                .and_then(|c| c.original_reference())
                .is_some()
        });
        if !points {
            return Ok(());
        }
        let mut originals = Vec::new();
        for id in ticket.originals() {
            match self.ticket(id) {
                Ok(original) => originals.push(original),
                Err(SdkError::NotFound { .. }) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(ticket.check_card_pointers(&originals)?)
    }
}
