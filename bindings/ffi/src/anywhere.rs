//! Exchanges and refunds anywhere in the retailer: an exchange cart of a
//! local ticket; an original found by reference (`REGISTER/T42`,
//! `STORE/REGISTER/T42`, a ticket id or receipt link) through the sync
//! server when the app's transport reaches it, else from the till's own
//! knowledge; a refund or exchange cart of it limited by what is left; the
//! server reservation of what the cart takes back; the retailer's offline
//! policy. The cart is then paid and completed with `complete_sale`.

use crate::cart::Cart;
use crate::guard::{guard, lock};
use crate::register::{Register, rights};
use crate::sync::{SyncTransport, TransportAdapter};
use crate::types::RefundLine;
use crate::{PosError, convert};
use pos_core::cart::Actor;
use pos_sdk::refund_anywhere::{FoundOriginal as SdkFound, RefundAnywhereError};
use std::sync::Arc;

impl From<RefundAnywhereError> for PosError {
    fn from(e: RefundAnywhereError) -> PosError {
        let code = e.code().to_owned();
        match e {
            RefundAnywhereError::Till(e) => crate::settings::mapped(e),
            RefundAnywhereError::Sync(e) => sync_refusal(e),
            other => PosError::Cart {
                code,
                detail: other.to_string(),
            },
        }
    }
}

/// A sync-side failure with the server's own code (`insufficient_stock`,
/// not `server`) and the till's own refusals under their kind (an invalid
/// argument is `PosError.Cart`, not a sync error).
pub(crate) fn sync_refusal(e: pos_sync::SyncError) -> PosError {
    match e {
        pos_sync::SyncError::Server { status, code } => PosError::Sync {
            detail: format!("the server refused the request (HTTP {status}, {code})"),
            code,
        },
        pos_sync::SyncError::Till { source } => match source.downcast::<pos_sdk::SdkError>() {
            Ok(e) => PosError::from(*e),
            Err(other) => PosError::from(pos_sync::SyncError::Till { source: other }),
        },
        e => PosError::from(e),
    }
}

/// One line of an original ticket and what is left to give back of it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OriginalLine {
    /// The line's number, from 1 (as `RefundLine.line` names it).
    pub line: u32,
    /// The variant's SKU.
    pub sku: String,
    /// The label printed.
    pub label: String,
    /// Quantity sold (decimal string).
    pub quantity: String,
    /// Line amount paid (decimal string).
    pub amount: String,
    /// What is left to refund or exchange (decimal string).
    pub refundable: String,
}

/// What the server holds for a refund or exchange until it completes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundReservation {
    /// The reservation id (the completed refund names it).
    pub reservation: String,
    /// The original ticket's id.
    pub ticket_id: String,
    /// What is reserved, per line from 1.
    pub lines: Vec<RefundLine>,
    /// When it lapses if nothing consumes it, epoch milliseconds (server time).
    pub expires_at_millis: i64,
}

/// An original ticket found by reference, on this till or another.
#[derive(Debug, uniffi::Object)]
pub struct FoundOriginal {
    inner: SdkFound,
}

#[uniffi::export]
impl FoundOriginal {
    /// The original's ticket id.
    pub fn ticket_id(&self) -> String {
        self.inner.ticket.id().to_owned()
    }

    /// Its store.
    pub fn store(&self) -> String {
        self.inner.store.clone()
    }

    /// Its register.
    pub fn register(&self) -> String {
        self.inner.register.clone()
    }

    /// Its number as printed (`T42`).
    pub fn number(&self) -> String {
        format!("{}{}", self.inner.series.code(), self.inner.number)
    }

    /// Found by a gift-receipt code: refunded as store credit only.
    pub fn gift(&self) -> bool {
        self.inner.gift
    }

    /// Counted by the server (every till's refunds), not only by this till.
    pub fn verified(&self) -> bool {
        self.inner.verified
    }

    /// Its lines with what is left of each.
    pub fn lines(&self) -> Vec<OriginalLine> {
        self.inner
            .ticket
            .lines()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let line = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
                OriginalLine {
                    line,
                    sku: l.sku.to_string(),
                    label: l.label.clone(),
                    quantity: l.quantity.normalize().to_string(),
                    amount: l.amount.format_plain(),
                    refundable: self
                        .inner
                        .refundable
                        .get(&line)
                        .copied()
                        .unwrap_or_default()
                        .normalize()
                        .to_string(),
                }
            })
            .collect()
    }
}

fn actor(operator: &str, manager: bool) -> Result<Actor, PosError> {
    Ok(Actor::new(convert::operator(operator)?, rights(manager)))
}

fn sdk_lines(lines: &[RefundLine]) -> Result<Vec<pos_sdk::RefundLine>, PosError> {
    lines
        .iter()
        .map(|l| {
            Ok(pos_sdk::RefundLine {
                line: l.line,
                quantity: convert::decimal("quantity", &l.quantity)?,
            })
        })
        .collect()
}

