//! The cart and the payment being taken, as JS objects the app holds.

use crate::{PosError, convert};
use pos_core::cart::Cart as CoreCart;
use pos_core::tender::Payment as CorePayment;
use pos_core::{Currency, Money};
use serde::Serialize;
use std::cell::{OnceCell, Ref, RefCell, RefMut};
use wasm_bindgen::prelude::*;

/// A sale being rung up; promotions are re-applied on every change. Once
/// it completes a sale it is consumed: changing, paying or completing it
/// again throws `cart_completed`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Cart {
    inner: RefCell<CoreCart>,
    /// The ticket (`T3`) this cart completed.
    completed: OnceCell<String>,
}

/// One cart line as JS sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineView {
    id: u32,
    sku: String,
    label: String,
    quantity: String,
    unit_price: String,
    gross: String,
    amount: String,
    vat_rate: String,
    promotions: Vec<String>,
    discounts: Vec<DiscountView>,
}

/// One promotion applied to a line: its id, receipt text and what it takes off.
#[derive(Debug, Serialize)]
struct DiscountView {
    promotion: String,
    text: String,
    amount: String,
}

fn busy() -> PosError {
    PosError::store("busy", "the cart is in use by another call".to_owned())
}

fn consumed(completed: &OnceCell<String>) -> Result<(), PosError> {
    match completed.get() {
        Some(ticket) => Err(PosError::from(pos_sdk::SdkError::CartCompleted {
            ticket: ticket.clone(),
        })),
        None => Ok(()),
    }
}

/// Marks a cart and its payment consumed by the sale `ticket` (`T3`).
pub(crate) fn consume(cart: &Cart, payment: &Payment, ticket: String) {
    let _ = payment.completed.set(ticket.clone());
    let _ = cart.completed.set(ticket);
}

impl Cart {
    pub(crate) fn wrap(cart: CoreCart) -> Cart {
        Cart {
            inner: RefCell::new(cart),
            completed: OnceCell::new(),
        }
    }

    /// Reads the cart, completed or not (totals and lines stay readable).
    pub(crate) fn borrow(&self) -> Result<Ref<'_, CoreCart>, PosError> {
        self.inner.try_borrow().map_err(|_| busy())
    }

    /// The cart for paying or completing: refused once it completed a sale.
    pub(crate) fn borrow_open(&self) -> Result<Ref<'_, CoreCart>, PosError> {
        consumed(&self.completed)?;
        self.borrow()
    }

    /// The cart for changing: refused once it completed a sale.
    pub(crate) fn borrow_mut(&self) -> Result<RefMut<'_, CoreCart>, PosError> {
        consumed(&self.completed)?;
        self.inner.try_borrow_mut().map_err(|_| busy())
    }

    pub(crate) fn line_id(cart: &CoreCart, line: u32) -> Result<pos_core::cart::LineId, PosError> {
        cart.lines()
            .iter()
            .map(|l| l.id())
            .find(|id| id.get() == line)
            .ok_or_else(|| PosError::invalid("line", "a line id of this cart"))
    }
}

#[wasm_bindgen]
impl Cart {
    /// Whether the cart completed a sale (it can then only be read).
    #[wasm_bindgen(getter, js_name = isCompleted)]
    pub fn is_completed(&self) -> bool {
        self.completed.get().is_some()
    }

    /// The total to pay, tax included (decimal string).
    pub fn total(&self) -> Result<String, JsValue> {
        Ok(self.borrow()?.total().format_plain())
    }

    /// The lines, in order: `{id, sku, label, quantity, unitPrice, gross,
    /// amount, vatRate, promotions, discounts}` (decimals as strings;
    /// `promotions`: the ids of the promotions that changed the line;
    /// `discounts`: `{promotion, text, amount}` for each of them).
    #[wasm_bindgen(unchecked_return_type = "CartLine[]")]
    pub fn lines(&self) -> Result<JsValue, JsValue> {
        let cart = self.borrow()?;
        let lines: Vec<LineView> = cart
            .lines()
            .iter()
            .map(|l| LineView {
                id: l.id().get(),
                sku: l.item().sku.to_string(),
                label: l.label().to_owned(),
                quantity: l.quantity().normalize().to_string(),
                unit_price: l.unit_price().format_plain(),
                gross: l.gross().format_plain(),
                amount: l.amount().format_plain(),
                vat_rate: l.vat_rate().percent_string(),
                promotions: l
                    .promotions()
                    .iter()
                    .map(|p| p.promotion.to_string())
                    .collect(),
                discounts: l
                    .promotions()
                    .iter()
                    .map(|p| DiscountView {
                        promotion: p.promotion.to_string(),
                        text: p.text.clone(),
                        amount: p.amount.format_plain(),
                    })
                    .collect(),
            })
            .collect();
        Ok(convert::to_js(&lines)?)
    }

