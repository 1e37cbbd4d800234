//! Which lines a target designates, through an index built once per run, so
//! that 50 promotions over 100 lines cost lookups, not 5 000 comparisons.
//!
//! The maps are only looked up, never iterated: their order cannot reach the
//! outcome. Results come back sorted by input position.

use super::input::PromoLine;
use super::model::{Promotion, Reward, Target};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: a tiny, fixed (unseeded) hash for short identifiers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Map<'a> = HashMap<&'a str, Vec<usize>, BuildHasherDefault<Fnv>>;

/// Input positions of the lines by SKU, product and category.
#[derive(Debug, Default)]
pub(crate) struct LineIndex<'a> {
    by_sku: Map<'a>,
    by_product: Map<'a>,
    by_category: Map<'a>,
    count: usize,
}

impl<'a> LineIndex<'a> {
    /// Indexes `lines` by position, for the keys `promotions` target only
    /// (other keys cost a lookup, never an allocation).
    pub(crate) fn new(lines: &'a [PromoLine], promotions: &'a [Promotion]) -> LineIndex<'a> {
        let mut index = LineIndex {
            count: lines.len(),
            ..LineIndex::default()
        };
        for p in promotions {
            match &p.reward {
                Reward::PercentOff { target, .. }
                | Reward::AmountOff { target, .. }
                | Reward::NForPrice { target, .. } => index.want(target),
                Reward::BuyXGetY { buy, get, .. } => {
                    index.want(buy);
                    index.want(get);
                }
                Reward::TicketPercentOff { .. }
                | Reward::TicketAmountOff { .. }
                | Reward::FreeItem { .. } => {}
            }
        }
        for (pos, line) in lines.iter().enumerate() {
            if let Some(slot) = index.by_sku.get_mut(line.sku.as_str()) {
                slot.push(pos);
            }
            if let Some(slot) = index.by_product.get_mut(line.product_id.as_str()) {
                slot.push(pos);
            }
            for c in &line.categories {
                if let Some(slot) = index.by_category.get_mut(c.as_str()) {
                    // A line listing a category twice is still one line.
                    if slot.last() != Some(&pos) {
                        slot.push(pos);
                    }
                }
            }
        }
        index
    }

    /// Makes room for the keys of `target`.
    fn want(&mut self, target: &'a Target) {
        match target {
            Target::All => {}
            Target::Skus(v) => {
                for k in v {
                    self.by_sku.entry(k.as_str()).or_default();
                }
            }
            Target::Products(v) => {
                for k in v {
                    self.by_product.entry(k.as_str()).or_default();
                }
            }
            Target::Categories(v) => {
                for k in v {
                    self.by_category.entry(k.as_str()).or_default();
                }
            }
        }
    }

    /// Puts in `out` the positions of the lines `target` designates,
    /// ascending, no duplicates (`out` is a reused buffer).
    pub(crate) fn lines_into(&self, target: &Target, out: &mut Vec<usize>) {
        out.clear();
        match target {
            Target::All => out.extend(0..self.count),
            Target::Skus(v) => collect(&self.by_sku, v.iter().map(|x| x.as_str()), out),
            Target::Products(v) => collect(&self.by_product, v.iter().map(|x| x.as_str()), out),
            Target::Categories(v) => collect(&self.by_category, v.iter().map(|x| x.as_str()), out),
        }
    }

    /// The positions `target` designates, in a new vector.
    pub(crate) fn lines(&self, target: &Target) -> Vec<usize> {
        let mut out = Vec::new();
        self.lines_into(target, &mut out);
        out
    }
}

fn collect<'k>(map: &Map<'_>, keys: impl Iterator<Item = &'k str>, out: &mut Vec<usize>) {
    let mut lists = 0usize;
    for key in keys {
        if let Some(found) = map.get(key) {
            out.extend_from_slice(found);
            lists = lists.saturating_add(1);
        }
    }
    // One list is already ascending and distinct.
    if lists > 1 {
        out.sort_unstable();
        out.dedup();
    }
}
