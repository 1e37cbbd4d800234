//! Chain retail at the till: the customers, purchase history and stock of
//! the other stores of the retailer, and a transfer or a click & collect
//! order started in another store.
//!
//! Customer search works offline: customer records of every store of the
//! retailer reach each till through its change feed (the server writes a
//! customer to every store of the retailer), and
//! [`Register::find_customers`] searches that pulled cache. Online,
//! [`search_customers`] asks the sync server, which also sums the
//! customer's points over every store; the records it returns are kept in
//! the cache. History, other stores' stock, transfers and orders need the
//! server. Every request is signed with the till's sync credentials; the
//! server answers for the stores of the till's own retailer only.
//!
//! ```no_run
//! # fn demo(register: &mut pos_sdk::Register) -> Result<(), pos_sync::SyncError> {
//! # #[cfg(any())] {
//! let mut http = pos_sync::http_client::UreqTransport::new("http://127.0.0.1:8080");
//! let found = pos_sdk::chain::search_customers(register, &mut http, "06 12 34 56 78")?;
//! # }
//! let offline = register.find_customers("06 12 34 56 78")
//!     .map_err(|e| pos_sync::SyncError::Till { source: Box::new(e) })?;
//! # Ok(()) }
//! ```

use super::Register;
use crate::SdkError;
use chrono::{DateTime, Utc};
use pos_core::customer::{Customer, CustomerQuery};
use pos_core::ids::{CustomerId, LocationId, Sku, StoreId};
use pos_sync::client::{server_error, signed};
use pos_sync::retail::{
    self, CustomerHistoryRequest, CustomerSearchRequest, FoundCustomer, HistoryTicket, OrderLine,
    OrderRequest, OrderResponse, StockRequest, StoreStock, TransferRequest, TransferResponse,
    paths,
};
use pos_sync::transport::Transport;
use pos_sync::wire::PROTOCOL_VERSION;
use pos_sync::{Result, SyncError};
use rusqlite::params;
use rust_decimal::Decimal;

