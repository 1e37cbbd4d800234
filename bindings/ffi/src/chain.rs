//! Chain queries through the sync server (the app's transport, the till's
//! enrolment): customers of every store, a customer's tickets everywhere,
//! an item's stock in every store, a transfer between stores and a click &
//! collect order in another store. Each needs the server; a till not
//! enrolled is `PosError.Sync` `invalid`.

use crate::anywhere::sync_refusal;
use crate::guard::{guard, lock};
use crate::register::Register;
use crate::search::CustomerSummary;
use crate::sync::{SyncTransport, TransportAdapter};
use crate::{PosError, convert};
use pos_core::ids::{CustomerId, LocationId, Sku, StoreId};
use pos_sdk::chain;
use std::sync::Arc;

/// A customer of any store of the retailer, with their points over all.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainCustomer {
    /// The customer.
    pub customer: CustomerSummary,
    /// Loyalty points summed over every store.
    pub points: i64,
}

/// One line of a ticket in a customer's history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryLine {
    /// The label printed.
    pub label: String,
    /// Quantity (decimal string; negative on a refund).
    pub quantity: String,
    /// Line amount, tax included (decimal string).
    pub amount: String,
}

/// One ticket of a customer, in any store of the retailer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryTicket {
    /// The store.
    pub store: String,
    /// The register.
    pub register: String,
    /// The number as printed (`T42`).
    pub number: String,
    /// The ticket id.
    pub ticket_id: String,
    /// When (RFC 3339, as the server holds it).
    pub at: String,
    /// Total, tax included (decimal string).
    pub total: String,
    /// Its lines.
    pub lines: Vec<HistoryLine>,
}

/// An item's stock at one location of one store.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreStock {
    /// The store.
    pub store: String,
    /// The location in it.
    pub location: String,
    /// Physically there (decimal string).
    pub on_hand: String,
    /// Held for orders (decimal string).
    pub reserved: String,
    /// What may still be sold (decimal string).
    pub available: String,
}

/// What a transfer or an order started elsewhere became on the server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainDocument {
    /// Its id (made by this till).
    pub id: String,
    /// The store it lives in (the destination store for a transfer).
    pub store: Option<String>,
    /// `created` for a new transfer, `exists` for one sent again, or the
    /// order's state (`reserved`...).
    pub state: String,
}

/// An item and a quantity (decimal string) of an order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SkuQuantity {
    /// The variant's SKU.
    pub sku: String,
    /// Quantity (positive decimal string).
    pub quantity: String,
}

fn d(v: rust_decimal::Decimal) -> String {
    v.normalize().to_string()
}

#[uniffi::export]
impl Register {
    /// Customers of every store of the retailer matching `query` (a name,
    /// phone, e-mail or card code), with their points over all stores;
    /// kept in the till's cache for `find_customers` offline. A bad query
    /// is refused before anything is sent.
    pub fn search_customers_online(
        &self,
        query: String,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<Vec<ChainCustomer>, PosError> {
        guard(|| {
            let mut http = TransportAdapter(transport);
            let found = chain::search_customers(&lock(&self.inner), &mut http, &query)
                .map_err(sync_refusal)?;
            Ok(found
                .iter()
                .map(|f| ChainCustomer {
                    customer: CustomerSummary::of(&f.customer),
                    points: f.points,
                })
                .collect())
        })
    }

    /// A customer's tickets in every store of the retailer, newest first.
    pub fn customer_history(
        &self,
        customer: String,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<Vec<HistoryTicket>, PosError> {
        guard(|| {
            let id = CustomerId::new(customer)?;
            let mut http = TransportAdapter(transport);
            let tickets = chain::customer_history(&lock(&self.inner), &mut http, &id)
                .map_err(sync_refusal)?;
            Ok(tickets
                .into_iter()
                .map(|t| HistoryTicket {
                    store: t.store.to_string(),
                    register: t.register,
                    number: t.number,
                    ticket_id: t.ticket_id,
                    at: t.at,
                    total: d(t.total),
                    lines: t
                        .lines
                        .into_iter()
                        .map(|l| HistoryLine {
                            label: l.label,
                            quantity: d(l.quantity),
                            amount: d(l.amount),
                        })
                        .collect(),
                })
                .collect())
        })
    }

    /// The stock of `sku` at every location of every store of the retailer.
    pub fn stock_in_stores(
        &self,
        sku: String,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<Vec<StoreStock>, PosError> {
        guard(|| {
            let sku = Sku::new(sku)?;
            let mut http = TransportAdapter(transport);
            let levels = chain::stock_in_stores(&lock(&self.inner), &mut http, &sku)
                .map_err(sync_refusal)?;
            Ok(levels
                .into_iter()
                .map(|l| StoreStock {
                    store: l.store.to_string(),
                    location: l.location,
                    on_hand: d(l.on_hand),
                    reserved: d(l.reserved),
                    available: d(l.available),
                })
                .collect())
        })
    }

    /// Moves `quantity` of `sku` from a location of one store to a location
    /// of another (both legs at once on the server; each store's tills see
    /// theirs at the next pull).
    #[allow(clippy::too_many_arguments)]
    pub fn start_transfer(
        &self,
        sku: String,
        from_store: String,
        from_location: String,
        to_store: String,
        to_location: String,
        quantity: String,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<ChainDocument, PosError> {
        guard(|| {
            let sku = Sku::new(sku)?;
            let from = chain::Place {
                store: StoreId::new(from_store)?,
                location: LocationId::new(from_location)?,
            };
            let to = chain::Place {
                store: StoreId::new(to_store.clone())?,
                location: LocationId::new(to_location)?,
            };
            let quantity = convert::decimal("quantity", &quantity)?;
            let mut http = TransportAdapter(transport);
            let r =
                chain::start_transfer(&lock(&self.inner), &mut http, &sku, &from, &to, quantity)
                    .map_err(sync_refusal)?;
            Ok(ChainDocument {
                id: r.id,
                store: Some(to_store),
                state: if r.created { "created" } else { "exists" }.to_owned(),
            })
        })
    }

    /// A click & collect order in `store` of the retailer, its stock
    /// reserved at `location` there at once (`insufficient_stock` when the
    /// store has not enough); `pickup_at_millis`: when it is collected.
    pub fn order_in_store(
        &self,
        store: String,
        location: String,
        lines: Vec<SkuQuantity>,
        pickup_at_millis: Option<i64>,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<ChainDocument, PosError> {
        guard(|| {
            let store = StoreId::new(store)?;
            let location = LocationId::new(location)?;
            let lines = lines
                .iter()
                .map(|l| {
                    Ok((
                        Sku::new(l.sku.clone())?,
                        convert::decimal("quantity", &l.quantity)?,
                    ))
                })
                .collect::<Result<Vec<_>, PosError>>()?;
            let pickup = pickup_at_millis
                .map(|ms| {
                    chrono::DateTime::from_timestamp_millis(ms)
                        .ok_or_else(|| PosError::invalid("pickup time", "epoch milliseconds"))
                })
                .transpose()?;
            let mut http = TransportAdapter(transport);
            let r = chain::order_in_store(
                &lock(&self.inner),
                &mut http,
                &store,
                &location,
                &lines,
                pickup,
            )
            .map_err(sync_refusal)?;
            Ok(ChainDocument {
                id: r.id,
                store: Some(r.store.to_string()),
                state: r.state,
            })
        })
    }
}