#[uniffi::export]
impl Register {
    /// An exchange of this till's ticket `original_id`: `returns` given
    /// back (lines from 1, positive quantities) on a cart the new items are
    /// then scanned into; the balance is paid or paid back with the usual
    /// tenders. Needs the `return` permission (`manager`); more than what
    /// is left of a line is `refund_exceeds_refundable`.
    pub fn exchange_cart(
        &self,
        original_id: String,
        returns: Vec<RefundLine>,
        operator: String,
        manager: bool,
    ) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let (returns, actor) = (sdk_lines(&returns)?, actor(&operator, manager)?);
            let cart = lock(&self.inner).exchange_cart(&original_id, &returns, &actor)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }

    /// The original named by `reference` (`REGISTER/T42`,
    /// `STORE/REGISTER/T42`, a ticket id or a receipt link): through the
    /// sync server when `transport` reaches it (any till of the retailer;
    /// the till must be enrolled), else from this till's own tickets and
    /// the originals it looked up before (`verified` false).
    pub fn find_original(
        &self,
        reference: String,
        transport: Option<Arc<dyn SyncTransport>>,
    ) -> Result<Arc<FoundOriginal>, PosError> {
        guard(|| {
            let mut http = transport.map(TransportAdapter);
            let found = lock(&self.inner).find_original(
                &reference,
                http.as_mut()
                    .map(|h| h as &mut dyn pos_sync::transport::Transport),
            )?;
            Ok(Arc::new(FoundOriginal { inner: found }))
        })
    }

    /// A refund cart of `found`: `lines` (from 1), or everything left when
    /// None, limited by what `found` says is left
    /// (`refund_exceeds_remaining`). Needs the `return` permission.
    pub fn refund_cart_from(
        &self,
        found: &FoundOriginal,
        lines: Option<Vec<RefundLine>>,
        operator: String,
        manager: bool,
    ) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let lines = lines.as_deref().map(sdk_lines).transpose()?;
            let actor = actor(&operator, manager)?;
            let cart =
                lock(&self.inner).refund_cart_from(&found.inner, lines.as_deref(), &actor)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }

    /// An exchange cart giving back `returns` of `found`, limited by what
    /// it says is left; the new items are then scanned into it.
    pub fn exchange_cart_from(
        &self,
        found: &FoundOriginal,
        returns: Vec<RefundLine>,
        operator: String,
        manager: bool,
    ) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let (returns, actor) = (sdk_lines(&returns)?, actor(&operator, manager)?);
            let cart = lock(&self.inner).exchange_cart_from(&found.inner, &returns, &actor)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }

    /// Reserves on the server what `cart` takes back of `found` (a
    /// `verified` original), under `key`: the refund's idempotency key,
    /// given again as `SaleOptions.ticket_id` when completing it. Another
    /// till that took the same line first makes it `refund_exceeds_remaining`.
    pub fn reserve_refund(
        &self,
        found: &FoundOriginal,
        cart: &Cart,
        key: String,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<RefundReservation, PosError> {
        guard(|| {
            let mut http = TransportAdapter(transport);
            let mut reg = lock(&self.inner);
            let cart = cart.open()?;
            let r = reg.reserve_refund(&found.inner, &cart, &key, &mut http)?;
            Ok(RefundReservation {
                reservation: r.reservation,
                ticket_id: r.ticket_id,
                lines: r
                    .lines
                    .iter()
                    .map(|l| RefundLine {
                        line: l.line,
                        quantity: l.quantity.normalize().to_string(),
                    })
                    .collect(),
                expires_at_millis: r.expires_at_ms,
            })
        })
    }

    /// The retailer's offline refund policy on this till: `refuse` or
    /// `manager_approval` (a signed setting).
    pub fn offline_refund_policy(&self) -> Result<String, PosError> {
        guard(|| Ok(lock(&self.inner).offline_refund_policy().code().to_owned()))
    }

    /// Sets the offline refund policy (`refuse` or `manager_approval`), a
    /// signed JET 270 by `operator`.
    pub fn set_offline_refund_policy(
        &self,
        policy: String,
        operator: String,
    ) -> Result<(), PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            Ok(lock(&self.inner).set_offline_refund_policy(&policy, &op)?)
        })
    }

    /// Applies the offline policy to a refund of `found` the server could
    /// not check: `offline_refund_refused` under `refuse`, or without a
    /// manager (`approver_is_manager`) under `manager_approval`; allowed,
    /// the refund is then recorded as without verified original.
    pub fn check_offline_refund(
        &self,
        found: &FoundOriginal,
        approver: String,
        approver_is_manager: bool,
    ) -> Result<(), PosError> {
        guard(|| {
            let approver = actor(&approver, approver_is_manager)?;
            Ok(lock(&self.inner).check_offline_refund(&found.inner, &approver)?)
        })
    }
}
