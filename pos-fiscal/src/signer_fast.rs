//! Fast deterministic ECDSA P-256 / SHA-256 signing: byte for byte the
//! signature p256's `SigningKey` makes (RFC 6979 nonce, no low-S
//! normalisation), with the nonce point k·G taken from a fixed-base table.
//!
//! Why hand-written: p256 0.13, the line this workspace is on, computes k·G
//! with its generic variable-base ladder (about 256 doublings and 64
//! additions per signature). p256 0.14 has basepoint tables, but it is a
//! whole second RustCrypto stack (elliptic-curve 0.14, ecdsa 0.17, digest
//! 0.11, crypto-bigint 0.7) beside the one every other crate here uses, and
//! measured side by side it signs only about twice as fast as 0.13. This
//! file adds no arithmetic of its own: the field, group and scalar
//! operations are p256's (`ProjectivePoint`, `AffinePoint`, `Scalar`), the
//! nonce is the `rfc6979` crate's, derived exactly as the ecdsa crate does
//! for p256 (HMAC-SHA256 over the private scalar and the message's SHA-256).
//!
//! The table: row i holds j·16^i·G for j in 0..16 as affine points, so
//! k·G = Σ_i row_i[nibble_i(k)] is 64 mixed additions and no doubling. It is
//! built once, at run time on first use (about a thousand point additions
//! and inversions, a few milliseconds), not stored as a constant, so it costs the
//! wasm file nothing.
//!
//! Constant time: k is secret. Each lookup reads the whole row and keeps
//! the wanted entry with `ConditionallySelectable` under a `ct_eq` mask, so
//! neither a branch nor a memory address depends on a bit of k; the mixed
//! addition is p256's complete formula (the identity entry j = 0 included,
//! selected without a branch). The inversion of k is p256's Fermat
//! exponentiation by the public n - 2 (see `invert`), whose running time
//! does not depend on k.

// Scalar, field and point operators here are modular arithmetic (p256's
// types): they cannot overflow, whatever the lint assumes of `+` and `*`.
#![allow(clippy::arithmetic_side_effects)]

use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use p256::elliptic_curve::{Curve, Field, FieldBytesEncoding, PrimeField};
use p256::{AffinePoint, FieldBytes, NistP256, ProjectivePoint, Scalar, U256};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Bits per signed digit of the scalar.
const W: usize = 5;
/// Entries in one row: 0·B to 2^(W-1)·B (negative digits negate y).
const ROW: usize = (1 << (W - 1)) + 1;
/// Rows: one per digit; the last takes the top bits and the final carry.
const ROWS: usize = 256 / W + 1;

/// Rows of multiples of G, row i holding j·2^(W·i)·G for j in 0..ROW.
struct BasepointTable {
    rows: Vec<[AffinePoint; ROW]>,
}

static TABLE: OnceLock<BasepointTable> = OnceLock::new();

impl BasepointTable {
    fn get() -> &'static BasepointTable {
        TABLE.get_or_init(BasepointTable::build)
    }

    fn build() -> BasepointTable {
        let mut rows = Vec::with_capacity(ROWS);
        let mut base = ProjectivePoint::GENERATOR;
        for _ in 0..ROWS {
            let mut row = [AffinePoint::IDENTITY; ROW];
            let mut multiple = ProjectivePoint::IDENTITY;
            // One inversion per point: p256 0.13 does not expose the field
            // element a batched inversion needs; the table is built once.
            for entry in row.iter_mut() {
                *entry = multiple.to_affine();
                multiple += base;
            }
            rows.push(row);
            for _ in 0..W {
                base = base.double();
            }
        }
        BasepointTable { rows }
    }

    /// k·G. Constant time in k (see the module docs).
    fn mul(&self, k: &Scalar) -> ProjectivePoint {
        let mut acc = ProjectivePoint::IDENTITY;
        for (row, (magnitude, negative)) in self.rows.iter().zip(signed_digits(k)) {
            let mut entry = AffinePoint::IDENTITY;
            for (j, point) in (0u8..).zip(row.iter()) {
                entry.conditional_assign(point, j.ct_eq(&magnitude));
            }
            entry.conditional_assign(&-entry, negative);
            acc += entry;
        }
        acc
    }
}

/// k in base 2^W with digits in [-2^(W-1), 2^(W-1)], least significant
/// first, as (magnitude, is negative); k = Σ digit_i·2^(W·i). Branch-free:
/// a digit above 2^(W-1) becomes digit - 2^W with a carry into the next.
fn signed_digits(k: &Scalar) -> impl Iterator<Item = (u8, Choice)> {
    let repr = k.to_repr();
    // Little-endian 64-bit limbs of k.
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(repr.rchunks_exact(8)) {
        let mut be = [0u8; 8];
        be.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(be);
    }
    let mut carry = 0u8;
    (0..ROWS).map(move |i| {
        // The window's position is public; only its bits are secret.
        let at = i.wrapping_mul(W);
        let (limb, shift) = (at / 64, (at % 64) as u32);
        let low = limbs.get(limb).copied().unwrap_or(0) >> shift;
        let high = limbs
            .get(limb.wrapping_add(1))
            .copied()
            .unwrap_or(0)
            .checked_shl(64u32.wrapping_sub(shift))
            .unwrap_or(0);
        let window = ((low | high) & ((1 << W) - 1)) as u8;
        let value = window.wrapping_add(carry);
        // negative = value > 2^(W-1), computed without a comparison branch.
        let negative = ((1u8 << (W - 1)).wrapping_sub(value) >> 7) & 1;
        let magnitude = u8::conditional_select(
            &value,
            &(1u8 << W).wrapping_sub(value),
            Choice::from(negative),
        );
        carry = negative;
        (magnitude, Choice::from(negative))
    })
}

