//! Chain retail at the till (issue 16): a till asks about the other stores
//! of its retailer — customers found by name, phone, e-mail or loyalty
//! card with their points summed over the stores, a customer's tickets in
//! every store, an item's stock in every store — and starts a stock
//! transfer or a click & collect order in another store.
//!
//! Tenancy is the first rule: every route is signed by an enrolled device,
//! and the stores it reaches are the stores of the retailer owning the
//! device's store ([`Tx::dr_retailer_stores`]); a store of another retailer
//! is answered as a store that does not exist (404), and no query reads a
//! row of another retailer's stores. The messages are
//! [`pos_sync::retail`]'s, decoded with pos-core's types.
//!
//! Customer records reach every store of the retailer: a customer change or
//! erasure pushed by a till of one store is merged into the record of each
//! store of its retailer and goes to each store's change feed
//! ([`customer_stores`]), so every till of the chain has the customer in
//! its pulled cache (and an erasure anywhere erases it everywhere).

use super::store::{Storage, Tx};
use super::{Server, handler::json_response, transfer, web};
use crate::error::{Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use crate::wire::ChangeKind;
use chrono::{DateTime, Utc};
use pos_core::customer::{Customer, CustomerQuery};
use pos_core::ids::{CustomerId, Sku, StoreId};
use pos_sync::retail::{
    self, CustomerHistoryResponse, CustomerSearchResponse, FoundCustomer, HistoryLine,
    HistoryTicket, OrderRequest, OrderResponse, StockResponse, StoreStock, TransferRequest,
    TransferResponse, paths,
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

fn no_store() -> ServerError {
    ServerError::from(SyncError::NotFound { what: "store" })
}

fn corrupt(what: &'static str) -> ServerError {
    ServerError::from(SyncError::Corrupt { what })
}

/// The stores a device of `store` reaches: its retailer's (just `store`
/// when no retailer is recorded), sorted.
pub fn retailer_stores(tx: &mut dyn Tx, store: &str) -> Result<Vec<String>> {
    tx.dr_retailer_stores(store)
}

/// `store` if it belongs to the same retailer as `own`, else 404.
fn sibling(tx: &mut dyn Tx, own: &str, store: &StoreId) -> Result<String> {
    let stores = retailer_stores(tx, own)?;
    if stores.iter().any(|s| s == store.as_str()) {
        Ok(store.as_str().to_owned())
    } else {
        Err(no_store())
    }
}

/// The stores a customer change pushed by a till of `store` is written to:
/// `store` first, then the other stores of its retailer.
pub fn customer_stores(tx: &mut dyn Tx, store: &str) -> Result<Vec<String>> {
    let mut out = vec![store.to_owned()];
    out.extend(
        retailer_stores(tx, store)?
            .into_iter()
            .filter(|s| s != store),
    );
    Ok(out)
}

/// Writes a back-office erasure kept as `doc` at `store` to the other
/// stores of its retailer too, with a change in each one's feed.
pub fn erase_in_other_stores(
    tx: &mut dyn Tx,
    store: &str,
    customer: &str,
    doc: &str,
) -> Result<()> {
    for s in customer_stores(tx, store)?.into_iter().skip(1) {
        tx.put_document("customer", &s, customer, doc, "{}")?;
        tx.append_change(&s, ChangeKind::Customer, customer, None, doc)?;
    }
    Ok(())
}

fn is_erased(doc: &serde_json::Value) -> bool {
    doc.get("erased").and_then(serde_json::Value::as_bool) == Some(true)
}

/// The customers of `stores` matching `query`, with their points summed
/// over `stores`; a customer erased in any of them is never returned.
pub fn search_customers(
    tx: &mut dyn Tx,
    stores: &[String],
    query: &CustomerQuery,
) -> Result<Vec<FoundCustomer>> {
    let mut erased = BTreeSet::new();
    let mut found: BTreeMap<String, Customer> = BTreeMap::new();
    for store in stores {
        for (id, json) in tx.bo_documents("customer", store)? {
            let doc: serde_json::Value =
                serde_json::from_str(&json).map_err(|_| corrupt("customer"))?;
            if is_erased(&doc) {
                erased.insert(id);
                continue;
            }
            // Documents were checked as pos-core records when pushed.
            let Ok(c) = serde_json::from_value::<Customer>(doc) else {
                continue;
            };
            if query.matches(&c) && c.id().as_str() == id {
                found.entry(id).or_insert(c);
            }
        }
    }
    let mut out = Vec::new();
    for (id, customer) in found {
        if erased.contains(&id) {
            continue;
        }
        if out.len() == retail::MAX_CUSTOMERS {
            break;
        }
        let points = points_of(tx, stores, &id)?;
        out.push(FoundCustomer { customer, points });
    }
    Ok(out)
}

fn points_of(tx: &mut dyn Tx, stores: &[String], customer: &str) -> Result<i64> {
    let mut sum = Decimal::ZERO;
    for s in stores {
        let b = tx.ledger_balance(crate::POINTS, s, customer)?;
        sum = sum
            .checked_add(b)
            .ok_or(SyncError::Overflow { what: "points" })?;
    }
    i64::try_from(sum).map_err(|_| corrupt("points"))
}

/// A customer's tickets in `stores`, newest first (from the receipts the
/// tills pushed with their sales).
pub fn customer_history(
    tx: &mut dyn Tx,
    stores: &[String],
    customer: &CustomerId,
) -> Result<Vec<HistoryTicket>> {
    let mut out = Vec::new();
    for r in tx.dr_customer_receipts(customer.as_str(), stores)? {
        if out.len() == retail::MAX_TICKETS {
            break;
        }
        let facts: pos_hw::receipt::ReceiptFacts =
            serde_json::from_str(&r.facts).map_err(|_| corrupt("receipt facts"))?;
        out.push(HistoryTicket {
            store: StoreId::new(r.store.as_str()).map_err(|_| corrupt("store id"))?,
            register: super::store::Device::register_of(&r.device, &r.store).to_owned(),
            number: facts.ticket_number,
            ticket_id: r.ticket_id,
            at: r.at,
            total: facts.total,
            lines: facts
                .lines
                .into_iter()
                .map(|l| HistoryLine {
                    label: l.label,
                    quantity: l.quantity,
                    amount: l.amount,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// An item's stock at every location of `stores`, sorted by store and
/// location.
pub fn stock_in_stores(tx: &mut dyn Tx, stores: &[String], sku: &Sku) -> Result<Vec<StoreStock>> {
    let mut out = Vec::new();
    for store in stores {
        let store_id = StoreId::new(store.as_str()).map_err(|_| corrupt("store id"))?;
        for ((s, location), (on_hand, reserved)) in tx.stock_levels(store)? {
            if s != sku.as_str() {
                continue;
            }
            let available = on_hand.checked_sub(reserved).ok_or(SyncError::Overflow {
                what: "available stock",
            })?;
            out.push(StoreStock {
                store: store_id.clone(),
                location,
                on_hand,
                reserved,
                available,
            });
        }
    }
    Ok(out)
}

impl<S: Storage> Server<S> {
    /// The `/v1/retail/...` routes: signed by a device, answered for the
    /// stores of its retailer only.
    pub(crate) fn retail_route(
        &self,
        req: &HttpRequest,
        path: &str,
        now: DateTime<Utc>,
    ) -> Result<HttpResponse> {
        if req.method != "POST" {
            return Err(SyncError::NotFound { what: "route" }.into());
        }
        // Known routes only, then the device, then the body: nothing about
        // a request is looked at for a caller who is not an enrolled till.
        if ![
            paths::CUSTOMER_SEARCH,
            paths::CUSTOMER_HISTORY,
            paths::STOCK,
            paths::TRANSFER,
            paths::ORDER,
        ]
        .contains(&path)
        {
            return Err(SyncError::NotFound { what: "route" }.into());
        }
        let dev = self.device_for(req, now)?;
        let own = dev.store.as_str();
        match path {
            paths::CUSTOMER_SEARCH => {
                let body = retail::decode_customer_search(&req.body)?;
                let query = CustomerQuery::parse(&body.query).map_err(|_| {
                    ServerError::from(SyncError::Invalid {
                        message: "customer search",
                        rule: "a name, phone, e-mail or card code",
                    })
                })?;
                let customers = self.with_tx(|tx| {
                    let stores = retailer_stores(tx, own)?;
                    search_customers(tx, &stores, &query)
                })?;
                Ok(json_response(200, &CustomerSearchResponse { customers }))
            }
            paths::CUSTOMER_HISTORY => {
                let body = retail::decode_customer_history(&req.body)?;
                let tickets = self.with_tx(|tx| {
                    let stores = retailer_stores(tx, own)?;
                    customer_history(tx, &stores, &body.customer)
                })?;
                Ok(json_response(
                    200,
                    &CustomerHistoryResponse {
                        customer: body.customer,
                        tickets,
                    },
                ))
            }
            paths::STOCK => {
                let body = retail::decode_stock(&req.body)?;
                let levels = self.with_tx(|tx| {
                    let stores = retailer_stores(tx, own)?;
                    stock_in_stores(tx, &stores, &body.sku)
                })?;
                Ok(json_response(
                    200,
                    &StockResponse {
                        sku: body.sku,
                        levels,
                    },
                ))
            }
            paths::TRANSFER => {
                let body = retail::decode_transfer(&req.body)?;
                let resp = self.with_tx(|tx| start_transfer(tx, own, &body, now))?;
                Ok(json_response(200, &resp))
            }
            _ => {
                let body = retail::decode_order(&req.body)?;
                let resp = self.with_tx(|tx| start_order(tx, own, &body, now))?;
                Ok(json_response(200, &resp))
            }
        }
    }
}

/// A transfer between two stores of `own`'s retailer (both legs in `tx`).
pub fn start_transfer(
    tx: &mut dyn Tx,
    own: &str,
    t: &TransferRequest,
    now: DateTime<Utc>,
) -> Result<TransferResponse> {
    let from_store = sibling(tx, own, &t.from_store)?;
    let to_store = sibling(tx, own, &t.to_store)?;
    let (_, created) = transfer::transfer(
        tx,
        &from_store,
        &transfer::Transfer {
            id: t.id.clone(),
            sku: t.sku.as_str().to_owned(),
            from: t.from.as_str().to_owned(),
            to: t.to.as_str().to_owned(),
            to_store: Some(to_store),
            quantity: t.quantity,
        },
        now,
    )?;
    Ok(TransferResponse {
        id: t.id.clone(),
        created,
    })
}

/// A click & collect order in a store of `own`'s retailer, its stock
/// reserved in the same transaction.
pub fn start_order(
    tx: &mut dyn Tx,
    own: &str,
    o: &OrderRequest,
    now: DateTime<Utc>,
) -> Result<OrderResponse> {
    let store = sibling(tx, own, &o.store)?;
    let order = web::WebOrder {
        id: o.id.clone(),
        channel: "click_collect".into(),
        location: o.location.as_str().to_owned(),
        lines: o
            .lines
            .iter()
            .map(|l| web::WebOrderLine {
                sku: l.sku.as_str().to_owned(),
                quantity: l.quantity,
                unit_price: None,
            })
            .collect(),
        pickup_at: o.pickup_at.clone(),
        paid_online: false,
    };
    let stored = web::create_order(tx, &store, &order, Some(now))?;
    Ok(OrderResponse {
        id: stored.id,
        store: o.store.clone(),
        state: stored.state,
    })
}
