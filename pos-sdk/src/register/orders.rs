//! Web and click & collect orders on the till: receive, accept (reserve the
//! stock), prepare, ready, collect (consume the reservation, or sell it at
//! the till), cancel (release), refund; and the pickup list.
//!
//! Every transition is ONE transaction: the order (stored whole as the
//! pos-core JSON value), its reservation / release / consumption movements
//! through the same movement-and-level path as every other stock change, and
//! an outbox event `order`.
//!
//! Paid at collection: the collection IS a sale, completed through
//! [`Register::complete_sale`] so it gets its ticket, fiscal record, loyalty,
//! cash-session entry and `sale` event like any other. Because a reserved
//! item is not available for sale, the collection runs in three steps:
//! (1) one transaction releases the reservation and writes a `pending` link
//! order -> ticket id (the id is chosen before the sale); (2) the sale; (3)
//! one transaction marks the order collected and the link `done`. The sale's
//! own `Sale` movements take the goods off the shelf, so nothing is counted
//! twice. If the sale is refused, the reservation is taken again and the
//! link marked `aborted`; if the till dies between (1) and (3), calling the
//! collection again reuses the pending ticket id (the sale is idempotent by
//! ticket id) and finishes.

use super::Register;
use super::sale::{apply_movement, read_level, ticket_id_for_key};
use crate::{CompletedSale, SaleOptions, SdkError, outbox};
use chrono::{DateTime, Utc};
use pos_core::CoreError;
use pos_core::cart::Cart;
use pos_core::ids::{MovementId, OperatorId, OrderId, Sku};
use pos_core::item::PriceContext;
use pos_core::order::{Order, OrderStatus, PaymentStatus, PickupEntry, pickup_list};
use pos_core::stock::{MovementContext, MovementReason, StockLedger, StockLevel, StockMovement};
use pos_core::tender::Payment;
use pos_core::ticket::TicketKind;
use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A ticket linked to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTicket {
    /// The ticket's id.
    pub ticket_id: String,
    /// `collection` (the sale at pickup) or `refund`.
    pub role: String,
    /// `pending`, `done` or `aborted`.
    pub state: String,
}

/// What one order transition produced.
#[derive(Debug, Clone)]
pub struct OrderUpdate {
    /// The order after the transition.
    pub order: Order,
    /// The stock movements it wrote (reservation, release, consumption).
    pub movements: Vec<StockMovement>,
    /// The sale or refund completed at the till, when there was one.
    pub sale: Option<CompletedSale>,
}

impl Register {
    /// Takes in an order placed on the web shop (or taken at the till), in
    /// status `received`. Receiving the same order again (a sync retry) is
    /// harmless; a different order under a known id is refused.
    pub fn receive_order(&mut self, order: &Order) -> Result<Order, SdkError> {
        if order.status() != OrderStatus::Received {
            return Err(CoreError::InvalidOrderTransition {
                from: order.status().as_str(),
                to: "received",
            }
            .into());
        }
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        if let Some(known) = load_order_opt(&tx, order.id())? {
            if known.id() == order.id()
                && known.lines() == order.lines()
                && known.received_at() == order.received_at()
            {
                return Ok(known);
            }
            return Err(CoreError::IdempotencyConflict {
                id: order.id().to_string(),
            }
            .into());
        }
        save_order(&tx, order, now)?;
        order_event(&tx, &self.ids.next(now), now, "received", order, &[], None)?;
        tx.commit()?;
        Ok(order.clone())
    }

