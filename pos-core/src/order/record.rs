//! An order and its life: receive, accept (reserve), prepare, ready,
//! collect (consume), cancel (release), refund.

use super::status::OrderStatus;
use crate::ids::{CustomerId, LocationId, MovementId, OperatorId, OrderId, Sku};
use crate::stock::{
    MovementContext, MovementReason, SaleLine, StockLedger, StockMovement, StockPolicies,
    check_sale,
};
use crate::{CoreError, Currency, Money};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderChannel {
    /// The web shop, delivered or collected.
    Web,
    /// Click & collect.
    ClickAndCollect,
    /// Taken by phone.
    Phone,
    /// A marketplace.
    Marketplace,
}

/// How (and whether) the order is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// To be paid at collection.
    Unpaid,
    /// Paid online (the payment provider's reference).
    PaidOnline {
        /// The provider's payment reference.
        reference: String,
    },
    /// Paid at the till when collected (the ticket holds the tenders).
    PaidAtCollection,
    /// The payment was given back.
    Refunded,
}

impl PaymentStatus {
    /// True when money was taken and not given back.
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            PaymentStatus::PaidOnline { .. } | PaymentStatus::PaidAtCollection
        )
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The item.
    pub sku: Sku,
    /// Label as shown to the customer.
    pub label: String,
    /// Quantity (positive, at most 3 decimals).
    pub quantity: Decimal,
    /// The line amount, tax included, as priced by the web shop.
    pub amount: Money,
}

/// A status change, kept in the order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// Client time.
    pub at: DateTime<Utc>,
    /// From.
    pub from: OrderStatus,
    /// To.
    pub to: OrderStatus,
    /// Who.
    pub operator: OperatorId,
}

/// A web or click & collect order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    id: OrderId,
    channel: OrderChannel,
    customer: Option<CustomerId>,
    location: LocationId,
    lines: Vec<OrderLine>,
    total: Money,
    received_at: DateTime<Utc>,
    pickup_at: DateTime<Utc>,
    payment: PaymentStatus,
    status: OrderStatus,
    history: Vec<StatusChange>,
}

impl Order {
    /// A new order in status `received`. Lines must be non-empty, with
    /// positive quantities (at most 3 decimals) and non-negative amounts in
    /// one currency; the payment is `Unpaid` or `PaidOnline` (the other two
    /// only arise later, and are refused here as an invalid transition).
    #[allow(clippy::too_many_arguments)]
    pub fn receive(
        id: OrderId,
        channel: OrderChannel,
        customer: Option<CustomerId>,
        location: LocationId,
        lines: Vec<OrderLine>,
        received_at: DateTime<Utc>,
        pickup_at: DateTime<Utc>,
        payment: PaymentStatus,
    ) -> Result<Order, CoreError> {
        let first = lines.first().ok_or(CoreError::EmptyTicket)?;
        let currency: Currency = first.amount.currency();
        let mut total = Money::zero(currency);
        for (i, line) in lines.iter().enumerate() {
            if line.quantity <= Decimal::ZERO {
                return Err(CoreError::ZeroQuantity { line: i });
            }
            if line.quantity.normalize().scale() > 3 {
                return Err(CoreError::QuantityPrecision {
                    line: i,
                    quantity: line.quantity.to_string(),
                });
            }
            if line.amount.is_negative() {
                return Err(CoreError::NegativePrice {
                    line: i,
                    price: line.amount.amount().to_string(),
                });
            }
            total = total.checked_add(&line.amount)?;
        }
        if matches!(
            payment,
            PaymentStatus::Refunded | PaymentStatus::PaidAtCollection
        ) {
            return Err(CoreError::InvalidOrderTransition {
                from: "new",
                to: "received",
            });
        }
        Ok(Order {
            id,
            channel,
            customer,
            location,
            lines,
            total,
            received_at,
            pickup_at,
            payment,
            status: OrderStatus::Received,
            history: Vec::new(),
        })
    }

    /// The id.
    pub fn id(&self) -> &OrderId {
        &self.id
    }

    /// Where it came from.
    pub fn channel(&self) -> OrderChannel {
        self.channel
    }

    /// The customer (pseudonymous id), if known.
    pub fn customer(&self) -> Option<&CustomerId> {
        self.customer.as_ref()
    }

    /// The store location whose stock serves it.
    pub fn location(&self) -> &LocationId {
        &self.location
    }

