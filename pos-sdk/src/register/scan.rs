//! Scanning: a code from the scanner becomes a cart line. EAN/UPC codes are
//! looked up by barcode; in-store codes (GS1 prefixes 20–29) carry an
//! article code and a weight or a price (scale labels); GS1 element strings
//! carry a GTIN and possibly a net weight or a price; anything else is tried
//! as an in-house barcode, then as a SKU. A code the catalog lists exactly
//! is always taken as that item first.

use super::Register;
use crate::SdkError;
use chrono::Datelike;
use pos_core::cart::{Cart, ItemQuantity, LineId};
use pos_core::ids::Sku;
use pos_core::item::{ItemSource, PriceContext, SellableItem};
use pos_core::{CoreError, Money};
use pos_hw::barcode::{Measure, ScanContext, describe};
use rust_decimal::Decimal;

impl Register {
    /// Resolves a scanned or typed code to an item and the quantity it carries.
    pub fn resolve_code(
        &self,
        code: &str,
        ctx: &PriceContext,
    ) -> Result<(SellableItem, ItemQuantity), SdkError> {
        let catalog = self.catalog()?;
        let one = ItemQuantity::Quantity(Decimal::ONE);
        // A code the catalog knows exactly wins: shops print their own
        // 20-prefixed codes, which would otherwise read as scale labels.
        if let Ok(item) = catalog.item_by_barcode(code.trim(), ctx) {
            return Ok((item, one));
        }
        let scan_ctx = ScanContext::new(self.clock.now().year());
        let Ok(info) = describe(code, &scan_ctx) else {
            // Not a GS1 code: an in-house barcode or a SKU typed by hand.
            let item = catalog.item_by_barcode(code.trim(), ctx).or_else(|_| {
                let sku = Sku::new(code.trim())?;
                catalog.item_by_sku(&sku, ctx)
            })?;
            return Ok((item, one));
        };
        if !info.valid {
            let barcode = code.trim().chars().take(64).collect();
            return Err(match &info.check_digit_mismatch {
                Some(m) => CoreError::BadCheckDigit {
                    barcode,
                    digit: m.digit.to_owned(),
                    expected: m.expected,
                    found: m.found,
                },
                None => CoreError::UnknownBarcode { barcode },
            }
            .into());
        }
        if let Some(in_store) = &info.in_store {
            let item = catalog
                .item_by_article_code(&in_store.article, ctx)
                .or_else(|_| catalog.item_by_barcode(&in_store.lookup_code, ctx))?;
            let quantity = match in_store.measure {
                Some(Measure::Weight { kg }) => ItemQuantity::Weight(kg),
                Some(Measure::Price { amount }) => {
                    ItemQuantity::LabelPrice(Money::new(amount, self.config.currency))
                }
                Some(Measure::Count { count }) => ItemQuantity::Quantity(Decimal::from(count)),
                None => one,
            };
            return Ok((item, quantity));
        }
        let key = info
            .digits
            .clone()
            .or_else(|| info.gtin14.clone())
            .unwrap_or_else(|| code.trim().to_owned());
        let item = catalog.item_by_barcode(&key, ctx).or_else(|e| {
            info.gtin14
                .as_deref()
                .map_or(Err(e), |g| catalog.item_by_barcode(g, ctx))
        })?;
        let quantity = match (info.weight_kg, info.price) {
            (Some(kg), _) => ItemQuantity::Weight(kg),
            (None, Some(amount)) => {
                ItemQuantity::LabelPrice(Money::new(amount, self.config.currency))
            }
            (None, None) => info
                .count
                .map_or(one, |n| ItemQuantity::Quantity(Decimal::from(n))),
        };
        Ok((item, quantity))
    }

    /// Scans a code into `cart`; on error the cart is unchanged. Refused
    /// (`day_closed`, `session_closed`, `clock_implausible`) when no sale
    /// could be recorded now.
    pub fn scan(
        &self,
        cart: &mut Cart,
        code: &str,
        ctx: &PriceContext,
    ) -> Result<LineId, SdkError> {
        self.sellable_now()?;
        let (item, quantity) = self.resolve_code(code, ctx)?;
        Ok(cart.add_item(item, quantity)?)
    }
}