    /// A stored order.
    pub fn order(&self, id: &OrderId) -> Result<Order, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        load_order(&tx, id)
    }

    /// Stored orders in `status` (every order when `None`), by pickup time.
    pub fn orders(&self, status: Option<OrderStatus>) -> Result<Vec<Order>, SdkError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM orders WHERE (?1 IS NULL OR state = ?1) ORDER BY pickup_at, id",
        )?;
        let rows = stmt.query_map([status.map(|s| s.as_str())], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            out.push(serde_json::from_str(&json?)?);
        }
        Ok(out)
    }

    /// The till's pickup list: orders being prepared or ready, by pickup time.
    pub fn pickup_list(&self) -> Result<Vec<PickupEntry>, SdkError> {
        let mut orders = self.orders(Some(OrderStatus::Preparing))?;
        orders.extend(self.orders(Some(OrderStatus::Ready))?);
        Ok(pickup_list(&orders))
    }

    /// The tickets linked to an order (collection sale, refund).
    pub fn order_tickets(&self, id: &OrderId) -> Result<Vec<OrderTicket>, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        links(&tx, id)
    }

    /// Collections interrupted between their steps (a crash, a killed
    /// app): (order, pinned ticket id). Call
    /// [`Register::collect_order_and_pay`] again for each to finish it; the
    /// pinned ticket id makes sure the customer is not charged twice.
    pub fn pending_order_collections(&self) -> Result<Vec<(OrderId, String)>, SdkError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT order_id, ticket_id FROM order_tickets
             WHERE role = 'collection' AND state = 'pending' ORDER BY at, order_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (order, ticket) = row?;
            out.push((OrderId::new(order)?, ticket));
        }
        Ok(out)
    }

    /// Accepts an order and reserves its stock at the order's location (a
    /// `block` item short of stock refuses it and changes nothing).
    pub fn accept_order(
        &mut self,
        id: &OrderId,
        operator: &OperatorId,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        let policies = self.config.stock_policies.clone();
        self.order_tx(id, "accepted", |tx, order, next_id| {
            let mut ledger = ledger_of(tx, order)?;
            Ok(order.accept(now, operator.clone(), &mut ledger, &policies, next_id)?)
        })
    }

    /// Picking starts.
    pub fn start_preparing_order(
        &mut self,
        id: &OrderId,
        operator: &OperatorId,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        self.order_tx(id, "preparing", |_, order, _| {
            order.start_preparing(now, operator.clone())?;
            Ok(Vec::new())
        })
    }

    /// The order waits at the counter.
    pub fn mark_order_ready(
        &mut self,
        id: &OrderId,
        operator: &OperatorId,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        self.order_tx(id, "ready", |_, order, _| {
            order.mark_ready(now, operator.clone())?;
            Ok(Vec::new())
        })
    }

    /// Hands over an order already paid (online): the reservation is
    /// consumed (the goods leave the shelf; no till ticket: the web shop
    /// invoiced it). An unpaid order goes through [`Register::collect_order_and_pay`].
    pub fn collect_order(
        &mut self,
        id: &OrderId,
        operator: &OperatorId,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        self.order_tx(id, "collected", |tx, order, next_id| {
            let mut ledger = ledger_of(tx, order)?;
            Ok(order.collect(now, operator.clone(), false, &mut ledger, next_id)?)
        })
    }

    /// A cart holding the order's items at the catalog's prices now, ready
    /// to be paid at collection.
    pub fn order_cart(&self, id: &OrderId, ctx: &PriceContext) -> Result<Cart, SdkError> {
        let order = self.order(id)?;
        let catalog = self.catalog()?;
        let mut cart = self.new_cart();
        for line in order.lines() {
            cart.add_sku(catalog, &line.sku, ctx, line.quantity)?;
        }
        Ok(cart)
    }

    /// Hands over an unpaid order and sells it at the till: `cart` must hold
    /// exactly the order's items and quantities; the sale is a normal
    /// ticket (see the module docs for the three steps and crash recovery).
    pub fn collect_order_and_pay(
        &mut self,
        id: &OrderId,
        cart: &Cart,
        payment: &Payment,
        options: &SaleOptions,
    ) -> Result<OrderUpdate, SdkError> {
        if options.training {
            return Err(SdkError::InvalidInput {
                field: "sale options",
                expected: "not training mode for an order collection",
            });
        }
        // Found out before the reservation is released, not after (a
        // pending collection is a retry: its sale may be recorded already).
        let resuming = self
            .order_tickets(id)?
            .iter()
            .any(|l| l.role == "collection" && l.state == "pending");
        if !resuming {
            self.sellable_now()?;
        }
        let order = self.order(id)?;
        if !matches!(order.payment(), PaymentStatus::Unpaid) {
            return Err(SdkError::InvalidInput {
                field: "order",
                expected: "an unpaid order (a paid one is collected with collect_order)",
            });
        }
        if cart_quantities(cart)? != owned(order.quantities()?) {
            return Err(SdkError::InvalidInput {
                field: "collection cart",
                expected: "exactly the order's items and quantities",
            });
        }
        let now = self.clock.now();
        // Step 1: release the reservation and pin the ticket id.
        let ticket_id = {
            let tx = self.conn.transaction()?;
            let pending = links(&tx, id)?
                .into_iter()
                .find(|l| l.role == "collection" && l.state == "pending");
            let ticket_id = match pending {
                Some(l) => l.ticket_id,
                None => {
                    let order = load_order(&tx, id)?;
                    order.status().check(OrderStatus::Collected)?;
                    let ticket_id = match options.ticket_id.as_deref() {
                        Some(key) => ticket_id_for_key(self.config.register.as_str(), key)?,
                        None => self.ids.next(now),
                    };
                    let moves = reservation_moves(
                        &order,
                        MovementReason::Release,
                        now,
                        &options.operator,
                        || self.ids.next(now),
                    )?;
                    for m in &moves {
                        apply_movement(&tx, m, Some(id.as_str()))?;
                    }
                    set_link(&tx, id, &ticket_id, "collection", "pending", now)?;
                    order_event(
                        &tx,
                        &self.ids.next(now),
                        now,
                        "collection_started",
                        &order,
                        &moves,
                        Some(&ticket_id),
                    )?;
                    ticket_id
                }
            };
            tx.commit()?;
            ticket_id
        };
        // Step 2: the sale, idempotent by ticket id.
        let mut sale_options = options.clone();
        sale_options.ticket_id = Some(ticket_id.clone());
        let sale = match self.record_sale(cart, payment, &sale_options) {
            Ok(sale) => sale,
            Err(refused) => {
                self.abort_collection(id, &ticket_id, &options.operator)?;
                return Err(refused);
            }
        };
        // Step 3: the order is collected, paid at the till.
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        let mut order = load_order(&tx, id)?;
        // The reservation was released in step 1 and the sale took the goods
        // off the shelf: the core's consumption movements are computed on a
        // scratch ledger that still holds them and are not written.
        let mut scratch = StockLedger::from_levels(
            order
                .quantities()?
                .into_iter()
                .map(|(sku, q)| {
                    (
                        sku.clone(),
                        order.location().clone(),
                        StockLevel {
                            on_hand: q,
                            reserved: q,
                        },
                    )
                })
                .collect::<Vec<_>>(),
        );
        let mut ids = Vec::new();
        for _ in 0..order.lines().len() {
            ids.push(MovementId::new(self.ids.next(now))?);
        }
        let mut ids = ids.into_iter();
        let spare = MovementId::new(self.ids.next(now))?;
        order.collect(now, options.operator.clone(), true, &mut scratch, || {
            ids.next().unwrap_or_else(|| spare.clone())
        })?;
        save_order(&tx, &order, now)?;
        set_link(&tx, id, &ticket_id, "collection", "done", now)?;
        order_event(
            &tx,
            &self.ids.next(now),
            now,
            "collected",
            &order,
            &[],
            Some(&ticket_id),
        )?;
        tx.commit()?;
        Ok(OrderUpdate {
            order,
            movements: Vec::new(),
            sale: Some(sale),
        })
    }

    /// Undoes step 1 of a collection whose sale was refused: the stock is
    /// reserved again and the link marked `aborted`.
    fn abort_collection(
        &mut self,
        id: &OrderId,
        ticket_id: &str,
        operator: &OperatorId,
    ) -> Result<(), SdkError> {
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        // A sale that did commit (e.g. an error after the commit) is kept.
        let sold: Option<i64> = tx
            .query_row("SELECT 1 FROM tickets WHERE id = ?1", [ticket_id], |r| {
                r.get(0)
            })
            .optional()?;
        if sold.is_some() {
            return Ok(());
        }
        let order = load_order(&tx, id)?;
        let moves = reservation_moves(&order, MovementReason::Reservation, now, operator, || {
            self.ids.next(now)
        })?;
        for m in &moves {
            apply_movement(&tx, m, Some(id.as_str()))?;
        }
        set_link(&tx, id, ticket_id, "collection", "aborted", now)?;
        order_event(
            &tx,
            &self.ids.next(now),
            now,
            "collection_aborted",
            &order,
            &moves,
            Some(ticket_id),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Cancels an order; a reservation is released.
    pub fn cancel_order(
        &mut self,
        id: &OrderId,
        operator: &OperatorId,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        self.order_tx(id, "cancelled", |tx, order, next_id| {
            let mut ledger = ledger_of(tx, order)?;
            Ok(order.cancel(now, operator.clone(), &mut ledger, next_id)?)
        })
    }

    /// Records that an order paid online was refunded by the payment
    /// provider (after a collection or a cancellation). An order paid at the
    /// till is refunded with [`Register::refund_order_at_till`].
    pub fn refund_order(
        &mut self,
        id: &OrderId,
        operator: &OperatorId,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        self.order_tx(id, "refunded", |_, order, _| {
            if matches!(order.payment(), PaymentStatus::PaidAtCollection) {
                return Err(SdkError::InvalidInput {
                    field: "order",
                    expected: "an order paid online (paid at the till: refund_order_at_till)",
                });
            }
            order.refund(now, operator.clone())?;
            Ok(Vec::new())
        })
    }

    /// Refunds an order paid at collection with a refund ticket of its
    /// collection sale (`refund_cart` built with [`Register::refund_cart`]
    /// from the collection ticket); the goods brought back return to stock
    /// through the refund ticket. Retrying with the same `options.ticket_id`
    /// after a crash finishes without refunding twice.
    pub fn refund_order_at_till(
        &mut self,
        id: &OrderId,
        refund_cart: &Cart,
        payment: &Payment,
        options: &SaleOptions,
    ) -> Result<OrderUpdate, SdkError> {
        let order = self.order(id)?;
        let linked = self.order_tickets(id)?;
        let collection = linked
            .iter()
            .find(|l| l.role == "collection" && l.state == "done")
            .cloned()
            .ok_or(SdkError::Precondition {
                what: "a collection paid at the till",
            })?;
        let every_line_returns_collection = !refund_cart.is_empty()
            && refund_cart.lines().iter().all(|l| {
                l.return_of()
                    .is_some_and(|o| o.ticket_id == collection.ticket_id)
            });
        if !every_line_returns_collection {
            return Err(SdkError::InvalidInput {
                field: "refund cart",
                expected: "only returns of the order's collection ticket",
            });
        }
        if order.status() == OrderStatus::Refunded {
            // Only a retry of the refund already linked may pass.
            let asked = options
                .ticket_id
                .as_deref()
                .map(|k| ticket_id_for_key(self.config.register.as_str(), k))
                .transpose()?;
            let retry = asked.as_ref().is_some_and(|t| {
                linked
                    .iter()
                    .any(|l| l.role == "refund" && &l.ticket_id == t)
            });
            if !retry {
                order.status().check(OrderStatus::Refunded)?;
            }
        } else {
            order.status().check(OrderStatus::Refunded)?;
        }
        let refund = self.record_sale(refund_cart, payment, options)?;
        if refund.ticket.kind() != TicketKind::Refund {
            return Err(SdkError::Corrupt {
                what: "order refund ticket",
            });
        }
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        let mut order = load_order(&tx, id)?;
        if order.status() != OrderStatus::Refunded {
            order.refund(now, options.operator.clone())?;
            save_order(&tx, &order, now)?;
            set_link(&tx, id, refund.ticket.id(), "refund", "done", now)?;
            order_event(
                &tx,
                &self.ids.next(now),
                now,
                "refunded",
                &order,
                &[],
                Some(refund.ticket.id()),
            )?;
        }
        tx.commit()?;
        Ok(OrderUpdate {
            order,
            movements: Vec::new(),
            sale: Some(refund),
        })
    }

    /// One transition in one transaction: load, change, write the
    /// movements, save, outbox.
    fn order_tx(
        &mut self,
        id: &OrderId,
        action: &str,
        change: impl FnOnce(
            &Transaction<'_>,
            &mut Order,
            &mut dyn FnMut() -> MovementId,
        ) -> Result<Vec<StockMovement>, SdkError>,
    ) -> Result<OrderUpdate, SdkError> {
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        let mut order = load_order(&tx, id)?;
        // Movement ids are made up front (at most one per SKU), so the
        // closure needs no fallible id source.
        let mut ids = Vec::new();
        for _ in 0..order.lines().len() {
            ids.push(MovementId::new(self.ids.next(now))?);
        }
        let spare = MovementId::new(self.ids.next(now))?;
        let mut ids = ids.into_iter();
        let mut next_id = || ids.next().unwrap_or_else(|| spare.clone());
        let movements = change(&tx, &mut order, &mut next_id)?;
        for m in &movements {
            apply_movement(&tx, m, Some(id.as_str()))?;
        }
        save_order(&tx, &order, now)?;
        order_event(
            &tx,
            &self.ids.next(now),
            now,
            action,
            &order,
            &movements,
            None,
        )?;
        tx.commit()?;
        Ok(OrderUpdate {
            order,
            movements,
            sale: None,
        })
    }
}

/// The stored levels of the order's SKUs at its location.
fn ledger_of(tx: &Transaction<'_>, order: &Order) -> Result<StockLedger, SdkError> {
    let mut levels = Vec::new();
    for sku in order.quantities()?.keys() {
        levels.push((
            (*sku).clone(),
            order.location().clone(),
            read_level(tx, sku, order.location())?,
        ));
    }
    Ok(StockLedger::from_levels(levels))
}

/// One reservation (or release) movement per SKU of the order.
fn reservation_moves(
    order: &Order,
    reason: MovementReason,
    at: DateTime<Utc>,
    operator: &OperatorId,
    mut new_id: impl FnMut() -> String,
) -> Result<Vec<StockMovement>, SdkError> {
    let ctx = MovementContext {
        operator: operator.clone(),
        at,
        reference: Some(order.id().to_string()),
    };
    let mut moves = Vec::new();
    for (sku, q) in order.quantities()? {
        moves.push(StockMovement::new(
            MovementId::new(new_id())?,
            reason,
            sku.clone(),
            order.location().clone(),
            reason.signed(q),
            &ctx,
        )?);
    }
    Ok(moves)
}

fn cart_quantities(cart: &Cart) -> Result<BTreeMap<Sku, Decimal>, SdkError> {
    let mut out: BTreeMap<Sku, Decimal> = BTreeMap::new();
    for line in cart.lines() {
        let q = out.entry(line.item().sku.clone()).or_default();
        *q = q.checked_add(line.quantity()).ok_or(CoreError::Overflow)?;
    }
    Ok(out)
}

fn owned(q: BTreeMap<&Sku, Decimal>) -> BTreeMap<Sku, Decimal> {
    q.into_iter().map(|(k, v)| (k.clone(), v)).collect()
}

fn load_order_opt(tx: &Transaction<'_>, id: &OrderId) -> Result<Option<Order>, SdkError> {
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM orders WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

fn load_order(tx: &Transaction<'_>, id: &OrderId) -> Result<Order, SdkError> {
    load_order_opt(tx, id)?.ok_or_else(|| SdkError::NotFound {
        what: "order",
        id: id.to_string(),
    })
}

fn save_order(tx: &Transaction<'_>, order: &Order, now: DateTime<Utc>) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO orders(id, state, pickup_at, updated_at, json) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, pickup_at = excluded.pickup_at,
         updated_at = excluded.updated_at, json = excluded.json",
        params![
            order.id().as_str(),
            order.status().as_str(),
            order.pickup_at().to_rfc3339(),
            now.to_rfc3339(),
            serde_json::to_string(order)?,
        ],
    )?;
    Ok(())
}

fn links(tx: &Transaction<'_>, id: &OrderId) -> Result<Vec<OrderTicket>, SdkError> {
    let mut stmt = tx.prepare_cached(
        "SELECT ticket_id, role, state FROM order_tickets WHERE order_id = ?1 ORDER BY at, ticket_id",
    )?;
    let rows = stmt.query_map([id.as_str()], |r| {
        Ok(OrderTicket {
            ticket_id: r.get(0)?,
            role: r.get(1)?,
            state: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn set_link(
    tx: &Transaction<'_>,
    order: &OrderId,
    ticket: &str,
    role: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO order_tickets(order_id, ticket_id, role, state, at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(order_id, ticket_id) DO UPDATE SET state = excluded.state",
        params![order.as_str(), ticket, role, state, at.to_rfc3339()],
    )?;
    Ok(())
}

fn order_event(
    tx: &Transaction<'_>,
    event_id: &str,
    now: DateTime<Utc>,
    action: &str,
    order: &Order,
    movements: &[StockMovement],
    ticket: Option<&str>,
) -> Result<u64, SdkError> {
    outbox::append(
        tx,
        event_id,
        "order",
        now,
        &serde_json::json!({
            "action": action,
            "order": order,
            "stock_movements": movements,
            "ticket": ticket,
        }),
    )
}
