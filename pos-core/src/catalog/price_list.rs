//! Which price applies: the price-list resolution rules.
//!
//! For one variant and one [`PriceContext`], the candidate lists are those
//! that price the variant's SKU and apply to the context:
//! * a list with a store applies only in that store; one without applies in
//!   every store;
//! * a list with a customer group applies only when the customer belongs to
//!   it; one without applies to everyone;
//! * a list is in force on `[valid_from, valid_until)` (half-open: it starts
//!   at `valid_from`, it is over at `valid_until`); a missing bound is open.
//!
//! Among candidates the most specific wins, and each rule below only breaks
//! ties of the rules above it:
//! 1. specificity: store + group (3) > group (2) > store (1) > neither (0);
//! 2. higher `priority`;
//! 3. lower unit price (the customer never pays more for a tie);
//! 4. smaller price-list id (plain string order), so the result never depends
//!    on the order lists were loaded in.
//!
//! Without a candidate the variant's base price applies. The winner's
//! quantity breaks (the variant's own for the base price) come along, keeping
//! only the breaks cheaper than the winning unit price, so buying more never
//! costs more per unit.

use super::model::{PriceList, Variant};
use crate::Money;
use crate::ids::PriceListId;
use crate::item::{PriceContext, QuantityBreak};
use std::cmp::Reverse;

/// The outcome of price resolution for one variant in one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPrice<'a> {
    /// The unit price to sell at.
    pub unit_price: Money,
    /// The list that gave it; `None` for the base price.
    pub price_list: Option<&'a PriceListId>,
    /// The quantity breaks that apply, cheaper than `unit_price`, increasing.
    pub quantity_breaks: Vec<QuantityBreak>,
}

/// How specific a list is: 3 store + group, 2 group, 1 store, 0 neither.
pub fn specificity(list: &PriceList) -> u8 {
    match (list.store.is_some(), list.customer_group.is_some()) {
        (true, true) => 3,
        (false, true) => 2,
        (true, false) => 1,
        (false, false) => 0,
    }
}

/// True when `list` applies to `ctx` (store, group and date range).
pub fn applies(list: &PriceList, ctx: &PriceContext) -> bool {
    let store_ok = list
        .store
        .as_ref()
        .is_none_or(|s| ctx.store.as_ref() == Some(s));
    let group_ok = list
        .customer_group
        .as_ref()
        .is_none_or(|g| ctx.customer_group.as_ref() == Some(g));
    let from_ok = list.valid_from.is_none_or(|from| ctx.at >= from);
    let until_ok = list.valid_until.is_none_or(|until| ctx.at < until);
    store_ok && group_ok && from_ok && until_ok
}

/// Resolves the price of `variant` among `lists` (any order) for `ctx`.
pub fn resolve<'a>(
    variant: &'a Variant,
    lists: impl IntoIterator<Item = &'a PriceList>,
    ctx: &PriceContext,
) -> ResolvedPrice<'a> {
    let best = lists
        .into_iter()
        .filter(|l| applies(l, ctx))
        .filter_map(|l| l.entries.get(&variant.sku).map(|e| (l, e)))
        .max_by_key(|(l, e)| {
            (
                specificity(l),
                l.priority,
                Reverse(e.unit_price.amount()),
                Reverse(&l.id),
            )
        });
    let (unit_price, price_list, breaks) = match best {
        Some((list, entry)) => (entry.unit_price, Some(&list.id), &entry.quantity_breaks),
        None => (variant.price, None, &variant.quantity_breaks),
    };
    let quantity_breaks = breaks
        .iter()
        .filter(|b| b.unit_price.amount() < unit_price.amount())
        .cloned()
        .collect();
    ResolvedPrice {
        unit_price,
        price_list,
        quantity_breaks,
    }
}
