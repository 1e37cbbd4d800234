//! Manual adjustments and who may make them: discounts with a reason, the
//! operator acting, and the permissions their role grants.

use super::text::{MAX_REASON_LEN, checked_text};
use crate::CoreError;
use crate::ids::OperatorId;
use crate::pricing::Discount;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Something an operator may or may not be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Replace a line's unit price.
    PriceOverride,
    /// Give a discount on a line.
    LineDiscount,
    /// Give a discount on the whole ticket.
    TicketDiscount,
    /// Take goods back (return lines, refunds).
    Return,
    /// Open the cash drawer without a sale ("no sale").
    NoSale,
    /// Make a fiscal closure (day, month or year Z).
    Closure,
}

impl Permission {
    /// Every permission, in their stable order.
    pub const ALL: [Permission; 6] = [
        Permission::PriceOverride,
        Permission::LineDiscount,
        Permission::TicketDiscount,
        Permission::Return,
        Permission::NoSale,
        Permission::Closure,
    ];

    /// The permission of a stable name (`no_sale`), if any.
    pub fn from_name(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Stable snake_case name, used in errors.
    pub fn name(&self) -> &'static str {
        match self {
            Permission::PriceOverride => "price_override",
            Permission::LineDiscount => "line_discount",
            Permission::TicketDiscount => "ticket_discount",
            Permission::Return => "return",
            Permission::NoSale => "no_sale",
            Permission::Closure => "closure",
        }
    }
}

/// The set of permissions an operator's role grants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(BTreeSet<Permission>);

impl Permissions {
    /// No permission at all (a trainee).
    pub fn none() -> Permissions {
        Permissions(BTreeSet::new())
    }

    /// A cashier: line and ticket discounts, no override, no return.
    pub fn cashier() -> Permissions {
        Permissions::none()
            .with(Permission::LineDiscount)
            .with(Permission::TicketDiscount)
    }

    /// A manager: everything.
    pub fn manager() -> Permissions {
        Permissions::cashier()
            .with(Permission::PriceOverride)
            .with(Permission::Return)
            .with(Permission::NoSale)
            .with(Permission::Closure)
    }

    /// The permissions granted, in their stable order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    /// The same set plus `permission`.
    pub fn with(mut self, permission: Permission) -> Permissions {
        self.0.insert(permission);
        self
    }

    /// True when `permission` is granted.
    pub fn has(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    /// `Ok` when granted, [`CoreError::PermissionDenied`] otherwise.
    pub fn require(&self, permission: Permission) -> Result<(), CoreError> {
        if self.has(permission) {
            Ok(())
        } else {
            Err(CoreError::PermissionDenied {
                permission: permission.name(),
            })
        }
    }
}

/// The operator doing an action and what their role allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Who acts (printed next to manual discounts, kept in the journal).
    pub operator: OperatorId,
    /// What their role allows.
    pub permissions: Permissions,
}

impl Actor {
    /// An operator with a set of permissions.
    pub fn new(operator: OperatorId, permissions: Permissions) -> Actor {
        Actor {
            operator,
            permissions,
        }
    }
}

/// A discount keyed by an operator, with the reason printed on the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualDiscount {
    /// Percent or amount (whole minor units).
    pub discount: Discount,
    /// A short reason code from the store's list (`DAMAGED`, `STAFF`...).
    pub reason_code: String,
    /// An optional free text.
    pub reason_text: Option<String>,
    /// The operator who gave it.
    pub operator: OperatorId,
}

impl ManualDiscount {
    /// A discount with a reason code and an optional text; both are checked
    /// (1 to [`MAX_REASON_LEN`] printable characters). The value itself is
    /// checked against the line when the cart reprices.
    pub fn new(
        discount: Discount,
        reason_code: &str,
        reason_text: Option<&str>,
        operator: OperatorId,
    ) -> Result<ManualDiscount, CoreError> {
        let reason_code = checked_text("reason code", reason_code, MAX_REASON_LEN)?;
        let reason_text = reason_text
            .map(|t| checked_text("reason text", t, MAX_REASON_LEN))
            .transpose()?;
        Ok(ManualDiscount {
            discount,
            reason_code,
            reason_text,
            operator,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_they_say() {
        assert!(Permissions::cashier().has(Permission::LineDiscount));
        assert!(!Permissions::cashier().has(Permission::PriceOverride));
        assert!(Permissions::manager().has(Permission::PriceOverride));
        assert_eq!(
            Permissions::none().require(Permission::Return),
            Err(CoreError::PermissionDenied {
                permission: "return"
            })
        );
    }

    #[test]
    fn reasons_are_checked() {
        let op = OperatorId::new("op-1").unwrap();
        let d = Discount::Amount(rust_decimal::Decimal::ONE);
        assert!(ManualDiscount::new(d, "DAMAGED", Some("boîte abîmée"), op.clone()).is_ok());
        assert!(ManualDiscount::new(d, "", None, op.clone()).is_err());
        assert!(ManualDiscount::new(d, "X", Some("a\nb"), op).is_err());
    }
}
