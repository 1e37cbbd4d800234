//! Orders (click & collect, web orders): receive, move through their
//! statuses, cancel, and the pickup list. Collection sold at the till and
//! refunds of orders are not wrapped yet.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::ids::{OrderId, Sku};
use pos_core::order::{Order, OrderChannel, OrderStatus, PaymentStatus};

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OrderLine {
    /// The variant's SKU.
    pub sku: String,
    /// The label.
    pub label: String,
    /// Quantity (decimal string).
    pub quantity: String,
    /// Line amount, tax included (decimal string).
    pub amount: String,
}

/// One entry of the pickup list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PickupEntry {
    /// The order id.
    pub order: String,
    /// When the customer comes, epoch milliseconds.
    pub pickup_at_millis: i64,
    /// Its status (`received`, `accepted`, `preparing`, `ready`...).
    pub status: String,
    /// Whether it was paid online.
    pub paid: bool,
    /// What is due at collection (decimal string).
    pub due: String,
}

fn status_name(s: OrderStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

type Step = fn(
    &mut pos_sdk::Register,
    &OrderId,
    &pos_core::ids::OperatorId,
) -> Result<pos_sdk::OrderUpdate, pos_sdk::SdkError>;

impl Register {
    fn order_step(&self, id: &str, operator: &str, step: Step) -> Result<String, PosError> {
        guard(|| {
            let id = OrderId::new(id)?;
            let op = convert::operator(operator)?;
            let update = step(&mut lock(&self.inner), &id, &op)?;
            Ok(status_name(update.order.status()))
        })
    }
}

#[uniffi::export]
impl Register {
    /// Records an order received for collection at this store; `paid_online`
    /// carries the payment reference of an order paid on the web. Returns
    /// its status.
    pub fn receive_order(
        &self,
        order_id: String,
        lines: Vec<OrderLine>,
        pickup_at_millis: i64,
        paid_online: Option<String>,
    ) -> Result<String, PosError> {
        guard(|| {
            let mut reg = lock(&self.inner);
            let currency = reg.config().currency;
            let lines = lines
                .iter()
                .map(|l| {
                    Ok(pos_core::order::OrderLine {
                        sku: Sku::new(&l.sku)?,
                        label: l.label.clone(),
                        quantity: convert::decimal("quantity", &l.quantity)?,
                        amount: Money::new(convert::decimal("amount", &l.amount)?, currency),
                    })
                })
                .collect::<Result<Vec<_>, PosError>>()?;
            let pickup = chrono::DateTime::from_timestamp_millis(pickup_at_millis)
                .ok_or_else(|| PosError::invalid("pickup_at_millis", "epoch milliseconds"))?;
            let payment = match paid_online {
                Some(reference) => PaymentStatus::PaidOnline { reference },
                None => PaymentStatus::Unpaid,
            };
            let now = reg.price_context(None).at;
            let order = Order::receive(
                OrderId::new(order_id)?,
                OrderChannel::ClickAndCollect,
                None,
                reg.config().location.clone(),
                lines,
                now,
                pickup,
                payment,
            )?;
            Ok(status_name(reg.receive_order(&order)?.status()))
        })
    }

    /// Accepts an order (reserves its stock); returns the new status.
    pub fn accept_order(&self, order_id: String, operator: String) -> Result<String, PosError> {
        self.order_step(&order_id, &operator, pos_sdk::Register::accept_order)
    }

    /// Starts preparing an order; returns the new status.
    pub fn start_preparing_order(
        &self,
        order_id: String,
        operator: String,
    ) -> Result<String, PosError> {
        self.order_step(
            &order_id,
            &operator,
            pos_sdk::Register::start_preparing_order,
        )
    }

    /// Marks an order ready for collection; returns the new status.
    pub fn mark_order_ready(&self, order_id: String, operator: String) -> Result<String, PosError> {
        self.order_step(&order_id, &operator, pos_sdk::Register::mark_order_ready)
    }

    /// Cancels an order (releases its reservation); returns the new status.
    pub fn cancel_order(&self, order_id: String, operator: String) -> Result<String, PosError> {
        self.order_step(&order_id, &operator, pos_sdk::Register::cancel_order)
    }

    /// Orders waiting for collection, by pickup time.
    pub fn pickup_list(&self) -> Result<Vec<PickupEntry>, PosError> {
        guard(|| {
            Ok(lock(&self.inner)
                .pickup_list()?
                .into_iter()
                .map(|p| PickupEntry {
                    order: p.order.to_string(),
                    pickup_at_millis: p.pickup_at.timestamp_millis(),
                    status: status_name(p.status),
                    paid: p.paid,
                    due: p.due.format_plain(),
                })
                .collect())
        })
    }
}
