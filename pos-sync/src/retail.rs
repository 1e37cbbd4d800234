//! The chain-retail messages: what a till asks the server about the other
//! stores of its retailer. Customers found by name, phone, e-mail or
//! loyalty card with their points across stores, a customer's purchase
//! history in every store, an item's stock in every store, and a stock
//! transfer or a click & collect order started from the till.
//!
//! Every request is signed by the till's device like a push; the server
//! answers with the stores of the device's own retailer only. Ids and codes
//! are pos-core's newtypes, so a malformed SKU, customer id or store id is
//! refused when the message is decoded.

use crate::error::{Result, SyncError};
use crate::wire::{check_version, decode};
use pos_core::customer::Customer;
use pos_core::ids::{CustomerId, LocationId, Sku, StoreId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Routes of the chain-retail queries (all `POST`, signed by the device).
pub mod paths {
    /// Customers of the retailer matching a query.
    pub const CUSTOMER_SEARCH: &str = "/v1/retail/customers/search";
    /// A customer's tickets in every store of the retailer.
    pub const CUSTOMER_HISTORY: &str = "/v1/retail/customers/history";
    /// An item's stock in every store of the retailer.
    pub const STOCK: &str = "/v1/retail/stock";
    /// A stock transfer between stores of the retailer.
    pub const TRANSFER: &str = "/v1/retail/transfer";
    /// A click & collect order in a store of the retailer.
    pub const ORDER: &str = "/v1/retail/order";
}

/// The most customers a search returns.
pub const MAX_CUSTOMERS: usize = 50;
/// The most tickets a history returns (newest first).
pub const MAX_TICKETS: usize = 200;
/// The most lines of a click & collect order.
pub const MAX_ORDER_LINES: usize = 500;

/// Looks customers up by what the cashier typed (see
/// [`pos_core::customer::CustomerQuery`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerSearchRequest {
    /// Protocol version.
    pub protocol: u32,
    /// Name, phone, e-mail or card code.
    pub query: String,
}

/// A customer found, with their points in the whole chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundCustomer {
    /// The record as pos-core reads it.
    pub customer: Customer,
    /// Loyalty points, summed over every store of the retailer.
    pub points: i64,
}

/// The customers matching a search, sorted by id, at most [`MAX_CUSTOMERS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerSearchResponse {
    /// The customers.
    pub customers: Vec<FoundCustomer>,
}

/// Asks for a customer's purchase history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerHistoryRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The customer.
    pub customer: CustomerId,
}

/// One line of a ticket in a history: what was bought, not its VAT detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryLine {
    /// Designation as printed.
    pub label: String,
    /// Quantity (negative on a refund).
    pub quantity: Decimal,
    /// Line amount, tax included.
    pub amount: Decimal,
}

/// One ticket of a customer, in any store of the retailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryTicket {
    /// The store that sold.
    pub store: StoreId,
    /// The till (register id within the store).
    pub register: String,
    /// The ticket number as printed.
    pub number: String,
    /// The ticket id.
    pub ticket_id: String,
    /// When it was completed (RFC 3339, UTC).
    pub at: String,
    /// Total, tax included.
    pub total: Decimal,
    /// Its lines.
    pub lines: Vec<HistoryLine>,
}

/// A customer's tickets, newest first, at most [`MAX_TICKETS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerHistoryResponse {
    /// The customer.
    pub customer: CustomerId,
    /// The tickets.
    pub tickets: Vec<HistoryTicket>,
}

/// Asks for an item's stock in every store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The item.
    pub sku: Sku,
}

/// An item's stock at one location of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreStock {
    /// The store.
    pub store: StoreId,
    /// The location in the store.
    pub location: String,
    /// On hand.
    pub on_hand: Decimal,
    /// Reserved by orders.
    pub reserved: Decimal,
    /// On hand minus reserved.
    pub available: Decimal,
}

/// An item's stock per store and location, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockResponse {
    /// The item.
    pub sku: Sku,
    /// Every store and location that ever held it.
    pub levels: Vec<StoreStock>,
}

/// Moves stock from a location of one store of the retailer to a location
/// of another (or the same) store: both legs in one server transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The till's id for the transfer (idempotency key, 1 to 56 characters).
    pub id: String,
    /// The item.
    pub sku: Sku,
    /// The store the goods leave.
    pub from_store: StoreId,
    /// Where they leave from.
    pub from: LocationId,
    /// The store they go to.
    pub to_store: StoreId,
    /// Where they arrive.
    pub to: LocationId,
    /// Positive quantity, at most 3 decimals.
    pub quantity: Decimal,
}

/// A transfer done (or found done with the same id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferResponse {
    /// The transfer id.
    pub id: String,
    /// False when the same id was already done (nothing moved again).
    pub created: bool,
}

/// One line of a click & collect order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// The item.
    pub sku: Sku,
    /// Positive quantity, at most 3 decimals.
    pub quantity: Decimal,
}

