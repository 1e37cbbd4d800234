//! Orders (click & collect, web orders): receive, move through their
//! statuses, collect (paid online, or paid at the till as a normal sale),
//! cancel, refund (online, or at the till with a refund ticket), and the
//! pickup list.

use crate::cart::{Cart, Payment};
use crate::guard::{guard, lock};
use crate::register::Register;
use crate::sale::CompletedSale;
use crate::types::SaleOptions;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::ids::{OrderId, Sku};
use pos_core::order::{Order, OrderChannel, OrderStatus, PaymentStatus};
use std::sync::Arc;

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
    convert::snake_name(&s)
}

/// The sale (or refund) an order transition completed at the till.
fn sale_of(update: pos_sdk::OrderUpdate) -> Result<Arc<CompletedSale>, PosError> {
    let inner = update.sale.ok_or(PosError::Internal {
        code: "missing_sale".to_owned(),
        detail: "the order transition completed no ticket".to_owned(),
    })?;
    Ok(Arc::new(CompletedSale { inner }))
}

type Till = fn(
    &mut pos_sdk::Register,
    &OrderId,
    &pos_core::cart::Cart,
    &pos_core::tender::Payment,
    &pos_sdk::SaleOptions,
) -> Result<pos_sdk::OrderUpdate, pos_sdk::SdkError>;

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

    fn order_at_till(
        &self,
        id: &str,
        cart: &Cart,
        payment: &Payment,
        options: SaleOptions,
        step: Till,
    ) -> Result<Arc<CompletedSale>, PosError> {
        guard(|| {
            let id = OrderId::new(id)?;
            let options = options.to_sdk()?;
            // Lock order everywhere: register, then cart, then payment.
            let mut reg = lock(&self.inner);
            let core_cart = cart.open()?;
            let core_payment = payment.open()?;
            let sale = sale_of(step(&mut reg, &id, &core_cart, &core_payment, &options)?)?;
            crate::cart::consume(cart, payment, crate::register::ticket_label(&sale.inner));
            Ok(sale)
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

    /// Hands over an order paid online (its reservation leaves the shelf;
    /// no till ticket); returns the new status.
    pub fn collect_order(&self, order_id: String, operator: String) -> Result<String, PosError> {
        self.order_step(&order_id, &operator, pos_sdk::Register::collect_order)
    }

    /// A cart holding an unpaid order's items at today's prices, to be paid
    /// with `collect_order_and_pay`.
    pub fn order_cart(&self, order_id: String) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let id = OrderId::new(order_id)?;
            let reg = lock(&self.inner);
            let ctx = reg.price_context(None);
            Ok(Arc::new(Cart::wrap(reg.order_cart(&id, &ctx)?)))
        })
    }

    /// Hands over an unpaid order sold at the till: `cart` (from
    /// `order_cart`) paid by `payment` becomes a normal sale ticket and the
    /// order `collected`. If the sale is refused the order keeps its stock.
    pub fn collect_order_and_pay(
        &self,
        order_id: String,
        cart: &Cart,
        payment: &Payment,
        options: SaleOptions,
    ) -> Result<Arc<CompletedSale>, PosError> {
        self.order_at_till(
            &order_id,
            cart,
            payment,
            options,
            pos_sdk::Register::collect_order_and_pay,
        )
    }

    /// Records that an order paid online was refunded by the payment
    /// provider; returns the new status.
    pub fn refund_order(&self, order_id: String, operator: String) -> Result<String, PosError> {
        self.order_step(&order_id, &operator, pos_sdk::Register::refund_order)
    }

    /// Refunds an order paid at collection: `refund_cart` (from
    /// `refund_cart(<collection ticket id>, ...)`) paid back by `payment`
    /// becomes a refund ticket and the order `refunded`.
    pub fn refund_order_at_till(
        &self,
        order_id: String,
        refund_cart: &Cart,
        payment: &Payment,
        options: SaleOptions,
    ) -> Result<Arc<CompletedSale>, PosError> {
        self.order_at_till(
            &order_id,
            refund_cart,
            payment,
            options,
            pos_sdk::Register::refund_order_at_till,
        )
    }

    /// An order's status (`received`, `accepted`, ..., `collected`,
    /// `cancelled`, `refunded`).
    pub fn order_status(&self, order_id: String) -> Result<String, PosError> {
        guard(|| {
            let id = OrderId::new(order_id)?;
            Ok(status_name(lock(&self.inner).order(&id)?.status()))
        })
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
