//! Name search: accent- and case-insensitive token-prefix search over the
//! variants' labels ("comt" finds "Comté AOP 18 mois").
//!
//! Every folded token of every label goes into one sorted posting list, its
//! text kept in one arena string (one allocation for 100k variants). A query
//! token matches the contiguous run of postings it is a prefix of; the query
//! starts from its rarest token and checks the others on each candidate.
//!
//! Ranking, deterministic: (1) more query tokens equal to a whole label token;
//! (2) the label's first token starts with the query's first token; (3)
//! shorter label; (4) folded label in byte order; (5) SKU in byte order.

use super::text;
use std::cmp::Reverse;
use std::ops::Range;

/// One token occurrence: its text `arena[start..end]` and its variant.
#[derive(Debug, Clone, Copy)]
struct Posting {
    /// The token's first 8 bytes, big-endian, zero-padded: sorting compares
    /// this integer first and the text only when it ties.
    head: u64,
    start: u32,
    end: u32,
    variant: u32,
}

/// The name index of a catalog's variants.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// Every folded label, tokens joined by one space.
    arena: String,
    /// Per variant, its folded label's range in `arena`.
    labels: Vec<Range<u32>>,
    /// All tokens, sorted by text then variant.
    postings: Vec<Posting>,
}

/// Narrows a `usize` arena offset to the `u32` the index stores; the
/// catalog refuses to index more than 4 GiB of labels.
fn offset(n: usize) -> Option<u32> {
    u32::try_from(n).ok()
}

impl NameIndex {
    /// Indexes `labels` (variant `i` is `labels[i]`). `None` if the labels
    /// are larger than 4 GiB in total.
    pub fn build<'a>(labels: impl IntoIterator<Item = &'a str>) -> Option<NameIndex> {
        let mut index = NameIndex::default();
        for (variant, label) in labels.into_iter().enumerate() {
            let variant = offset(variant)?;
            let label_start = index.arena.len();
            text::fold_tokens_into(label, &mut index.arena);
            let folded = index.arena.get(label_start..)?;
            let mut start = label_start;
            for token in folded.split(' ') {
                let end = start.checked_add(token.len())?;
                if !token.is_empty() {
                    index.postings.push(Posting {
                        head: head_of(token),
                        start: offset(start)?,
                        end: offset(end)?,
                        variant,
                    });
                }
                start = end.checked_add(1)?;
            }
            index
                .labels
                .push(offset(label_start)?..offset(index.arena.len())?);
        }
        let arena = index.arena.as_str();
        index.postings.sort_unstable_by(|a, b| {
            a.head
                .cmp(&b.head)
                .then_with(|| token_of(arena, a).cmp(token_of(arena, b)))
                .then(a.variant.cmp(&b.variant))
        });
        Some(index)
    }

    /// Number of indexed tokens.
    pub fn token_count(&self) -> usize {
        self.postings.len()
    }

    /// The postings whose token starts with `prefix` (a contiguous run).
    fn prefix_range(&self, prefix: &str) -> Range<usize> {
        let arena = self.arena.as_str();
        let lo = self
            .postings
            .partition_point(|p| token_of(arena, p) < prefix);
        let hi = self.postings.partition_point(|p| {
            let t = token_of(arena, p);
            t < prefix || t.starts_with(prefix)
        });
        lo..hi.max(lo)
    }

    /// The folded label of variant `v`.
    fn label(&self, v: u32) -> &str {
        let range = usize::try_from(v)
            .ok()
            .and_then(|i| self.labels.get(i))
            .map(|r| r.start as usize..r.end as usize);
        range.and_then(|r| self.arena.get(r)).unwrap_or("")
    }

    /// The variants matching every token of `query` as a prefix of one of
    /// their label's tokens, best first, at most `limit`. `sku_of` gives a
    /// variant's SKU for the last tie-break.
    pub fn search<'s>(
        &self,
        query: &str,
        limit: usize,
        sku_of: impl Fn(u32) -> &'s str,
    ) -> Vec<u32> {
        let mut words = text::tokens(query);
        words.sort_unstable();
        words.dedup();
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let first_word = text::tokens(query).into_iter().next().unwrap_or_default();
        let Some(rarest) = words
            .iter()
            .map(|w| self.prefix_range(w))
            .min_by_key(|r| r.len())
        else {
            return Vec::new();
        };
        let mut candidates: Vec<u32> = self
            .postings
            .get(rarest)
            .unwrap_or_default()
            .iter()
            .map(|p| p.variant)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();

        // (exact matches, first-token match, label length, label, variant);
        // the SKU is only looked at when all the rest ties (same label).
        type Key<'k> = (Reverse<usize>, Reverse<bool>, usize, &'k str, u32);
        let mut hits: Vec<Key<'_>> = candidates
            .into_iter()
            .filter_map(|v| {
                let label = self.label(v);
                let mut exact = 0usize;
                for w in &words {
                    let mut found = false;
                    for t in label.split(' ') {
                        if t == w.as_str() {
                            exact = exact.saturating_add(1);
                            found = true;
                            break;
                        }
                        found |= t.starts_with(w.as_str());
                    }
                    if !found {
                        return None;
                    }
                }
                let leads = label
                    .split(' ')
                    .next()
                    .is_some_and(|t| t.starts_with(first_word.as_str()));
                Some((Reverse(exact), Reverse(leads), label.len(), label, v))
            })
            .collect();
        let order = |a: &Key<'_>, b: &Key<'_>| {
            (a.0, a.1, a.2, a.3)
                .cmp(&(b.0, b.1, b.2, b.3))
                .then_with(|| sku_of(a.4).cmp(sku_of(b.4)))
                .then(a.4.cmp(&b.4))
        };
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit, order);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(order);
        hits.into_iter().map(|k| k.4).collect()
    }
}

