//! Exchanges as one ticket (issue 16): lines of an original given back and
//! new items sold on the same cart, the balance paid or paid back with the
//! usual tenders (store credit included).
//!
//! [`exchange_cart_of`] builds the cart from any original [`Ticket`] and what
//! earlier refunds and exchanges already took back of it, so an original
//! found at another till (through the sync server) plugs in the same way as
//! a local one; [`Register::exchange_cart`] is the local wrapper. The
//! cashier then scans the new items into that cart and completes it with
//! [`Register::complete_sale`]: one fiscal record of kind `exchange`
//! (pos-fiscal `Operation::Exchange`), both stock movements (returns in,
//! sales out), the loyalty points of what is returned given back and those
//! of what is sold earned, and one outbox event of kind `exchange`.

use super::{RefundLine, Register};
use crate::SdkError;
use pos_core::cart::{Actor, Cart, Permission};
use pos_core::ticket::{RefundSelection, Ticket};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

impl Register {
    /// A cart that gives back `returns` of the stored ticket `original_id`
    /// (lines numbered from 1, positive quantities), ready for the new items
    /// to be scanned in. Needs the `return` permission. Refused, with
    /// nothing written, when a line names no sold line
    /// ([`SdkError::UnknownRefundLine`]) or asks for more than what earlier
    /// refunds and exchanges left (`refund_exceeds_remaining`).
    pub fn exchange_cart(
        &self,
        original_id: &str,
        returns: &[RefundLine],
        actor: &Actor,
    ) -> Result<Cart, SdkError> {
        require_return(actor)?;
        let original = self.ticket(original_id)?;
        let already = self.refunded_quantities(original_id)?;
        exchange_cart_of(&original, &already, returns, actor)
    }
}

fn require_return(actor: &Actor) -> Result<(), SdkError> {
    if actor.permissions.has(Permission::Return) {
        Ok(())
    } else {
        Err(SdkError::PermissionRequired {
            action: "exchanging a ticket",
            permission: Permission::Return.name(),
        })
    }
}

/// The cart of an exchange of `original`: its lines `returns` given back
/// (numbered from 1), knowing the quantities `already` taken back per line
/// (0-based, as [`Register::refunded_quantities`] gives them, or as the sync
/// server reports them for another till's ticket). Needs the `return`
/// permission; at least one line.
pub fn exchange_cart_of(
    original: &Ticket,
    already: &BTreeMap<usize, Decimal>,
    returns: &[RefundLine],
    actor: &Actor,
) -> Result<Cart, SdkError> {
    require_return(actor)?;
    if returns.is_empty() {
        return Err(SdkError::Core(pos_core::CoreError::EmptyTicket));
    }
    let label = original.id();
    let count = original.lines().len();
    let selections = refund_selections(returns, label, count)?;
    Cart::refund_of(original, &selections, already, actor)
        .map_err(|e| refund_cart_error(e, label, count))
}

/// The 0-based selections of `lines` (numbered from 1) on the ticket
/// `ticket` of `count` lines; a line naming no sold line is
/// [`SdkError::UnknownRefundLine`]. Shared by refunds and exchanges.
pub(crate) fn refund_selections(
    lines: &[RefundLine],
    ticket: &str,
    count: usize,
) -> Result<Vec<RefundSelection>, SdkError> {
    lines
        .iter()
        .map(|l| {
            let index = usize::try_from(l.line)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .filter(|i| *i < count)
                .ok_or_else(|| unknown_refund_line(u64::from(l.line), ticket, count))?;
            Ok(RefundSelection {
                line: index,
                quantity: l.quantity,
            })
        })
        .collect()
}

/// The error of a refund or exchange cart refused by pos-core, its unknown
/// line numbered from 1 as the API numbers them.
pub(crate) fn refund_cart_error(e: pos_core::CoreError, ticket: &str, count: usize) -> SdkError {
    match e {
        // pos-core counts from 0; the API from 1.
        pos_core::CoreError::UnknownOriginalLine { line } => unknown_refund_line(
            u64::try_from(line).unwrap_or(u64::MAX).saturating_add(1),
            ticket,
            count,
        ),
        e => SdkError::Core(e),
    }
}

fn unknown_refund_line(line: u64, ticket: &str, count: usize) -> SdkError {
    SdkError::UnknownRefundLine {
        line,
        ticket: ticket.chars().take(40).collect(),
        lines: count,
    }
}

/// What a refund or an exchange gives back on its original: the sum of its
/// return lines' amounts, as a positive amount (what loyalty reverses).
pub(crate) fn returned_amount(ticket: &Ticket) -> Result<Decimal, SdkError> {
    ticket
        .lines()
        .iter()
        .filter(|l| l.return_of.is_some())
        .try_fold(Decimal::ZERO, |a, l| a.checked_add(l.amount.amount().abs()))
        .ok_or_else(|| pos_core::CoreError::Overflow.into())
}

/// Takes back the points of lines returned from an original sold at
/// another till or store (this account does not hold its earning; that
/// store's ledger on the server holds its points): what the returned lines
/// earn under the program, as a loss on this account, never below zero
/// here. Returns the points this account did not hold: the server's
/// ledger, which sums the stores, must lose them too, so the sale event's
/// points delta carries them.
pub(crate) fn reverse_points_earned_elsewhere(
    account: &mut pos_core::loyalty::LoyaltyAccount,
    program: &pos_core::loyalty::LoyaltyProgram,
    op: pos_core::ids::OperationId,
    at: chrono::DateTime<chrono::Utc>,
    returned: &[pos_core::loyalty::EarnLine],
) -> Result<u64, SdkError> {
    let points = program.points_for(returned)?.total;
    if points == 0 {
        return Ok(0);
    }
    let loss = i64::try_from(points)
        .ok()
        .and_then(i64::checked_neg)
        .ok_or(pos_core::CoreError::Overflow)?;
    // The lot id names no lot for a loss; the op keys the movement.
    let lot = pos_core::ids::TicketId::new(op.as_str())?;
    account.apply_remote(op, lot, at, None, loss)?;
    Ok(match account.entries().last().map(|e| &e.kind) {
        Some(pos_core::loyalty::EntryKind::Remote { unrecovered, .. }) => *unrecovered,
        _ => 0,
    })
}

/// Whether paying back `method` on `ticket` credits a store-credit account
/// (a credit note, "avoir") rather than reversing an earlier redemption.
/// An exchange's balance paid back as store credit is new value; so is a
/// refund paid back on a credit that did not pay its original (a gift
/// receipt's return, or a customer who asks for a credit note). A refund of
/// a sale that the credit paid gives that redemption back.
pub(crate) fn credits_store_credit(
    ticket: &Ticket,
    method: &pos_core::tender::TenderMethod,
    account: &pos_core::stored_value::StoredValueAccount,
) -> bool {
    if !matches!(method, pos_core::tender::TenderMethod::StoreCredit { .. }) {
        return false;
    }
    if ticket.kind() == pos_core::ticket::TicketKind::Exchange {
        return true;
    }
    let paid_the_original = account.ops().iter().any(|o| {
        o.kind == pos_core::stored_value::StoredValueOpKind::Redeem
            && o.ticket
                .as_ref()
                .is_some_and(|t| ticket.originals().iter().any(|x| x == t.as_str()))
    });
    !paid_the_original
}
