//! Orders (click & collect): receive, move through their statuses, collect
//! (paid online, or paid at the till as a normal sale), cancel, refund
//! (online, or at the till with a refund ticket), and the pickup list.

use crate::cart::{Cart, Payment};
use crate::cash::snake_name;
use crate::register::{Register, sale_options};
use crate::sale::CompletedSale;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::ids::{OperatorId, OrderId, Sku};
use pos_core::order::{Order, OrderChannel, PaymentStatus};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// One entry of the pickup list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PickupView {
    order: String,
    pickup_at_millis: i64,
    status: String,
    paid: bool,
    due: String,
}

type Step = fn(
    &mut pos_sdk::Register,
    &OrderId,
    &OperatorId,
) -> Result<pos_sdk::OrderUpdate, pos_sdk::SdkError>;

type AtTill = fn(
    &mut pos_sdk::Register,
    &OrderId,
    &pos_core::cart::Cart,
    &pos_core::tender::Payment,
    &pos_sdk::SaleOptions,
) -> Result<pos_sdk::OrderUpdate, pos_sdk::SdkError>;

/// One `{sku, label, quantity, amount}` order line.
fn order_line(
    value: &JsValue,
    currency: pos_core::Currency,
) -> Result<pos_core::order::OrderLine, PosError> {
    let bad = || {
        PosError::invalid(
            "order line",
            "{ sku: string, label: string, quantity: string, amount: string }",
        )
    };
    if !value.is_object() {
        return Err(bad());
    }
    let get = |name: &str| js_sys::Reflect::get(value, &name.into()).map_err(|_| bad());
    Ok(pos_core::order::OrderLine {
        sku: Sku::new(convert::text("sku", "a string", &get("sku")?)?)?,
        label: convert::text("label", "a string", &get("label")?)?,
        quantity: convert::amount("quantity", &get("quantity")?)?,
        amount: Money::new(convert::amount("amount", &get("amount")?)?, currency),
    })
}

impl Register {
    fn order_step(&self, id: &str, operator: &str, step: Step) -> Result<String, PosError> {
        let id = OrderId::new(id)?;
        let op = convert::operator(operator)?;
        let mut reg = self.sdk()?;
        let update = step(&mut reg, &id, &op)?;
        Ok(snake_name(&update.order.status()))
    }

    fn order_at_till(
        &self,
        id: &str,
        cart: &Cart,
        payment: &Payment,
        operator: &str,
        ticket_id: Option<String>,
        step: AtTill,
    ) -> Result<CompletedSale, PosError> {
        let id = OrderId::new(id)?;
        let options = sale_options(operator, None, false, ticket_id)?;
        let mut reg = self.sdk()?;
        let update = {
            let core_cart = cart.borrow_open()?;
            let core_payment = payment.borrow_open()?;
            step(&mut reg, &id, &core_cart, &core_payment, &options)?
        };
        let sale = update.sale.ok_or_else(|| {
            PosError::store(
                "missing_sale",
                "the order transition completed no ticket".to_owned(),
            )
        })?;
        crate::cart::consume(
            cart,
            payment,
            format!("{}{}", sale.series.code(), sale.number),
        );
        Ok(CompletedSale::wrap(sale))
    }
}

#[wasm_bindgen]
impl Register {
    /// Records an order received for collection at this store: `lines`
    /// are `{sku, label, quantity, amount}` (decimal strings), `pickupAtMillis`
    /// when the customer comes, `paidOnline` the payment reference of an
    /// order paid on the web. Returns its status (`received`).
    #[wasm_bindgen(js_name = receiveOrder, unchecked_return_type = "OrderStatus")]
    pub fn receive_order(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        #[wasm_bindgen(unchecked_param_type = "OrderLine[]")] lines: JsValue,
        #[wasm_bindgen(js_name = pickupAtMillis)] pickup_at_millis: f64,
        #[wasm_bindgen(js_name = paidOnline)] paid_online: Option<String>,
    ) -> Result<String, JsValue> {
        if !js_sys::Array::is_array(&lines) {
            return Err(PosError::invalid("lines", "an array of order lines").into());
        }
        let mut reg = self.sdk()?;
        let currency = reg.config().currency;
        let lines = js_sys::Array::from(&lines)
            .iter()
            .map(|l| order_line(&l, currency))
            .collect::<Result<Vec<_>, PosError>>()?;
        let pickup = Some(pickup_at_millis)
            .filter(|m| m.is_finite() && m.fract() == 0.0 && m.abs() < 9.0e15)
            // Checked: a whole number well inside i64.
            .and_then(|m| {
                #[allow(clippy::cast_possible_truncation)]
                let ms = m as i64;
                chrono::DateTime::from_timestamp_millis(ms)
            })
            .ok_or_else(|| PosError::invalid("pickupAtMillis", "epoch milliseconds"))?;
        let payment = match paid_online {
            Some(reference) => PaymentStatus::PaidOnline { reference },
            None => PaymentStatus::Unpaid,
        };
        let now = reg.price_context(None).at;
        let order = Order::receive(
            OrderId::new(order_id).map_err(PosError::from)?,
            OrderChannel::ClickAndCollect,
            None,
            reg.config().location.clone(),
            lines,
            now,
            pickup,
            payment,
        )
        .map_err(PosError::from)?;
        let stored = reg.receive_order(&order).map_err(PosError::from)?;
        Ok(snake_name(&stored.status()))
    }

