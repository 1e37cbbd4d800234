//! Which lines a target designates, through an index built once per run, so
//! that 50 promotions over 100 lines cost lookups, not 5 000 comparisons.
//!
//! The maps are only looked up, never iterated: their order cannot reach the
//! outcome. Results come back sorted by input position.

use super::input::PromoLine;
use super::model::{Promotion, Reward, Target};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

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

type Map<K> = HashMap<K, Vec<usize>, BuildHasherDefault<Fnv>>;

/// Input positions of the lines by SKU, product and category; keys borrowed
/// for one run, or owned to be kept from run to run.
#[derive(Debug)]
pub(crate) struct Index<K> {
    by_sku: Map<K>,
    by_product: Map<K>,
    by_category: Map<K>,
    count: usize,
}

impl<K> Default for Index<K> {
    fn default() -> Index<K> {
        Index {
            by_sku: Map::default(),
            by_product: Map::default(),
            by_category: Map::default(),
            count: 0,
        }
    }
}

/// The index of one run, keyed by the promotions' targets.
pub(crate) type LineIndex<'a> = Index<&'a str>;

/// What a line reward needs: the lines a target designates.
pub(crate) trait Designate {
    /// Puts in `out` the positions of the lines `target` designates,
    /// ascending, no duplicates (`out` is a reused buffer).
    fn lines_into(&self, target: &Target, out: &mut Vec<usize>);

    /// The positions `target` designates, in a new vector.
    fn lines(&self, target: &Target) -> Vec<usize> {
        let mut out = Vec::new();
        self.lines_into(target, &mut out);
        out
    }
}

impl<K: Borrow<str> + Hash + Eq> Designate for Index<K> {
    fn lines_into(&self, target: &Target, out: &mut Vec<usize>) {
        out.clear();
        match target {
            Target::All => out.extend(0..self.count),
            Target::Skus(v) => collect(&self.by_sku, v.iter().map(|x| x.as_str()), out),
            Target::Products(v) => collect(&self.by_product, v.iter().map(|x| x.as_str()), out),
            Target::Categories(v) => collect(&self.by_category, v.iter().map(|x| x.as_str()), out),
        }
    }
}

impl Index<Box<str>> {
    /// Indexes `lines` by every key they carry: costs the lines, not the
    /// promotions, and may be kept while the lines' keys stay the same.
    pub(crate) fn of_lines(lines: &[PromoLine]) -> Index<Box<str>> {
        let mut index = Index {
            count: lines.len(),
            ..Index::default()
        };
        for (pos, line) in lines.iter().enumerate() {
            push(&mut index.by_sku, line.sku.as_str(), pos);
            push(&mut index.by_product, line.product_id.as_str(), pos);
            for c in &line.categories {
                push(&mut index.by_category, c.as_str(), pos);
            }
        }
        index
    }
}

fn push(map: &mut Map<Box<str>>, key: &str, pos: usize) {
    let slot = match map.get_mut(key) {
        Some(slot) => slot,
        None => map.entry(Box::from(key)).or_default(),
    };
    // A line listing a category twice is still one line.
    if slot.last() != Some(&pos) {
        slot.push(pos);
    }
}

impl<'a> Index<&'a str> {
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
}

fn collect<'k, K: Borrow<str> + Hash + Eq>(
    map: &Map<K>,
    keys: impl Iterator<Item = &'k str>,
    out: &mut Vec<usize>,
) {
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

type Owned = HashMap<String, Vec<usize>, BuildHasherDefault<Fnv>>;

/// The other way round: which promotions a line falls in the scope of, by
/// its SKU, product and categories (built once per set of promotions).
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    by_sku: Owned,
    by_product: Owned,
    by_category: Owned,
    /// Promotions targeting every line.
    all: Vec<usize>,
}

impl Scopes {
    /// The scopes of the line rewards of `promotions` (ticket rewards have
    /// no line scope).
    pub(crate) fn new(promotions: &[Promotion]) -> Scopes {
        let mut scopes = Scopes::default();
        for (i, p) in promotions.iter().enumerate() {
            match &p.reward {
                Reward::PercentOff { target, .. }
                | Reward::AmountOff { target, .. }
                | Reward::NForPrice { target, .. } => scopes.add(i, target),
                Reward::BuyXGetY { buy, get, .. } => {
                    scopes.add(i, buy);
                    scopes.add(i, get);
                }
                Reward::TicketPercentOff { .. }
                | Reward::TicketAmountOff { .. }
                | Reward::FreeItem { .. } => {}
            }
        }
        scopes
    }

    fn add(&mut self, i: usize, target: &Target) {
        let put = |map: &mut Owned, key: &str| {
            let slot = map.entry(key.to_owned()).or_default();
            if slot.last() != Some(&i) {
                slot.push(i);
            }
        };
        match target {
            Target::All => {
                if self.all.last() != Some(&i) {
                    self.all.push(i);
                }
            }
            Target::Skus(v) => v.iter().for_each(|k| put(&mut self.by_sku, k.as_str())),
            Target::Products(v) => v.iter().for_each(|k| put(&mut self.by_product, k.as_str())),
            Target::Categories(v) => v
                .iter()
                .for_each(|k| put(&mut self.by_category, k.as_str())),
        }
    }

    /// Sets `marks[i]` for every promotion `i` whose scope holds `line`.
    pub(crate) fn mark(&self, line: &PromoLine, marks: &mut [bool]) {
        let mut set = |list: &[usize]| {
            for &i in list {
                if let Some(m) = marks.get_mut(i) {
                    *m = true;
                }
            }
        };
        set(&self.all);
        if let Some(list) = self.by_sku.get(line.sku.as_str()) {
            set(list);
        }
        if let Some(list) = self.by_product.get(line.product_id.as_str()) {
            set(list);
        }
        for c in &line.categories {
            if let Some(list) = self.by_category.get(c.as_str()) {
                set(list);
            }
        }
    }
}
