//! Operators at the till (issue 14): added on a till without a back office,
//! listed, signed in with their PIN. Signing in gives an [`OperatorSession`]
//! that the `*_as` calls take instead of the older operator id and
//! `manager` flag (which still work).

use crate::cart::Cart;
use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::cart::Actor;
use pos_core::operator::{Operator, Role};
use std::sync::Arc;

/// An operator as the till lists it (never their PIN or its hash).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OperatorInfo {
    /// Their id (printed on tickets, kept in the journal).
    pub id: String,
    /// Their display name.
    pub name: String,
    /// `cashier`, `manager`, `trainee` or `custom`.
    pub role: String,
    /// What the role allows (`line_discount`, `return`, `no_sale`, `closure`...).
    pub permissions: Vec<String>,
    /// A disabled operator cannot sign in.
    pub active: bool,
}

impl From<&Operator> for OperatorInfo {
    fn from(o: &Operator) -> OperatorInfo {
        OperatorInfo {
            id: o.id.to_string(),
            name: o.name.clone(),
            role: o.role.name().to_owned(),
            permissions: names(&o.role.permissions()),
            active: o.active,
        }
    }
}

fn names(p: &pos_core::cart::Permissions) -> Vec<String> {
    p.iter().map(|p| p.name().to_owned()).collect()
}

/// A signed-in operator: who acts and what their role allows.
#[derive(Debug, uniffi::Object)]
pub struct OperatorSession {
    pub(crate) actor: Actor,
}

#[uniffi::export]
impl OperatorSession {
    /// The operator's id (for the calls that take an operator id).
    pub fn operator_id(&self) -> String {
        self.actor.operator.to_string()
    }

    /// The permissions granted, by their stable names.
    pub fn permissions(&self) -> Vec<String> {
        names(&self.actor.permissions)
    }

    /// Whether `permission` (a stable name) is granted.
    pub fn has(&self, permission: String) -> bool {
        pos_core::cart::Permission::from_name(&permission)
            .is_some_and(|p| self.actor.permissions.has(p))
    }
}

#[uniffi::export]
impl Register {
    /// Adds an operator on this till: `role` is `cashier`, `manager`,
    /// `trainee` or `custom` (then `permissions` names what it grants);
    /// `pin` is 4 to 8 digits, kept only as a salted hash. Refused:
    /// `invalid_pin`, `invalid_operator_name`, `unknown_role`,
    /// `unknown_permission`, `invalid_input` (id already used).
    pub fn add_operator(
        &self,
        id: String,
        name: String,
        role: String,
        permissions: Vec<String>,
        pin: String,
    ) -> Result<OperatorInfo, PosError> {
        guard(|| {
            let id = convert::operator(&id)?;
            let role = Role::from_parts(&role, &permissions).map_err(pos_sdk::SdkError::from)?;
            let op = lock(&self.inner).add_operator(&id, &name, role, &pin)?;
            Ok(OperatorInfo::from(&op))
        })
    }

    /// Enables or disables an operator; returns whether it changed.
    pub fn set_operator_active(&self, id: String, active: bool) -> Result<bool, PosError> {
        guard(|| {
            let id = convert::operator(&id)?;
            Ok(lock(&self.inner).set_operator_active(&id, active)?)
        })
    }

    /// Every operator of the till, by id.
    pub fn operators(&self) -> Result<Vec<OperatorInfo>, PosError> {
        guard(|| {
            Ok(lock(&self.inner)
                .operators()?
                .iter()
                .map(OperatorInfo::from)
                .collect())
        })
    }

    /// Signs an operator in with their PIN. Refused (`PosError.Cart`):
    /// `unknown_operator`, `operator_inactive`, `operator_locked` (five
    /// wrong PINs lock for five minutes, across restarts), `wrong_pin`
    /// (the message says how many tries are left), `invalid_pin`.
    pub fn sign_in(&self, id: String, pin: String) -> Result<Arc<OperatorSession>, PosError> {
        guard(|| {
            let id = convert::operator(&id)?;
            let actor = lock(&self.inner).sign_in(&id, &pin)?;
            Ok(Arc::new(OperatorSession { actor }))
        })
    }

    /// Opens the drawer without a sale (needs `no_sale`, else
    /// `permission_required`); returns the ESC/POS pulse for the printer
    /// the drawer hangs on. `reason`: at most 64 characters.
    pub fn open_drawer_no_sale(
        &self,
        session: &OperatorSession,
        reason: Option<String>,
    ) -> Result<Vec<u8>, PosError> {
        guard(|| {
            let opening =
                lock(&self.inner).open_drawer_no_sale(&session.actor, reason.as_deref())?;
            Ok(opening.bytes)
        })
    }

    /// Closes today's fiscal day by a signed-in operator (needs `closure`);
    /// returns the Z records made, as `"Z <number>"`.
    pub fn close_day_as(&self, session: &OperatorSession) -> Result<Vec<String>, PosError> {
        guard(|| {
            let made = lock(&self.inner).close_day_as(&session.actor, None, None)?;
            Ok(made
                .iter()
                .map(|d| format!("{} {}", d.series.code(), d.number))
                .collect())
        })
    }

    /// A cart refunding everything still refundable on `ticket_id`, by a
    /// signed-in operator (needs `return`).
    pub fn refund_cart_as(
        &self,
        ticket_id: String,
        session: &OperatorSession,
    ) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let cart = lock(&self.inner).refund_cart(&ticket_id, None, &session.actor)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }
}