    /// Whether the cart has no line.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> Result<bool, JsValue> {
        Ok(self.borrow()?.is_empty())
    }

    /// Sets a line's quantity (decimal string); on error nothing changes.
    #[wasm_bindgen(js_name = setQuantity)]
    pub fn set_quantity(
        &self,
        line: u32,
        #[wasm_bindgen(unchecked_param_type = "string")] quantity: JsValue,
    ) -> Result<(), JsValue> {
        let q = convert::amount("quantity", &quantity)?;
        let mut cart = self.borrow_mut()?;
        let id = Cart::line_id(&cart, line)?;
        cart.set_quantity(id, q).map_err(PosError::from)?;
        Ok(())
    }

    /// Enters a coupon code; returns `null` when it applies, or why it does
    /// not apply now (it is kept and may apply later). A code no promotion
    /// has, or one already on the ticket, throws `CartError`
    /// `coupon_unknown` / `coupon_duplicate` and changes nothing.
    #[wasm_bindgen(js_name = addCoupon)]
    pub fn add_coupon(&self, code: &str) -> Result<JsValue, JsValue> {
        let rejection = self
            .borrow_mut()?
            .enter_coupon(code)
            .map_err(PosError::from)?;
        Ok(match rejection {
            None => JsValue::NULL,
            Some(r) => convert::to_js(&r)?,
        })
    }

    /// Removes a line.
    #[wasm_bindgen(js_name = removeLine)]
    pub fn remove_line(&self, line: u32) -> Result<(), JsValue> {
        let mut cart = self.borrow_mut()?;
        let id = Cart::line_id(&cart, line)?;
        cart.remove(id).map_err(PosError::from)?;
        Ok(())
    }
}

/// A payment being taken for a cart: several tenders (split payment).
#[wasm_bindgen]
#[derive(Debug)]
pub struct Payment {
    inner: RefCell<CorePayment>,
    currency: Currency,
    /// The ticket this payment settled.
    completed: OnceCell<String>,
}

impl Payment {
    pub(crate) fn wrap(payment: CorePayment, currency: Currency) -> Payment {
        Payment {
            inner: RefCell::new(payment),
            currency,
            completed: OnceCell::new(),
        }
    }

    pub(crate) fn borrow(&self) -> Result<Ref<'_, CorePayment>, PosError> {
        self.inner.try_borrow().map_err(|_| busy())
    }

    /// The payment for completing: refused once it settled a sale.
    pub(crate) fn borrow_open(&self) -> Result<Ref<'_, CorePayment>, PosError> {
        consumed(&self.completed)?;
        self.borrow()
    }

    /// Adds `method`'s tender of `amount` with the card reference `card`
    /// (see `card_refs`); refused once the payment settled a sale.
    pub(crate) fn add_with_card(
        &self,
        method: &str,
        amount: &JsValue,
        card: pos_core::tender::CardReference,
    ) -> Result<(), PosError> {
        let method = tender_method(method, None)?;
        let amount = Money::new(convert::amount("amount", amount)?, self.currency);
        let tender = pos_core::tender::Tender::new(method, amount).with_card(card);
        consumed(&self.completed)?;
        let mut payment = self.inner.try_borrow_mut().map_err(|_| busy())?;
        Ok(payment.add(tender)?)
    }
}

fn tender_method(
    method: &str,
    reference: Option<String>,
) -> Result<pos_core::tender::TenderMethod, PosError> {
    use pos_core::tender::TenderMethod as M;
    let reference = || {
        reference
            .clone()
            .ok_or_else(|| PosError::invalid("reference", "a voucher or card reference"))
    };
    Ok(match method {
        "cash" => M::Cash,
        "card" => M::Card,
        "cheque" => M::Cheque,
        "meal_voucher" => M::MealVoucher,
        "gift_card" => M::GiftCard {
            reference: reference()?,
        },
        "voucher" => M::Voucher {
            reference: reference()?,
        },
        "store_credit" => M::StoreCredit {
            reference: reference()?,
        },
        _ => {
            return Err(PosError::invalid(
                "tender method",
                "cash, card, cheque, meal_voucher, gift_card, voucher or store_credit",
            ));
        }
    })
}

#[wasm_bindgen]
impl Payment {
    /// Adds a tender: `method` is `cash`, `card`, `cheque`, `meal_voucher`,
    /// `gift_card`, `voucher` or `store_credit` (the last three with a
    /// `reference`); `amount` a decimal string. On error nothing changes.
    pub fn add(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TenderMethod")] method: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] amount: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] reference: JsValue,
    ) -> Result<(), JsValue> {
        let method = convert::text("tender method", "a TenderMethod string", &method)?;
        let reference = convert::opt_text("reference", "a string", &reference)?;
        let method = tender_method(&method, reference)?;
        let amount = Money::new(convert::amount("amount", &amount)?, self.currency);
        let tender = pos_core::tender::Tender::new(method, amount);
        consumed(&self.completed)?;
        self.inner
            .try_borrow_mut()
            .map_err(|_| busy())?
            .add(tender)
            .map_err(PosError::from)?;
        Ok(())
    }

    /// What is still to collect, or for a refund to pay back, as a positive
    /// decimal string (zero when settled, negative when tenders exceed it);
    /// tenders are added as positive amounts in both directions.
    pub fn remaining(&self) -> Result<String, JsValue> {
        Ok(self
            .borrow()?
            .outstanding()
            .map_err(PosError::from)?
            .format_plain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn tender_methods_by_name_and_a_typed_error_otherwise() {
        assert!(matches!(
            tender_method("cash", None),
            Ok(pos_core::tender::TenderMethod::Cash)
        ));
        assert!(tender_method("gift_card", None).is_err());
        assert!(tender_method("gift_card", Some("GC-1".into())).is_ok());
        let e = tender_method("bitcoin", None).unwrap_err();
        assert_eq!(e.code, "invalid_input");
    }
}