    /// The lines.
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }

    /// The total of the lines.
    pub fn total(&self) -> Money {
        self.total
    }

    /// When it was placed.
    pub fn received_at(&self) -> DateTime<Utc> {
        self.received_at
    }

    /// When the customer will come.
    pub fn pickup_at(&self) -> DateTime<Utc> {
        self.pickup_at
    }

    /// Payment status.
    pub fn payment(&self) -> &PaymentStatus {
        &self.payment
    }

    /// Current status.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// Every status change, oldest first.
    pub fn history(&self) -> &[StatusChange] {
        &self.history
    }

    /// The quantity of each SKU (lines of the same SKU summed).
    pub fn quantities(&self) -> Result<BTreeMap<&Sku, Decimal>, CoreError> {
        let mut out: BTreeMap<&Sku, Decimal> = BTreeMap::new();
        for l in &self.lines {
            let q = out.entry(&l.sku).or_default();
            *q = q.checked_add(l.quantity).ok_or(CoreError::Overflow)?;
        }
        Ok(out)
    }

    /// Accepts the order and reserves its stock. A shortfall on an item whose
    /// policy is `Block` refuses it ([`CoreError::InsufficientStock`]); `Warn`
    /// and `Allow` items are reserved anyway (the shortfall shows in the
    /// levels). Returns the reservation movements, already applied.
    pub fn accept(
        &mut self,
        at: DateTime<Utc>,
        operator: OperatorId,
        ledger: &mut StockLedger,
        policies: &StockPolicies,
        next_id: impl FnMut() -> MovementId,
    ) -> Result<Vec<StockMovement>, CoreError> {
        self.status.check(OrderStatus::Accepted)?;
        let wanted: Vec<SaleLine> = self
            .quantities()?
            .into_iter()
            .map(|(sku, quantity)| SaleLine {
                sku: sku.clone(),
                location: self.location.clone(),
                quantity,
            })
            .collect();
        if let Some(err) = check_sale(ledger, &wanted, policies)?.blocking_error() {
            return Err(err);
        }
        self.move_stock(MovementReason::Reservation, at, operator, ledger, next_id)
    }

    /// The picking starts.
    pub fn start_preparing(
        &mut self,
        at: DateTime<Utc>,
        operator: OperatorId,
    ) -> Result<(), CoreError> {
        self.status.check(OrderStatus::Preparing)?;
        self.set_status(OrderStatus::Preparing, at, operator);
        Ok(())
    }

    /// The order waits at the counter.
    pub fn mark_ready(&mut self, at: DateTime<Utc>, operator: OperatorId) -> Result<(), CoreError> {
        self.status.check(OrderStatus::Ready)?;
        self.set_status(OrderStatus::Ready, at, operator);
        Ok(())
    }

    /// Hands the order over and consumes the reservation. An unpaid order
    /// needs `paid_now` (the till took the payment) or is
    /// [`CoreError::OrderUnpaid`]. Returns the consumption movements, applied.
    pub fn collect(
        &mut self,
        at: DateTime<Utc>,
        operator: OperatorId,
        paid_now: bool,
        ledger: &mut StockLedger,
        next_id: impl FnMut() -> MovementId,
    ) -> Result<Vec<StockMovement>, CoreError> {
        self.status.check(OrderStatus::Collected)?;
        let paid = match (&self.payment, paid_now) {
            (PaymentStatus::Unpaid, true) => PaymentStatus::PaidAtCollection,
            (PaymentStatus::Unpaid, false) => return Err(CoreError::OrderUnpaid),
            (p, _) => p.clone(),
        };
        let moves = self.move_stock(MovementReason::Consumption, at, operator, ledger, next_id)?;
        self.payment = paid;
        Ok(moves)
    }

    /// Cancels the order; a reservation is released. Returns the release
    /// movements, applied (none if nothing was reserved).
    pub fn cancel(
        &mut self,
        at: DateTime<Utc>,
        operator: OperatorId,
        ledger: &mut StockLedger,
        next_id: impl FnMut() -> MovementId,
    ) -> Result<Vec<StockMovement>, CoreError> {
        self.status.check(OrderStatus::Cancelled)?;
        if self.status.holds_stock() {
            return self.move_stock(MovementReason::Release, at, operator, ledger, next_id);
        }
        self.set_status(OrderStatus::Cancelled, at, operator);
        Ok(Vec::new())
    }

    /// Gives the payment back after a collection or a cancellation. An order
    /// that was never paid has nothing to refund ([`CoreError::OrderUnpaid`]).
    /// Goods brought back after a collection go through the till's return
    /// flow (return movements), not through here.
    pub fn refund(&mut self, at: DateTime<Utc>, operator: OperatorId) -> Result<(), CoreError> {
        self.status.check(OrderStatus::Refunded)?;
        if !self.payment.is_paid() {
            return Err(CoreError::OrderUnpaid);
        }
        self.payment = PaymentStatus::Refunded;
        self.set_status(OrderStatus::Refunded, at, operator);
        Ok(())
    }

    /// Builds one movement per SKU for the transition that `reason` stands
    /// for, applies them all to the ledger, then changes the status.
    fn move_stock(
        &mut self,
        reason: MovementReason,
        at: DateTime<Utc>,
        operator: OperatorId,
        ledger: &mut StockLedger,
        mut next_id: impl FnMut() -> MovementId,
    ) -> Result<Vec<StockMovement>, CoreError> {
        let next = match reason {
            MovementReason::Reservation => OrderStatus::Accepted,
            MovementReason::Consumption => OrderStatus::Collected,
            _ => OrderStatus::Cancelled,
        };
        let ctx = MovementContext {
            operator: operator.clone(),
            at,
            reference: Some(self.id.to_string()),
        };
        let mut moves = Vec::new();
        for (sku, quantity) in self.quantities()? {
            moves.push(StockMovement::new(
                next_id(),
                reason,
                sku.clone(),
                self.location.clone(),
                reason.signed(quantity),
                &ctx,
            )?);
        }
        ledger.apply_all(&moves)?;
        self.set_status(next, at, operator);
        Ok(moves)
    }

    fn set_status(&mut self, to: OrderStatus, at: DateTime<Utc>, operator: OperatorId) {
        self.history.push(StatusChange {
            at,
            from: self.status,
            to,
            operator,
        });
        self.status = to;
    }
}
