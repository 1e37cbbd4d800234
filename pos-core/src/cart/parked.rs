//! A parked cart: what was rung up, set aside so the till can serve the next
//! customer and take it back later, across a restart.
//!
//! A resumed cart keeps its lines as they were rung (item, unit price,
//! overrides, manual discounts, notes, coupons): the customer was told those
//! prices, and a price change between parking and resuming must not surprise
//! them at the counter. Promotions are evaluated again when it is resumed,
//! with the till's promotions and time then (a happy hour that ended no
//! longer applies), as they would for a cart rung up then. Carts holding
//! return lines (refunds, exchanges) are not parked: what is left to refund
//! on their originals may change meanwhile.

use super::adjust::ManualDiscount;
use super::line::PriceSource;
use super::state::Cart;
use crate::ids::PromotionId;
use crate::item::SellableItem;
use crate::pricing::TaxMode;
use crate::{CoreError, Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The inputs of a cart, without what repricing derives from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedCart {
    /// The cart's currency.
    pub currency: Currency,
    /// Tax-inclusive or tax-exclusive prices.
    pub tax_mode: TaxMode,
    /// The lines, in order.
    pub lines: Vec<ParkedLine>,
    /// The manual ticket discount, if any.
    pub ticket_discount: Option<ManualDiscount>,
    /// The ticket note, if any.
    pub note: Option<String>,
    /// Coupons entered, as typed.
    pub coupons: Vec<String>,
}

/// One parked line: the item as it was rung and what the operator did to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedLine {
    /// The item snapshot (label, price, VAT rate...).
    pub item: SellableItem,
    /// Quantity or weight.
    pub quantity: Decimal,
    /// The unit price charged.
    pub unit_price: Money,
    /// Where that price comes from (catalog, scale label, override).
    pub price_source: PriceSource,
    /// A manual line discount, if any.
    pub manual_discount: Option<ManualDiscount>,
    /// A line note, if any.
    pub note: Option<String>,
    /// The promotion whose free item this line is, if any.
    pub reward_of: Option<PromotionId>,
}