    /// Accepts an order (reserves its stock); returns the new status.
    #[wasm_bindgen(js_name = acceptOrder, unchecked_return_type = "OrderStatus")]
    pub fn accept_order(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        operator: &str,
    ) -> Result<String, JsValue> {
        Ok(self.order_step(order_id, operator, pos_sdk::Register::accept_order)?)
    }

    /// Starts preparing an order; returns the new status.
    #[wasm_bindgen(js_name = startPreparingOrder, unchecked_return_type = "OrderStatus")]
    pub fn start_preparing_order(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        operator: &str,
    ) -> Result<String, JsValue> {
        Ok(self.order_step(order_id, operator, pos_sdk::Register::start_preparing_order)?)
    }

    /// Marks an order ready for collection; returns the new status.
    #[wasm_bindgen(js_name = markOrderReady, unchecked_return_type = "OrderStatus")]
    pub fn mark_order_ready(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        operator: &str,
    ) -> Result<String, JsValue> {
        Ok(self.order_step(order_id, operator, pos_sdk::Register::mark_order_ready)?)
    }

    /// Hands over an order paid online (no till ticket); returns the new
    /// status.
    #[wasm_bindgen(js_name = collectOrder, unchecked_return_type = "OrderStatus")]
    pub fn collect_order(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        operator: &str,
    ) -> Result<String, JsValue> {
        Ok(self.order_step(order_id, operator, pos_sdk::Register::collect_order)?)
    }

    /// Cancels an order (releases its reservation); returns the new status.
    #[wasm_bindgen(js_name = cancelOrder, unchecked_return_type = "OrderStatus")]
    pub fn cancel_order(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        operator: &str,
    ) -> Result<String, JsValue> {
        Ok(self.order_step(order_id, operator, pos_sdk::Register::cancel_order)?)
    }

    /// Records that an order paid online was refunded by the payment
    /// provider; returns the new status.
    #[wasm_bindgen(js_name = refundOrder, unchecked_return_type = "OrderStatus")]
    pub fn refund_order(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        operator: &str,
    ) -> Result<String, JsValue> {
        Ok(self.order_step(order_id, operator, pos_sdk::Register::refund_order)?)
    }

    /// A cart holding an unpaid order's items at today's prices, to be paid
    /// with `collectOrderAndPay`.
    #[wasm_bindgen(js_name = orderCart)]
    pub fn order_cart(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
    ) -> Result<Cart, JsValue> {
        let id = OrderId::new(order_id).map_err(PosError::from)?;
        let reg = self.sdk()?;
        let ctx = reg.price_context(None);
        Ok(Cart::wrap(
            reg.order_cart(&id, &ctx).map_err(PosError::from)?,
        ))
    }

    /// Hands over an unpaid order sold at the till: `cart` (from
    /// `orderCart`) paid by `payment` becomes a normal sale ticket and the
    /// order `collected`; the cart and payment are consumed.
    #[wasm_bindgen(js_name = collectOrderAndPay)]
    pub fn collect_order_and_pay(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        cart: &Cart,
        payment: &Payment,
        operator: &str,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: Option<String>,
    ) -> Result<CompletedSale, JsValue> {
        Ok(self.order_at_till(
            order_id,
            cart,
            payment,
            operator,
            ticket_id,
            pos_sdk::Register::collect_order_and_pay,
        )?)
    }

    /// Refunds an order paid at collection: `refundCart` (from
    /// `refundCart(<collection ticket id>, ...)`) paid back by `payment`
    /// becomes a refund ticket and the order `refunded`.
    #[wasm_bindgen(js_name = refundOrderAtTill)]
    pub fn refund_order_at_till(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
        #[wasm_bindgen(js_name = refundCart)] refund_cart: &Cart,
        payment: &Payment,
        operator: &str,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: Option<String>,
    ) -> Result<CompletedSale, JsValue> {
        Ok(self.order_at_till(
            order_id,
            refund_cart,
            payment,
            operator,
            ticket_id,
            pos_sdk::Register::refund_order_at_till,
        )?)
    }

    /// An order's status (`received`, `accepted`, `preparing`, `ready`,
    /// `collected`, `cancelled`, `refunded`).
    #[wasm_bindgen(js_name = orderStatus, unchecked_return_type = "OrderStatus")]
    pub fn order_status(
        &self,
        #[wasm_bindgen(js_name = orderId)] order_id: &str,
    ) -> Result<String, JsValue> {
        let id = OrderId::new(order_id).map_err(PosError::from)?;
        let order = self.sdk()?.order(&id).map_err(PosError::from)?;
        Ok(snake_name(&order.status()))
    }

    /// Orders waiting for collection, by pickup time: `{order,
    /// pickupAtMillis, status, paid, due}[]`.
    #[wasm_bindgen(js_name = pickupList, unchecked_return_type = "PickupEntry[]")]
    pub fn pickup_list(&self) -> Result<JsValue, JsValue> {
        let list = self.sdk()?.pickup_list().map_err(PosError::from)?;
        let views: Vec<PickupView> = list
            .into_iter()
            .map(|p| PickupView {
                order: p.order.to_string(),
                pickup_at_millis: p.pickup_at.timestamp_millis(),
                status: snake_name(&p.status),
                paid: p.paid,
                due: p.due.format_plain(),
            })
            .collect();
        Ok(convert::to_js(&views)?)
    }
}
