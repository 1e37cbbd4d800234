//! The pickup list shown at the till: what customers will come for.

use super::record::{Order, PaymentStatus};
use super::status::OrderStatus;
use crate::Money;
use crate::ids::{CustomerId, OrderId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One order on the pickup list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupEntry {
    /// The order.
    pub order: OrderId,
    /// When the customer comes.
    pub pickup_at: DateTime<Utc>,
    /// `preparing` or `ready`.
    pub status: OrderStatus,
    /// The customer (pseudonymous id).
    pub customer: Option<CustomerId>,
    /// True when already paid (nothing to take at the counter).
    pub paid: bool,
    /// The amount to take at collection (zero when paid).
    pub due: Money,
    /// Number of lines.
    pub lines: usize,
}

/// Orders being prepared or ready, by pickup time (then order id, so that
/// equal times have a stable order).
pub fn pickup_list<'a>(orders: impl IntoIterator<Item = &'a Order>) -> Vec<PickupEntry> {
    let mut list: Vec<PickupEntry> = orders
        .into_iter()
        .filter(|o| matches!(o.status(), OrderStatus::Preparing | OrderStatus::Ready))
        .map(|o| {
            let paid = o.payment().is_paid();
            PickupEntry {
                order: o.id().clone(),
                pickup_at: o.pickup_at(),
                status: o.status(),
                customer: o.customer().cloned(),
                paid,
                due: if paid || matches!(o.payment(), PaymentStatus::Refunded) {
                    Money::zero(o.total().currency())
                } else {
                    o.total()
                },
                lines: o.lines().len(),
            }
        })
        .collect();
    list.sort_by(|a, b| (a.pickup_at, &a.order).cmp(&(b.pickup_at, &b.order)));
    list
}
