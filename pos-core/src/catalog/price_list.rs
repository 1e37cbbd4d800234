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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use crate::ids::{CustomerGroupId, Sku, StoreId};
    use chrono::{DateTime, TimeZone, Utc};
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;

    fn eur(cents: i64) -> Money {
        Money::from_minor_units(cents, Currency::EUR)
    }

    fn variant() -> Variant {
        Variant {
            sku: Sku::new("WINE").unwrap(),
            attributes: vec![],
            barcodes: vec![],
            price: eur(1000),
            article_code: None,
            quantity_breaks: vec![QuantityBreak {
                min_quantity: Decimal::from(6),
                unit_price: eur(900),
            }],
        }
    }

    fn list(
        id: &str,
        store: Option<&str>,
        group: Option<&str>,
        priority: i32,
        cents: i64,
    ) -> PriceList {
        let mut entries = BTreeMap::new();
        entries.insert(
            Sku::new("WINE").unwrap(),
            super::super::model::PriceEntry {
                unit_price: eur(cents),
                quantity_breaks: vec![],
            },
        );
        PriceList {
            id: PriceListId::new(id).unwrap(),
            name: id.to_owned(),
            store: store.map(|s| StoreId::new(s).unwrap()),
            customer_group: group.map(|g| CustomerGroupId::new(g).unwrap()),
            valid_from: None,
            valid_until: None,
            priority,
            entries,
        }
    }

    fn ctx(store: Option<&str>, group: Option<&str>) -> PriceContext {
        PriceContext {
            store: store.map(|s| StoreId::new(s).unwrap()),
            customer_group: group.map(|g| CustomerGroupId::new(g).unwrap()),
            at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        }
    }

    fn winner(lists: &[PriceList], c: &PriceContext) -> (Option<String>, i64) {
        let v = variant();
        let r = resolve(&v, lists, c);
        (
            r.price_list.map(ToString::to_string),
            r.unit_price.to_minor_units().unwrap(),
        )
    }

    #[test]
    fn most_specific_list_wins_whatever_its_price() {
        let lists = [
            list("all", None, None, 99, 500),
            list("store", Some("S1"), None, 0, 800),
            list("group", None, Some("staff"), 0, 850),
            list("both", Some("S1"), Some("staff"), 0, 950),
        ];
        assert_eq!(
            winner(&lists, &ctx(Some("S1"), Some("staff"))),
            (Some("both".into()), 950)
        );
        assert_eq!(
            winner(&lists, &ctx(Some("S2"), Some("staff"))),
            (Some("group".into()), 850)
        );
        assert_eq!(
            winner(&lists, &ctx(Some("S1"), None)),
            (Some("store".into()), 800)
        );
        assert_eq!(winner(&lists, &ctx(None, None)), (Some("all".into()), 500));
        assert_eq!(winner(&lists[1..], &ctx(None, Some("pro"))), (None, 1000));
    }

    #[test]
    fn ties_go_to_priority_then_lowest_price_then_smallest_id() {
        let c = ctx(None, None);
        let lists = [list("a", None, None, 1, 700), list("b", None, None, 2, 750)];
        assert_eq!(winner(&lists, &c), (Some("b".into()), 750));
        let lists = [list("a", None, None, 0, 700), list("b", None, None, 0, 650)];
        assert_eq!(winner(&lists, &c), (Some("b".into()), 650));
        let lists = [list("b", None, None, 0, 700), list("a", None, None, 0, 700)];
        assert_eq!(winner(&lists, &c), (Some("a".into()), 700));
        let reversed = [lists[1].clone(), lists[0].clone()];
        assert_eq!(winner(&reversed, &c), (Some("a".into()), 700));
    }

    #[test]
    fn date_range_is_half_open() {
        let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 6, 21, 16, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 6, 21, 18, 0, 0).unwrap();
        let mut l = list("hh", None, None, 0, 500);
        l.valid_from = Some(start);
        l.valid_until = Some(end);
        let at = |t| PriceContext {
            at: t,
            ..ctx(None, None)
        };
        assert!(applies(&l, &at(start)));
        assert!(applies(&l, &at(end - chrono::Duration::seconds(1))));
        assert!(!applies(&l, &at(end)));
        assert!(!applies(&l, &at(start - chrono::Duration::seconds(1))));
    }

    #[test]
    fn breaks_not_cheaper_than_the_price_are_dropped() {
        let v = variant();
        let base = resolve(&v, &[], &ctx(None, None));
        assert_eq!(base.quantity_breaks.len(), 1);
        // A staff price of 8.50 without breaks of its own: no break.
        let staff = [list("staff", None, Some("staff"), 0, 850)];
        assert!(
            resolve(&v, &staff, &ctx(None, Some("staff")))
                .quantity_breaks
                .is_empty()
        );
        // A list entry whose break is above its price keeps nothing.
        let mut l = list("x", None, None, 0, 800);
        if let Some(e) = l.entries.values_mut().next() {
            e.quantity_breaks = vec![
                QuantityBreak {
                    min_quantity: Decimal::from(6),
                    unit_price: eur(850),
                },
                QuantityBreak {
                    min_quantity: Decimal::from(12),
                    unit_price: eur(750),
                },
            ];
        }
        let r = resolve(&v, std::slice::from_ref(&l), &ctx(None, None));
        assert_eq!(r.quantity_breaks.len(), 1);
        assert_eq!(r.quantity_breaks[0].unit_price, eur(750));
    }
}
