//! Operators at the till (issue 14): added on a till without a back office,
//! listed, signed in with their PIN. `signIn` gives an [`OperatorSession`]
//! that the `*As` calls take; the older `operator` + `manager` arguments
//! still work.

use crate::cart::Cart;
use crate::register::Register;
use crate::{PosError, convert, fiscal};
use pos_core::cart::Actor;
use pos_core::operator::{Operator, Role};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const OPERATORS_TS: &str = r#"
/** An operator's role: `custom` grants the permissions given with it. */
export type OperatorRole = "cashier" | "manager" | "trainee" | "custom";
/** What a role allows, by its stable name. */
export type OperatorPermission = "line_discount" | "ticket_discount" | "price_override" | "return" | "no_sale" | "closure";
/** An operator as the till lists it (never their PIN or its hash). */
export interface OperatorInfo { id: string; name: string; role: OperatorRole; permissions: OperatorPermission[]; active: boolean; }
"#;

#[derive(Serialize)]
struct OperatorInfo<'a> {
    id: &'a str,
    name: &'a str,
    role: &'a str,
    permissions: Vec<&'static str>,
    active: bool,
}

fn info(o: &Operator) -> Result<JsValue, PosError> {
    convert::to_js(&OperatorInfo {
        id: o.id.as_str(),
        name: &o.name,
        role: o.role.name(),
        permissions: o.role.permissions().iter().map(|p| p.name()).collect(),
        active: o.active,
    })
}

/// A signed-in operator: who acts and what their role allows.
#[wasm_bindgen]
#[derive(Debug)]
pub struct OperatorSession {
    actor: Actor,
}

#[wasm_bindgen]
impl OperatorSession {
    /// The operator's id (for the calls that take an operator id).
    #[wasm_bindgen(getter, js_name = operatorId)]
    pub fn operator_id(&self) -> String {
        self.actor.operator.to_string()
    }

    /// The permissions granted, by their stable names.
    #[wasm_bindgen(getter, unchecked_return_type = "OperatorPermission[]")]
    pub fn permissions(&self) -> Vec<String> {
        self.actor
            .permissions
            .iter()
            .map(|p| p.name().to_owned())
            .collect()
    }

    /// Whether `permission` (a stable name: `return`, `no_sale`...) is granted.
    pub fn has(&self, permission: &str) -> bool {
        pos_core::cart::Permission::from_name(permission)
            .is_some_and(|p| self.actor.permissions.has(p))
    }
}

#[wasm_bindgen]
impl Register {
    /// Adds an operator on this till: `role` is `cashier`, `manager`,
    /// `trainee` or `custom` (then `permissions` names what it grants);
    /// `pin` is 4 to 8 digits, kept only as a salted hash. Refused
    /// (CartError): `invalid_pin`, `invalid_operator_name`, `unknown_role`,
    /// `unknown_permission`, `invalid_input` (id already used).
    #[wasm_bindgen(js_name = addOperator, unchecked_return_type = "OperatorInfo")]
    pub fn add_operator(
        &self,
        id: &str,
        name: &str,
        #[wasm_bindgen(unchecked_param_type = "OperatorRole")] role: &str,
        #[wasm_bindgen(unchecked_param_type = "OperatorPermission[] | null | undefined")]
        permissions: Option<Vec<String>>,
        pin: &str,
    ) -> Result<JsValue, JsValue> {
        let id = convert::operator(id)?;
        let role = Role::from_parts(role, &permissions.unwrap_or_default())
            .map_err(|e| PosError::from(pos_sdk::SdkError::from(e)))?;
        let op = self
            .sdk()?
            .add_operator(&id, name, role, pin)
            .map_err(PosError::from)?;
        Ok(info(&op)?)
    }