impl Cart {
    /// The cart's inputs, to park it; `None` when it holds return lines.
    pub fn to_parked(&self) -> Option<ParkedCart> {
        let mut lines = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            if l.is_return() || l.original.is_some() {
                return None;
            }
            lines.push(ParkedLine {
                item: (*l.item).clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                price_source: l.price_source.clone(),
                manual_discount: l.manual_discount.clone(),
                note: l.note.clone(),
                reward_of: l.reward_of.clone(),
            });
        }
        Some(ParkedCart {
            currency: self.currency,
            tax_mode: self.tax_mode,
            lines,
            ticket_discount: self.ticket_discount.clone(),
            note: self.note.clone(),
            coupons: self.coupons().to_vec(),
        })
    }

    /// Replaces this cart's content with a parked one and reprices it with
    /// this cart's promotions (see the module docs). Every line is checked
    /// as when it was rung; on any refusal the cart is left unchanged.
    pub fn restore_parked(&mut self, parked: &ParkedCart) -> Result<(), CoreError> {
        if parked.currency != self.currency {
            return Err(CoreError::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: parked.currency.code().to_owned(),
            });
        }
        self.transact(|cart| {
            cart.lines.clear();
            cart.tax_mode = parked.tax_mode;
            for (position, p) in parked.lines.iter().enumerate() {
                cart.check_item(&p.item)?;
                let unit = match p.price_source {
                    PriceSource::ScaleLabel => crate::item::Unit::Piece,
                    _ => p.item.unit,
                };
                super::quantity::check_quantity(unit, p.quantity, position)?;
                if p.quantity.is_sign_negative() || p.unit_price.currency() != cart.currency {
                    return Err(CoreError::InvalidAmount {
                        amount: p.unit_price.amount().to_string(),
                    });
                }
                let id = cart.push_line(
                    p.item.clone(),
                    p.quantity,
                    p.unit_price,
                    p.price_source.clone(),
                    None,
                )?;
                let line = cart.line_mut(cart.position(id)?)?;
                line.manual_discount = p.manual_discount.clone();
                line.note = p.note.clone();
                line.reward_of = p.reward_of.clone();
            }
            cart.ticket_discount = parked.ticket_discount.clone();
            cart.note = parked.note.clone();
            if let Some(ctx) = cart.promo.ctx.as_mut() {
                ctx.coupons = parked.coupons.clone();
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VatRate;
    use crate::cart::{Actor, ItemQuantity, Permissions};
    use crate::ids::{OperatorId, ProductId, Sku};
    use crate::item::Unit;
    use crate::pricing::Discount;

    fn item(sku: &str, cents: i64) -> SellableItem {
        SellableItem {
            sku: Sku::new(sku).unwrap(),
            product_id: ProductId::new(sku).unwrap(),
            label: sku.into(),
            unit_price: Money::new(Decimal::new(cents, 2), Currency::EUR),
            price_list: None,
            vat_rate: VatRate::FR_STANDARD,
            unit: Unit::Piece,
            categories: vec![],
            meal_voucher_eligible: false,
            durable_good: false,
            scanned_barcode: None,
            quantity_breaks: vec![],
        }
    }

    #[test]
    fn a_parked_cart_comes_back_with_the_same_lines_and_total() {
        let manager = Actor::new(OperatorId::new("m").unwrap(), Permissions::manager());
        let mut cart = Cart::new(Currency::EUR);
        let a = cart
            .add_item(item("A", 1000), ItemQuantity::Quantity(Decimal::from(3)))
            .unwrap();
        cart.add_item(item("B", 250), ItemQuantity::Quantity(Decimal::ONE))
            .unwrap();
        cart.set_line_discount(
            a,
            Discount::Percent(Decimal::from(10)),
            "STAFF",
            None,
            &manager,
        )
        .unwrap();
        cart.override_price(
            a,
            Money::new(Decimal::new(900, 2), Currency::EUR),
            "damaged",
            &manager,
        )
        .unwrap();
        cart.set_note(Some("table 4")).unwrap();
        let parked = cart.to_parked().unwrap();
        let json = serde_json::to_string(&parked).unwrap();
        let back: ParkedCart = serde_json::from_str(&json).unwrap();
        let mut resumed = Cart::new(Currency::EUR);
        resumed.restore_parked(&back).unwrap();
        assert_eq!(resumed.total(), cart.total());
        assert_eq!(resumed.total().amount(), Decimal::new(2680, 2)); // 27.00 - 2.70 + 2.50
        assert_eq!(resumed.lines().len(), 2);
        assert_eq!(resumed.note(), Some("table 4"));
        assert!(matches!(
            resumed.lines()[0].price_source(),
            PriceSource::Override { .. }
        ));
    }

    #[test]
    fn bad_parked_carts_change_nothing() {
        let mut cart = Cart::new(Currency::EUR);
        cart.add_item(item("A", 1000), ItemQuantity::Quantity(Decimal::ONE))
            .unwrap();
        let mut parked = cart.to_parked().unwrap();
        parked.lines[0].quantity = Decimal::new(15, 1); // 1.5 pieces
        let mut target = Cart::new(Currency::EUR);
        assert!(target.restore_parked(&parked).is_err());
        assert!(target.is_empty());
        let mut usd = Cart::new(Currency::from_code("USD").unwrap());
        assert!(usd.restore_parked(&cart.to_parked().unwrap()).is_err());
        // Returns are not parked.
        let manager = Actor::new(OperatorId::new("m").unwrap(), Permissions::manager());
        cart.add_return(item("B", 100), Decimal::ONE, None, &manager)
            .unwrap();
        assert_eq!(cart.to_parked(), None);
    }
}
