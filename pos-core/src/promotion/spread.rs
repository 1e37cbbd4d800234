//! Spreading a group discount over lines so each share is whole minor units
//! and the shares add up exactly: each share is total × weight / Σ weights
//! truncated, then the minor units left go one each to the largest
//! remainders (ties: earlier line). The same rule as pricing rule 3.

use super::state::overflow;
use crate::CoreError;

/// Shares of `total` in proportion to `weights` (all ≥ 0, `total` ≤ Σ weights).
pub(crate) fn largest_remainder(total: i128, weights: &[i128]) -> Result<Vec<i128>, CoreError> {
    let sum = weights
        .iter()
        .try_fold(0i128, |a, w| a.checked_add(*w))
        .ok_or_else(overflow)?;
    if sum <= 0 || total <= 0 {
        return Ok(vec![0; weights.len()]);
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let scaled = total.checked_mul(*w).ok_or_else(overflow)?;
        let share = scaled.checked_div(sum).ok_or_else(overflow)?;
        let rem = scaled.checked_rem(sum).ok_or_else(overflow)?;
        given = given.checked_add(share).ok_or_else(overflow)?;
        shares.push(share);
        remainders.push((rem, i));
    }
    let left = usize::try_from(total.checked_sub(given).ok_or_else(overflow)?)
        .map_err(|_| CoreError::Overflow)?;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().take(left) {
        if let Some(s) = shares.get_mut(*i) {
            *s = s.checked_add(1).ok_or_else(overflow)?;
        }
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_ties_to_earlier() {
        assert_eq!(largest_remainder(10, &[100, 100, 100]).unwrap(), [4, 3, 3]);
        assert_eq!(largest_remainder(60, &[360]).unwrap(), [60]);
        // 1.00 over 1.20 / 2.40: 33.3 / 66.6 -> 33 / 67.
        assert_eq!(largest_remainder(100, &[120, 240]).unwrap(), [33, 67]);
        assert_eq!(largest_remainder(5, &[0, 0]).unwrap(), [0, 0]);
    }
}