    /// Enables or disables an operator (a disabled one cannot sign in);
    /// returns whether it changed. Unknown id: `unknown_operator`.
    #[wasm_bindgen(js_name = setOperatorActive)]
    pub fn set_operator_active(&self, id: &str, active: bool) -> Result<bool, JsValue> {
        let id = convert::operator(id)?;
        Ok(self
            .sdk()?
            .set_operator_active(&id, active)
            .map_err(PosError::from)?)
    }

    /// Every operator of the till, by id.
    #[wasm_bindgen(unchecked_return_type = "OperatorInfo[]")]
    pub fn operators(&self) -> Result<JsValue, JsValue> {
        let list = self.sdk()?.operators().map_err(PosError::from)?;
        let out = js_sys::Array::new();
        for o in &list {
            out.push(&info(o)?);
        }
        Ok(out.into())
    }

    /// Signs an operator in with their PIN. Refused (CartError):
    /// `unknown_operator`, `operator_inactive`, `operator_locked` (five
    /// wrong PINs lock for five minutes, across restarts), `wrong_pin`
    /// (the message says how many tries are left), `invalid_pin`.
    #[wasm_bindgen(js_name = signIn)]
    pub fn sign_in(&self, id: &str, pin: &str) -> Result<OperatorSession, JsValue> {
        let id = convert::operator(id)?;
        let actor = self.sdk()?.sign_in(&id, pin).map_err(PosError::from)?;
        Ok(OperatorSession { actor })
    }

    /// Opens the drawer without a sale (needs `no_sale`, else
    /// `permission_required`); returns the ESC/POS pulse for the printer.
    #[wasm_bindgen(js_name = openDrawerNoSale)]
    pub fn open_drawer_no_sale(
        &self,
        session: &OperatorSession,
        reason: Option<String>,
    ) -> Result<Vec<u8>, JsValue> {
        let opening = self
            .sdk()?
            .open_drawer_no_sale(&session.actor, reason.as_deref())
            .map_err(PosError::from)?;
        Ok(opening.bytes)
    }

    /// Closes today's fiscal day by a signed-in operator (needs
    /// `closure`); returns the Z records made (`"Z 1"`).
    #[wasm_bindgen(js_name = closeDayAs)]
    pub fn close_day_as(&self, session: &OperatorSession) -> Result<Vec<String>, JsValue> {
        let made = self
            .sdk()?
            .close_day_as(&session.actor, None, None)
            .map_err(PosError::from)?;
        Ok(fiscal::refs(&made))
    }

    /// Closes month `month` (1-12) of `year` (and first its missing days)
    /// by a signed-in operator (needs `closure`); returns the closure
    /// records made, oldest first.
    #[wasm_bindgen(js_name = closeMonthAs)]
    pub fn close_month_as(
        &self,
        session: &OperatorSession,
        year: i32,
        month: u32,
    ) -> Result<Vec<String>, JsValue> {
        let made = self
            .sdk()?
            .close_month_as(&session.actor, year, month)
            .map_err(PosError::from)?;
        Ok(fiscal::refs(&made))
    }

    /// Closes `year` (and first its missing months) by a signed-in
    /// operator (needs `closure`); returns the closure records made.
    #[wasm_bindgen(js_name = closeYearAs)]
    pub fn close_year_as(
        &self,
        session: &OperatorSession,
        year: i32,
    ) -> Result<Vec<String>, JsValue> {
        let made = self
            .sdk()?
            .close_year_as(&session.actor, year)
            .map_err(PosError::from)?;
        Ok(fiscal::refs(&made))
    }

    /// A cart refunding everything still refundable on `ticketId`, by a
    /// signed-in operator (needs `return`).
    #[wasm_bindgen(js_name = refundCartAs)]
    pub fn refund_cart_as(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
        session: &OperatorSession,
    ) -> Result<Cart, JsValue> {
        let cart = self
            .sdk()?
            .refund_cart(ticket_id, None, &session.actor)
            .map_err(PosError::from)?;
        Ok(Cart::wrap(cart))
    }
}
