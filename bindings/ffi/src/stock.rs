//! Stock outside sales at the till's location: goods received, losses,
//! transfers to another location and inventory counts. Each returns what
//! the till holds afterwards.

use crate::catalog::{StockLevel, level_at};
use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::ids::{LocationId, Sku};
use pos_core::stock::MovementReason;
use std::collections::BTreeMap;

/// One SKU counted during an inventory.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StockCount {
    /// The variant's SKU.
    pub sku: String,
    /// The quantity found on the shelf (decimal string).
    pub quantity: String,
}

impl Register {
    fn record(
        &self,
        reason: MovementReason,
        sku: &str,
        quantity: &str,
        operator: &str,
        reference: Option<String>,
    ) -> Result<StockLevel, PosError> {
        guard(|| {
            let sku = Sku::new(sku)?;
            let quantity = convert::decimal("quantity", quantity)?;
            let op = convert::operator(operator)?;
            let mut reg = lock(&self.inner);
            let location = reg.config().location.clone();
            reg.record_stock(reason, &sku, &location, quantity, &op, reference)?;
            level_at(&reg, &sku, None)
        })
    }
}

#[uniffi::export]
impl Register {
    /// Records goods received from a supplier (`reference`: the delivery
    /// note); returns the level after.
    pub fn receive_stock(
        &self,
        sku: String,
        quantity: String,
        operator: String,
        reference: Option<String>,
    ) -> Result<StockLevel, PosError> {
        self.record(
            MovementReason::Receipt,
            &sku,
            &quantity,
            &operator,
            reference,
        )
    }

    /// Records goods lost (broken, expired, stolen); returns the level after.
    pub fn record_loss(
        &self,
        sku: String,
        quantity: String,
        operator: String,
        reference: Option<String>,
    ) -> Result<StockLevel, PosError> {
        self.record(MovementReason::Loss, &sku, &quantity, &operator, reference)
    }

    /// Moves `quantity` of `sku` from the till's location to `to`; returns
    /// the till's level after. More than is available is refused.
    pub fn transfer_stock(
        &self,
        sku: String,
        to: String,
        quantity: String,
        operator: String,
    ) -> Result<StockLevel, PosError> {
        guard(|| {
            let sku = Sku::new(sku)?;
            let to = LocationId::new(to)?;
            let quantity = convert::decimal("quantity", &quantity)?;
            let op = convert::operator(&operator)?;
            let mut reg = lock(&self.inner);
            let from = reg.config().location.clone();
            reg.transfer_stock(&sku, &from, &to, quantity, &op)?;
            level_at(&reg, &sku, None)
        })
    }

    /// Posts an inventory count of the till's location: each difference
    /// with the levels becomes an adjustment. Returns how many were made.
    pub fn count_stock(&self, counted: Vec<StockCount>, operator: String) -> Result<u32, PosError> {
        guard(|| {
            let mut map = BTreeMap::new();
            for c in &counted {
                map.insert(
                    Sku::new(&c.sku)?,
                    convert::decimal("quantity", &c.quantity)?,
                );
            }
            let op = convert::operator(&operator)?;
            let mut reg = lock(&self.inner);
            let location = reg.config().location.clone();
            let made = reg.count_stock(&location, &map, &op)?;
            u32::try_from(made.len()).map_err(|_| PosError::invalid("count", "fewer adjustments"))
        })
    }
}
