//! The order statuses and the transitions allowed between them.

use crate::CoreError;
use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed by the customer, not yet looked at.
    Received,
    /// Accepted by the store: stock is reserved.
    Accepted,
    /// Being picked and packed.
    Preparing,
    /// Waiting for the customer at the counter.
    Ready,
    /// Handed over: the reserved stock left.
    Collected,
    /// Cancelled (by the customer or the store): the reservation is released.
    Cancelled,
    /// Money given back (after a collection or a cancellation of a paid order).
    Refunded,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Received,
        OrderStatus::Accepted,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::Collected,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    /// The snake_case name (as serialised).
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Received => "received",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::Collected => "collected",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// True when the state machine allows going from `self` to `next`.
    pub fn can_go_to(&self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Received, Accepted)
                | (Accepted, Preparing)
                | (Preparing, Ready)
                | (Ready, Collected)
                | (Received | Accepted | Preparing | Ready, Cancelled)
                | (Collected | Cancelled, Refunded)
        )
    }

    /// `Ok` when the transition is allowed, else a typed error.
    pub fn check(&self, next: OrderStatus) -> Result<(), CoreError> {
        if self.can_go_to(next) {
            Ok(())
        } else {
            Err(CoreError::InvalidOrderTransition {
                from: self.as_str(),
                to: next.as_str(),
            })
        }
    }

    /// True when stock is held for the order in this status.
    pub fn holds_stock(&self) -> bool {
        matches!(
            self,
            OrderStatus::Accepted | OrderStatus::Preparing | OrderStatus::Ready
        )
    }

    /// True when no transition leaves this status.
    pub fn is_final(&self) -> bool {
        OrderStatus::ALL.iter().all(|n| !self.can_go_to(*n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_table() {
        use OrderStatus::*;
        let allowed: Vec<(OrderStatus, OrderStatus)> = OrderStatus::ALL
            .iter()
            .flat_map(|a| OrderStatus::ALL.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.can_go_to(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Received, Accepted),
                (Received, Cancelled),
                (Accepted, Preparing),
                (Accepted, Cancelled),
                (Preparing, Ready),
                (Preparing, Cancelled),
                (Ready, Collected),
                (Ready, Cancelled),
                (Collected, Refunded),
                (Cancelled, Refunded),
            ]
        );
        assert!(Refunded.is_final());
        assert!(!Collected.is_final());
        assert_eq!(
            Collected.check(Cancelled),
            Err(CoreError::InvalidOrderTransition {
                from: "collected",
                to: "cancelled"
            })
        );
    }
}