/// A click & collect order for a store of the retailer, its stock reserved
/// there at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The store where the customer picks it up.
    pub store: StoreId,
    /// The till's id for the order (idempotency key).
    pub id: String,
    /// The location whose stock is reserved.
    pub location: LocationId,
    /// Lines (1 to [`MAX_ORDER_LINES`]).
    pub lines: Vec<OrderLine>,
    /// Pickup time (RFC 3339).
    #[serde(default)]
    pub pickup_at: Option<String>,
}

/// The order as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderResponse {
    /// The order id.
    pub id: String,
    /// The store.
    pub store: StoreId,
    /// Its state (`received` when new).
    pub state: String,
}

/// Decodes a customer search; the query must parse as pos-core's
/// [`pos_core::customer::CustomerQuery`].
pub fn decode_customer_search(bytes: &[u8]) -> Result<CustomerSearchRequest> {
    let r: CustomerSearchRequest = decode(bytes, "customer search")?;
    check_version(r.protocol)?;
    pos_core::customer::CustomerQuery::parse(&r.query).map_err(|_| SyncError::Invalid {
        message: "customer search",
        rule: "a name, phone, e-mail or card code of 1 to 128 printable characters",
    })?;
    Ok(r)
}

/// Decodes a history request.
pub fn decode_customer_history(bytes: &[u8]) -> Result<CustomerHistoryRequest> {
    let r: CustomerHistoryRequest = decode(bytes, "customer history")?;
    check_version(r.protocol)?;
    Ok(r)
}

/// Decodes a stock request.
pub fn decode_stock(bytes: &[u8]) -> Result<StockRequest> {
    let r: StockRequest = decode(bytes, "stock request")?;
    check_version(r.protocol)?;
    Ok(r)
}

/// Decodes a transfer request (the quantity and id are checked again by
/// the transfer itself).
pub fn decode_transfer(bytes: &[u8]) -> Result<TransferRequest> {
    let r: TransferRequest = decode(bytes, "transfer request")?;
    check_version(r.protocol)?;
    if r.quantity <= Decimal::ZERO || r.quantity.normalize().scale() > 3 {
        return Err(SyncError::Invalid {
            message: "transfer request",
            rule: "the quantity is positive with at most 3 decimals",
        });
    }
    Ok(r)
}

/// Decodes an order request.
pub fn decode_order(bytes: &[u8]) -> Result<OrderRequest> {
    let r: OrderRequest = decode(bytes, "order request")?;
    check_version(r.protocol)?;
    if r.lines.is_empty() || r.lines.len() > MAX_ORDER_LINES {
        return Err(SyncError::Invalid {
            message: "order request",
            rule: "1 to 500 lines",
        });
    }
    Ok(r)
}

/// Decodes a search answer.
pub fn decode_customer_search_response(bytes: &[u8]) -> Result<CustomerSearchResponse> {
    decode(bytes, "customer search response")
}

/// Decodes a history answer.
pub fn decode_customer_history_response(bytes: &[u8]) -> Result<CustomerHistoryResponse> {
    decode(bytes, "customer history response")
}

/// Decodes a stock answer.
pub fn decode_stock_response(bytes: &[u8]) -> Result<StockResponse> {
    decode(bytes, "stock response")
}

/// Decodes a transfer answer.
pub fn decode_transfer_response(bytes: &[u8]) -> Result<TransferResponse> {
    decode(bytes, "transfer response")
}

/// Decodes an order answer.
pub fn decode_order_response(bytes: &[u8]) -> Result<OrderResponse> {
    decode(bytes, "order response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_with_pos_core_types() {
        assert!(decode_stock(br#"{"protocol":1,"sku":"TS-M"}"#).is_ok());
        assert!(decode_stock(br#"{"protocol":1,"sku":""}"#).is_err());
        assert!(decode_stock(br#"{"protocol":9,"sku":"TS-M"}"#).is_err());
        assert!(decode_stock(br#"{"protocol":1,"sku":"TS-M","x":1}"#).is_err());
        assert!(decode_customer_history(br#"{"protocol":1,"customer":"c-1"}"#).is_ok());
        assert!(decode_customer_history(br#"{"protocol":1,"customer":"a\u0007"}"#).is_err());
        assert!(decode_customer_search(br#"{"protocol":1,"query":"06 12 34 56 78"}"#).is_ok());
        assert!(decode_customer_search(br#"{"protocol":1,"query":"  "}"#).is_err());
        let t = |q: &str| {
            format!(
                r#"{{"protocol":1,"id":"t1","sku":"S","from_store":"a","from":"shop","to_store":"b","to":"shop","quantity":"{q}"}}"#
            )
        };
        assert!(decode_transfer(t("2").as_bytes()).is_ok());
        for q in ["0", "-1", "1.0001"] {
            assert!(decode_transfer(t(q).as_bytes()).is_err(), "{q}");
        }
        let o = |lines: &str| {
            format!(r#"{{"protocol":1,"store":"b","id":"o1","location":"shop","lines":[{lines}]}}"#)
        };
        assert!(decode_order(o(r#"{"sku":"S","quantity":"1"}"#).as_bytes()).is_ok());
        assert!(decode_order(o("").as_bytes()).is_err());
        assert!(decode_order(o(r#"{"sku":"","quantity":"1"}"#).as_bytes()).is_err());
    }
}