impl Register {
    /// Customers of the pulled cache matching `query` (a name, phone,
    /// e-mail or loyalty card code, normalised as
    /// [`CustomerQuery`] does), sorted by id, at most
    /// [`retail::MAX_CUSTOMERS`]. Erased customers are never found.
    pub fn find_customers(&self, query: &str) -> std::result::Result<Vec<Customer>, SdkError> {
        let query = CustomerQuery::parse(query)?;
        let tx = self.conn.unchecked_transaction()?;
        let mut st = tx.prepare("SELECT json FROM customers WHERE erased = 0 ORDER BY id")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            // A record erased by a pull keeps `erased = 0` only if this
            // till never saw it whole; `matches` refuses it anyway.
            let Ok(c) = serde_json::from_str::<Customer>(&json?) else {
                continue;
            };
            if query.matches(&c) {
                out.push(c);
                if out.len() == retail::MAX_CUSTOMERS {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// A new id for a transfer or order started at this till (UUID v7
    /// from the injected generator and clock).
    fn chain_id(&self) -> String {
        self.ids.next(self.clock.now())
    }

    /// Keeps customers the server returned in the cache, as a pull would
    /// (a customer erased here stays erased).
    fn cache_customers(&self, found: &[FoundCustomer]) -> std::result::Result<(), SdkError> {
        let now = self.clock.now().to_rfc3339();
        let tx = self.conn.unchecked_transaction()?;
        for f in found {
            tx.execute(
                "INSERT INTO customers(id, json, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
                 WHERE customers.erased = 0",
                params![
                    f.customer.id().as_str(),
                    serde_json::to_string(&f.customer)?,
                    now
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn till(e: SdkError) -> SyncError {
    SyncError::Till {
        source: Box::new(e),
    }
}

/// Sends a signed `POST path` with `body` as this till's device; the
/// answer's body when it is a 200.
fn call<T: serde::Serialize>(
    register: &Register,
    transport: &mut dyn Transport,
    path: &str,
    body: &T,
) -> Result<Vec<u8>> {
    let creds = crate::sync::credentials(register)?.ok_or(SyncError::Invalid {
        message: "chain query",
        rule: "the till is enrolled with a sync server",
    })?;
    let body = serde_json::to_vec(body).map_err(|_| SyncError::Invalid {
        message: "chain query",
        rule: "the request encodes as JSON",
    })?;
    // Signed with the real clock, as every sync request: the server checks
    // the signature's time against its own.
    let now_ms = Utc::now().timestamp_millis();
    let resp = transport.send(&signed(&creds, "POST", path, body, now_ms))?;
    if resp.status != 200 {
        return Err(server_error(&resp));
    }
    Ok(resp.body)
}

/// Customers of every store of the retailer matching `query`, with their
/// points summed over the stores; the records are kept in the till's cache
/// for offline searches.
pub fn search_customers(
    register: &Register,
    transport: &mut dyn Transport,
    query: &str,
) -> Result<Vec<FoundCustomer>> {
    // Refused here before anything is sent.
    CustomerQuery::parse(query).map_err(|e| till(e.into()))?;
    let body = call(
        register,
        transport,
        paths::CUSTOMER_SEARCH,
        &CustomerSearchRequest {
            protocol: PROTOCOL_VERSION,
            query: query.to_owned(),
        },
    )?;
    let found = retail::decode_customer_search_response(&body)?.customers;
    register.cache_customers(&found).map_err(till)?;
    Ok(found)
}

/// A customer's tickets in every store of the retailer, newest first.
pub fn customer_history(
    register: &Register,
    transport: &mut dyn Transport,
    customer: &CustomerId,
) -> Result<Vec<HistoryTicket>> {
    let body = call(
        register,
        transport,
        paths::CUSTOMER_HISTORY,
        &CustomerHistoryRequest {
            protocol: PROTOCOL_VERSION,
            customer: customer.clone(),
        },
    )?;
    let resp = retail::decode_customer_history_response(&body)?;
    if &resp.customer != customer {
        return Err(SyncError::Invalid {
            message: "customer history response",
            rule: "the history is the asked customer's",
        });
    }
    Ok(resp.tickets)
}

/// An item's stock at every location of every store of the retailer.
pub fn stock_in_stores(
    register: &Register,
    transport: &mut dyn Transport,
    sku: &Sku,
) -> Result<Vec<StoreStock>> {
    let body = call(
        register,
        transport,
        paths::STOCK,
        &StockRequest {
            protocol: PROTOCOL_VERSION,
            sku: sku.clone(),
        },
    )?;
    let resp = retail::decode_stock_response(&body)?;
    if &resp.sku != sku {
        return Err(SyncError::Invalid {
            message: "stock response",
            rule: "the levels are the asked item's",
        });
    }
    Ok(resp.levels)
}

/// Where goods go in a transfer: a location of a store of the retailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The store.
    pub store: StoreId,
    /// The location in it.
    pub location: LocationId,
}

/// Moves `quantity` of `sku` from one place to another among the
/// retailer's stores (both legs at once on the server); each store's tills
/// see their leg at their next pull. The id is made here; sending the same
/// request again moves nothing twice.
pub fn start_transfer(
    register: &Register,
    transport: &mut dyn Transport,
    sku: &Sku,
    from: &Place,
    to: &Place,
    quantity: Decimal,
) -> Result<TransferResponse> {
    if quantity <= Decimal::ZERO || quantity.normalize().scale() > 3 {
        return Err(till(SdkError::InvalidInput {
            field: "transfer quantity",
            expected: "positive with at most 3 decimals",
        }));
    }
    let req = TransferRequest {
        protocol: PROTOCOL_VERSION,
        id: register.chain_id(),
        sku: sku.clone(),
        from_store: from.store.clone(),
        from: from.location.clone(),
        to_store: to.store.clone(),
        to: to.location.clone(),
        quantity,
    };
    let body = call(register, transport, paths::TRANSFER, &req)?;
    retail::decode_transfer_response(&body)
}

/// A click & collect order in `store` of the retailer, its stock reserved
/// at `location` there at once; the store's tills get it at their next
/// pull. Refused (insufficient stock) when the store has not enough
/// available.
pub fn order_in_store(
    register: &Register,
    transport: &mut dyn Transport,
    store: &StoreId,
    location: &LocationId,
    lines: &[(Sku, Decimal)],
    pickup_at: Option<DateTime<Utc>>,
) -> Result<OrderResponse> {
    if lines.is_empty() || lines.len() > retail::MAX_ORDER_LINES {
        return Err(till(SdkError::InvalidInput {
            field: "order lines",
            expected: "1 to 500 lines",
        }));
    }
    let req = OrderRequest {
        protocol: PROTOCOL_VERSION,
        store: store.clone(),
        id: register.chain_id(),
        location: location.clone(),
        lines: lines
            .iter()
            .map(|(sku, quantity)| OrderLine {
                sku: sku.clone(),
                quantity: *quantity,
            })
            .collect(),
        pickup_at: pickup_at.map(|t| t.to_rfc3339()),
    };
    let body = call(register, transport, paths::ORDER, &req)?;
    retail::decode_order_response(&body)
}