/// The first 8 bytes of a token as a big-endian integer, zero-padded: the
/// integers order like the texts (tokens never contain a NUL byte).
fn head_of(token: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, b) in bytes.iter_mut().zip(token.bytes()) {
        *slot = b;
    }
    u64::from_be_bytes(bytes)
}

/// The text of a posting's token (empty if the range is off, which the
/// builder never produces).
fn token_of<'a>(arena: &'a str, p: &Posting) -> &'a str {
    arena.get(p.start as usize..p.end as usize).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(labels: &[&str], q: &str, limit: usize) -> Vec<u32> {
        let skus: Vec<String> = (0..labels.len()).map(|i| format!("S{i:03}")).collect();
        let index = NameIndex::build(labels.iter().copied()).unwrap();
        index.search(q, limit, |v| skus[v as usize].as_str())
    }

    #[test]
    fn prefix_accent_and_case_insensitive() {
        let labels = [
            "Crackers au comté",
            "Comté AOP 18 mois",
            "Baguette tradition",
            "COMTE jeune",
        ];
        assert_eq!(find(&labels, "comt", 10), [3, 1, 0]);
        assert_eq!(find(&labels, "Comté 18", 10), [1]);
        assert_eq!(find(&labels, "BAG trad", 10), [2]);
        assert_eq!(find(&labels, "comte", 10), [3, 1, 0]);
        assert!(find(&labels, "brie", 10).is_empty());
        assert!(find(&labels, "  ", 10).is_empty());
        assert_eq!(find(&labels, "comt", 2), [3, 1]);
        assert!(find(&labels, "comt", 0).is_empty());
    }

    #[test]
    fn head_orders_like_text() {
        let words = [
            "",
            "a",
            "ab",
            "abcdefgh",
            "abcdefghi",
            "b",
            "comte",
            "zz",
            "éa",
        ];
        for w in words.windows(2) {
            assert!(head_of(w[0]) <= head_of(w[1]), "{w:?}");
            assert!(w[0] < w[1]);
        }
        assert_eq!(head_of("abcdefgh"), head_of("abcdefghi"));
    }

    #[test]
    fn exact_token_beats_prefix() {
        let labels = ["Painting kit", "Pain de mie", "Pain"];
        // "pain" is a whole token of 1 and 2; 2 is shorter.
        assert_eq!(find(&labels, "pain", 10), [2, 1, 0]);
    }
}
