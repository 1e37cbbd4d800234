//! Which lines a target designates, through an index built once per run, so
//! that 50 promotions over 100 lines cost lookups, not 5 000 comparisons.
//!
//! The maps are only looked up, never iterated: their order cannot reach the
//! outcome. Results come back sorted by input position.

use super::input::PromoLine;
use super::model::Target;
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
    /// Indexes `lines` by position.
    pub(crate) fn new(lines: &'a [PromoLine]) -> LineIndex<'a> {
        let mut index = LineIndex {
            count: lines.len(),
            ..LineIndex::default()
        };
        for (pos, line) in lines.iter().enumerate() {
            index.by_sku.entry(line.sku.as_str()).or_default().push(pos);
            index
                .by_product
                .entry(line.product_id.as_str())
                .or_default()
                .push(pos);
            for c in &line.categories {
                let slot = index.by_category.entry(c.as_str()).or_default();
                // A line listing a category twice is still one line.
                if slot.last() != Some(&pos) {
                    slot.push(pos);
                }
            }
        }
        index
    }

    /// Positions of the lines `target` designates, ascending, no duplicates.
    pub(crate) fn lines(&self, target: &Target) -> Vec<usize> {
        let (map, keys): (&Map<'a>, Vec<&str>) = match target {
            Target::All => return (0..self.count).collect(),
            Target::Skus(v) => (&self.by_sku, v.iter().map(|x| x.as_str()).collect()),
            Target::Products(v) => (&self.by_product, v.iter().map(|x| x.as_str()).collect()),
            Target::Categories(v) => (&self.by_category, v.iter().map(|x| x.as_str()).collect()),
        };
        let mut out: Vec<usize> = Vec::new();
        for key in keys {
            if let Some(found) = map.get(key) {
                out.extend_from_slice(found);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