/// k⁻¹ mod n as k^(n-2) (Fermat), like p256's `Scalar::invert`, but
/// reading the exponent four bits at a time against k^0..k^15: about 320
/// multiplications instead of 420. The exponent is the public n - 2, so
/// the branch on its digits and the index into the powers depend on no
/// secret; every power of k is computed whatever k is. k must not be zero.
fn invert(k: &Scalar) -> Scalar {
    let mut powers = [Scalar::ONE; 16];
    let mut power = Scalar::ONE;
    for slot in powers.iter_mut() {
        *slot = power;
        power *= k;
    }
    let exponent = (-Scalar::from(2u64)).to_repr();
    let mut acc = Scalar::ONE;
    for digit in exponent.iter().flat_map(|b| [b >> 4, b & 0x0f]) {
        for _ in 0..4 {
            acc = acc.square();
        }
        if let Some(power) = powers.get(usize::from(digit)).filter(|_| digit != 0) {
            acc *= power;
        }
    }
    acc
}

/// The ECDSA P-256 / SHA-256 signature of `message` under the secret scalar
/// `d`, as `r || s` big-endian, with the RFC 6979 nonce: the same bytes as
/// p256's `SigningKey::sign`. `None` only where that one fails too (r or s
/// zero, probability about 2^-256) or for a zero key.
pub(crate) fn sign(d: &Scalar, message: &[u8]) -> Option<[u8; 64]> {
    // bits2field of a 32-byte digest for a 32-byte order is the digest.
    let digest: FieldBytes = Sha256::digest(message);
    let order: FieldBytes = NistP256::ORDER.encode_field_bytes();
    let k_bytes = rfc6979::generate_k::<Sha256, _>(&d.to_repr(), &order, &digest, &[]);
    let k = Option::<Scalar>::from(Scalar::from_repr(k_bytes))?;
    if bool::from(k.is_zero()) {
        return None;
    }
    let k_inv = invert(&k);
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&digest);
    let big_r = BasepointTable::get().mul(&k).to_affine();
    let r = <Scalar as Reduce<U256>>::reduce_bytes(&big_r.x());
    let s = k_inv * (z + r * d);
    if bool::from(r.is_zero() | s.is_zero()) {
        return None;
    }
    let mut out = [0u8; 64];
    let (r_out, s_out) = out.split_at_mut(32);
    r_out.copy_from_slice(&r.to_repr());
    s_out.copy_from_slice(&s.to_repr());
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;

    fn scalar(hex_be: &str) -> Scalar {
        let bytes: [u8; 32] = hex::decode(hex_be).unwrap().try_into().unwrap();
        Option::from(Scalar::from_repr(bytes.into())).unwrap()
    }

    /// RFC 6979 appendix A.2.5, P-256 with SHA-256: the published r and s.
    #[test]
    fn rfc6979_appendix_a25_vectors() {
        let d = scalar("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
        let cases = [
            (
                "sample",
                "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
                "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
            ),
            (
                "test",
                "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
                "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
            ),
        ];
        for (message, r, s) in cases {
            let sig = sign(&d, message.as_bytes()).unwrap();
            assert_eq!(hex::encode(&sig[..32]), r, "r of {message:?}");
            assert_eq!(hex::encode(&sig[32..]), s, "s of {message:?}");
        }
    }

    /// The table gives k·G for digits 0 and 15 in every row, the smallest
    /// and largest scalars, and a few in between.
    #[test]
    fn table_multiplication_matches_the_generic_one() {
        let table = BasepointTable::get();
        let minus_one = -Scalar::ONE;
        let mut cases = vec![Scalar::ZERO, Scalar::ONE, minus_one, Scalar::from(16u64)];
        let mut x = scalar("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0");
        for _ in 0..8 {
            cases.push(x);
            x = x * x + Scalar::ONE;
        }
        // Digits at the edge of the signed range (16 stays, 17 and 31
        // become -15 and -1 with a carry), and every bit set but the top
        // four (a scalar must stay below n): a carry through every row.
        for edge in [16u64, 17, 31, 32, 16 << 5, 17 << 5, u64::MAX] {
            cases.push(Scalar::from(edge));
        }
        cases.push(scalar(
            "0fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ));
        // Bit 255 alone: the last row's single bit.
        cases.push(scalar(
            "8000000000000000000000000000000000000000000000000000000000000000",
        ));
        for k in cases {
            assert_eq!(
                table.mul(&k).to_affine(),
                (ProjectivePoint::GENERATOR * k).to_affine(),
                "k = {}",
                hex::encode(k.to_repr())
            );
        }
    }

    #[test]
    fn inversion_matches_p256() {
        let mut k = scalar("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0");
        for _ in 0..16 {
            assert_eq!(invert(&k), k.invert().unwrap());
            assert_eq!(invert(&k) * k, Scalar::ONE);
            k = k * k + Scalar::ONE;
        }
        assert_eq!(invert(&Scalar::ONE), Scalar::ONE);
        assert_eq!(invert(&-Scalar::ONE), -Scalar::ONE);
    }

    proptest::proptest! {
        /// Byte for byte p256's own RFC 6979 signature, over random keys
        /// and messages.
        #[test]
        fn same_bytes_as_p256(
            secret in proptest::array::uniform32(proptest::prelude::any::<u8>()),
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let Ok(key) = SigningKey::from_bytes(&secret.into()) else {
                return Ok(());
            };
            let reference: p256::ecdsa::Signature = key.sign(&message);
            let fast = sign(key.as_nonzero_scalar(), &message).unwrap();
            proptest::prop_assert_eq!(&fast[..], &reference.to_bytes()[..]);
        }
    }
}
