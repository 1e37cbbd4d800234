//! Newtypes for identifiers and codes, so that a SKU cannot be passed where a
//! category is expected. All are short printable strings (1 to 64 characters,
//! no control characters); ids made by the SDK are UUID v7 strings.

use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest identifier accepted.
pub const MAX_ID_LEN: usize = 64;

macro_rules! string_id {
    ($(#[$doc:meta] $name:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an identifier.
            pub fn new(value: impl Into<String>) -> Result<Self, CoreError> {
                let value = value.into();
                validate(stringify!($name), &value)?;
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(value: String) -> Result<Self, CoreError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, CoreError> {
                Self::new(s)
            }
        }
    )+};
}

string_id!(
    /// Stock keeping unit: identifies one sellable variant.
    Sku,
    /// A product (the family of its variants).
    ProductId,
    /// A catalog category.
    CategoryId,
    /// A barcode as scanned or printed (digits for EAN/UPC, any text for in-house codes).
    Barcode,
    /// A price list.
    PriceListId,
    /// A customer group (staff, pro, VIP...).
    CustomerGroupId,
    /// A store (establishment).
    StoreId,
    /// A register (till) within a store.
    RegisterId,
    /// A stock location (shop floor, back room, warehouse).
    LocationId,
    /// An operator (cashier) identifier.
    OperatorId,
    /// A customer identifier (pseudonymous: never a name or an e-mail).
    CustomerId,
    /// A promotion.
    PromotionId,
    // --- store life (core-store) ---
    /// A stock movement (UUID v7 made by the client: the idempotency key).
    MovementId,
    /// A web or click & collect order.
    OrderId,
    /// A completed ticket (sale or refund document), as other ledgers refer to it.
    TicketId,
    /// One operation on a ledger (loyalty, stored value, cash session): its idempotency key.
    OperationId,
    /// A cash session (one drawer from opening float to close).
    CashSessionId,
    /// A loyalty reward in the catalogue of rewards.
    RewardId,
    /// A loyalty tier.
    TierId,
);

fn validate(kind: &'static str, value: &str) -> Result<(), CoreError> {
    let ok = !value.is_empty()
        && value.chars().count() <= MAX_ID_LEN
        && !value.chars().any(char::is_control)
        && value.trim() == value;
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidId { kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_validate() {
        assert_eq!(Sku::new("BAG-001").unwrap().as_str(), "BAG-001");
        assert_eq!(Sku::new(""), Err(CoreError::InvalidId { kind: "Sku" }));
        assert!(Sku::new(" x").is_err());
        assert!(Sku::new("a\nb").is_err());
        assert!(Sku::new("x".repeat(65)).is_err());
        let parsed: Sku = serde_json::from_str("\"A1\"").unwrap();
        assert_eq!(parsed.to_string(), "A1");
        assert!(serde_json::from_str::<Sku>("\"\"").is_err());
    }
}
