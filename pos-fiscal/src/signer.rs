//! Signing keys: the `Signer` trait (software key or hardware keystore) and
//! public-key verification.
//!
//! The trait is object-safe and uses only plain bytes and strings so it can
//! be implemented across an FFI boundary (iOS Secure Enclave, Android
//! Keystore: both do ECDSA P-256 with SHA-256 over the message).

use p256::ecdsa::signature::Signer as _;
#[cfg(any(test, target_arch = "wasm32"))]
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use sha2::{Digest, Sha256};

/// A signature as a keystore returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawSignature {
    /// Fixed 64 bytes: r then s, big-endian.
    Fixed([u8; 64]),
    /// ASN.1 DER (what most platform keystores return).
    Der(Vec<u8>),
}

/// Why a signer failed. Carries no key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The keystore is locked or unavailable.
    #[error("keystore unavailable")]
    Unavailable,
    /// The keystore returned a signature that is not a valid P-256 signature.
    #[error("keystore returned a malformed signature")]
    MalformedSignature,
    /// The signature does not verify under the signer's own public key.
    #[error("keystore signature does not verify under its public key")]
    SelfCheckFailed,
}

/// A P-256 signing key: software or in a hardware keystore.
pub trait Signer: Send + Sync {
    /// Signs `message` with ECDSA P-256 over SHA-256(message).
    fn sign(&self, message: &[u8]) -> Result<RawSignature, SignerError>;
    /// The public key, SEC1 uncompressed (65 bytes, `04 || x || y`).
    fn public_key_sec1(&self) -> Vec<u8>;
    /// A stable key identifier (see [`key_id_of`]).
    fn key_id(&self) -> String;
    /// Whether each signature must be verified under the public key before
    /// use (default: yes, a keystore is a foreign component). The software
    /// signer, whose signatures come from the same library, skips it.
    fn needs_self_check(&self) -> bool {
        true
    }
}

/// The key id used in records: the first 16 hex digits of SHA-256 over the
/// SEC1 uncompressed public key.
pub fn key_id_of(sec1: &[u8]) -> String {
    let d = Sha256::digest(sec1);
    hex::encode(d.get(..8).unwrap_or_default())
}

/// A software P-256 key held in memory (the default signer).
pub struct SoftwareSigner {
    key: SigningKey,
    sec1: Vec<u8>,
    id: String,
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("key_id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SoftwareSigner {
    /// Builds a signer from a 32-byte secret scalar (the caller draws it
    /// from the OS random source; this crate never draws randomness).
    pub fn from_secret(secret: &[u8; 32]) -> Result<SoftwareSigner, crate::FiscalError> {
        let key =
            SigningKey::from_bytes(secret.into()).map_err(|_| crate::FiscalError::InvalidKey)?;
        Ok(Self::from_key(key))
    }

    /// Reads a PKCS#8 PEM private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SoftwareSigner, crate::FiscalError> {
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|_| crate::FiscalError::InvalidKey)?;
        Ok(Self::from_key(key))
    }

    /// Writes the private key as PKCS#8 PEM (store it like a password).
    pub fn to_pkcs8_pem(&self) -> Result<String, crate::FiscalError> {
        let pem = self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| crate::FiscalError::InvalidKey)?;
        Ok(pem.to_string())
    }

    fn from_key(key: SigningKey) -> SoftwareSigner {
        let sec1 = key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        let id = key_id_of(&sec1);
        SoftwareSigner { key, sec1, id }
    }
}

impl Signer for SoftwareSigner {
    /// The RFC 6979 signature p256's `SigningKey` makes, byte for byte,
    /// computed with a fixed-base table (see `signer_fast`).
    fn sign(&self, message: &[u8]) -> Result<RawSignature, SignerError> {
        if let Some(sig) = crate::signer_fast::sign(self.key.as_nonzero_scalar(), message) {
            return Ok(RawSignature::Fixed(sig));
        }
        // Only where r or s comes out zero (probability about 2^-256): p256
        // then refuses too, and says so as an error.
        let sig: Signature = self
            .key
            .try_sign(message)
            .map_err(|_| SignerError::MalformedSignature)?;
        Ok(RawSignature::Fixed(sig.to_bytes().into()))
    }
    fn public_key_sec1(&self) -> Vec<u8> {
        self.sec1.clone()
    }
    fn key_id(&self) -> String {
        self.id.clone()
    }
    fn needs_self_check(&self) -> bool {
        false
    }
}

/// Signs and normalises to the fixed 64-byte form (low-S), checking the
/// keystore's answer under its own public key.
pub fn sign_fixed(signer: &dyn Signer, message: &[u8]) -> Result<[u8; 64], SignerError> {
    let sig = match signer.sign(message)? {
        RawSignature::Fixed(b) => {
            Signature::from_slice(&b).map_err(|_| SignerError::MalformedSignature)?
        }
        RawSignature::Der(d) => {
            Signature::from_der(&d).map_err(|_| SignerError::MalformedSignature)?
        }
    };
    let sig = sig.normalize_s().unwrap_or(sig);
    if !signer.needs_self_check() {
        return Ok(sig.to_bytes().into());
    }
    let pk = PublicKey::from_sec1(&signer.public_key_sec1())
        .map_err(|_| SignerError::MalformedSignature)?;
    if !pk.verify(message, &sig.to_bytes().into()) {
        return Err(SignerError::SelfCheckFailed);
    }
    Ok(sig.to_bytes().into())
}

/// A public key that verifies record signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    /// SEC1 uncompressed form, what ring's verifier takes.
    #[cfg(not(target_arch = "wasm32"))]
    sec1: Vec<u8>,
}

impl PublicKey {
    /// From SEC1 bytes (compressed or uncompressed).
    pub fn from_sec1(bytes: &[u8]) -> Result<PublicKey, crate::FiscalError> {
        let key =
            VerifyingKey::from_sec1_bytes(bytes).map_err(|_| crate::FiscalError::InvalidKey)?;
        Ok(PublicKey::of(key))
    }

    /// From an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_spki_pem(pem: &str) -> Result<PublicKey, crate::FiscalError> {
        let key =
            VerifyingKey::from_public_key_pem(pem).map_err(|_| crate::FiscalError::InvalidKey)?;
        Ok(PublicKey::of(key))
    }

    fn of(key: VerifyingKey) -> PublicKey {
        PublicKey {
            #[cfg(not(target_arch = "wasm32"))]
            sec1: key.to_encoded_point(false).as_bytes().to_vec(),
            key,
        }
    }

    /// As SPKI PEM.
    pub fn to_spki_pem(&self) -> Result<String, crate::FiscalError> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|_| crate::FiscalError::InvalidKey)
    }

    /// SEC1 uncompressed bytes.
    pub fn sec1(&self) -> Vec<u8> {
        self.key.to_encoded_point(false).as_bytes().to_vec()
    }

    /// The key id ([`key_id_of`] of the SEC1 form).
    pub fn key_id(&self) -> String {
        key_id_of(&self.sec1())
    }

    /// Verifies a fixed 64-byte ECDSA P-256 / SHA-256 signature over `message`.
    /// High-S signatures are refused so a signature has one valid form.
    pub fn verify(&self, message: &[u8], sig: &[u8; 64]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else {
            return false;
        };
        if sig.normalize_s().is_some() {
            return false;
        }
        self.verify_low_s(message, &sig)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn verify_low_s(&self, message: &[u8], sig: &Signature) -> bool {
        use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.sec1)
            .verify(message, &sig.to_bytes())
            .is_ok()
    }

    #[cfg(target_arch = "wasm32")]
    fn verify_low_s(&self, message: &[u8], sig: &Signature) -> bool {
        Verifier::verify(&self.key, message, sig).is_ok()
    }

    /// The portable verifier (p256), kept to check ring against it.
    #[cfg(test)]
    fn verify_portable(&self, message: &[u8], sig: &[u8; 64]) -> bool {
        Signature::from_slice(sig).is_ok_and(|s| {
            s.normalize_s().is_none() && Verifier::verify(&self.key, message, &s).is_ok()
        })
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    struct DerSigner(SoftwareSigner);
    impl Signer for DerSigner {
        fn sign(&self, message: &[u8]) -> Result<RawSignature, SignerError> {
            let sig: Signature = self.0.key.sign(message);
            Ok(RawSignature::Der(sig.to_der().as_bytes().to_vec()))
        }
        fn public_key_sec1(&self) -> Vec<u8> {
            self.0.public_key_sec1()
        }
        fn key_id(&self) -> String {
            self.0.key_id()
        }
    }

    #[test]
    fn software_and_der_signers_verify() {
        let s = SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
        let pk = PublicKey::from_sec1(&s.public_key_sec1()).unwrap();
        let sig = sign_fixed(&s, b"hello").unwrap();
        assert!(pk.verify(b"hello", &sig));
        assert!(!pk.verify(b"hellp", &sig));
        let d = DerSigner(SoftwareSigner::from_secret(&[7u8; 32]).unwrap());
        let boxed: Box<dyn Signer> = Box::new(d);
        let sig2 = sign_fixed(boxed.as_ref(), b"hello").unwrap();
        assert_eq!(sig, sig2, "RFC 6979 signatures are deterministic");
        assert_eq!(pk.key_id().len(), 16);
    }

    struct LyingSigner(SoftwareSigner);
    impl Signer for LyingSigner {
        fn sign(&self, message: &[u8]) -> Result<RawSignature, SignerError> {
            let mut m = message.to_vec();
            m.push(0);
            self.0.sign(&m)
        }
        fn public_key_sec1(&self) -> Vec<u8> {
            self.0.public_key_sec1()
        }
        fn key_id(&self) -> String {
            self.0.key_id()
        }
    }

    #[test]
    fn a_keystore_signature_that_does_not_verify_is_refused() {
        let s = LyingSigner(SoftwareSigner::from_secret(&[7u8; 32]).unwrap());
        assert_eq!(sign_fixed(&s, b"x"), Err(SignerError::SelfCheckFailed));
    }

    #[test]
    fn pem_round_trips() {
        let s = SoftwareSigner::from_secret(&[9u8; 32]).unwrap();
        let pem = s.to_pkcs8_pem().unwrap();
        let s2 = SoftwareSigner::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(s.key_id(), s2.key_id());
        let pk = PublicKey::from_sec1(&s.public_key_sec1()).unwrap();
        let pk2 = PublicKey::from_spki_pem(&pk.to_spki_pem().unwrap()).unwrap();
        assert_eq!(pk, pk2);
    }

    #[test]
    fn zero_secret_is_refused() {
        assert!(SoftwareSigner::from_secret(&[0u8; 32]).is_err());
    }

    #[test]
    fn the_high_s_twin_of_a_valid_signature_is_refused() {
        let s = SoftwareSigner::from_secret(&[5u8; 32]).unwrap();
        let pk = PublicKey::from_sec1(&s.public_key_sec1()).unwrap();
        let sig = sign_fixed(&s, b"ticket").unwrap();
        let low = Signature::from_slice(&sig).unwrap();
        // (r, n - s) is the same point's other valid ECDSA form.
        let (r, s_low) = low.split_scalars();
        let high = Signature::from_scalars(r, -*s_low).unwrap();
        let high: [u8; 64] = high.to_bytes().into();
        assert_ne!(high, sig);
        assert!(pk.verify(b"ticket", &sig));
        assert!(!pk.verify(b"ticket", &high));
        assert!(!pk.verify_portable(b"ticket", &high));
    }

    proptest::proptest! {
        /// The software signer (fixed-base table) signs byte for byte as
        /// p256's `SigningKey`, and what it signs verifies under ring and
        /// p256, before and after low-S normalisation.
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn software_signer_is_p256_byte_for_byte_and_verifies(
            secret in proptest::array::uniform32(proptest::prelude::any::<u8>()),
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let Ok(s) = SoftwareSigner::from_secret(&secret) else {
                return Ok(());
            };
            let reference: Signature = s.key.sign(&message);
            let raw = s.sign(&message).unwrap();
            proptest::prop_assert_eq!(&raw, &RawSignature::Fixed(reference.to_bytes().into()));
            let RawSignature::Fixed(raw) = raw else {
                unreachable!()
            };
            let ring_key = ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                s.public_key_sec1(),
            );
            proptest::prop_assert!(ring_key.verify(&message, &raw).is_ok());
            let fixed = sign_fixed(&s, &message).unwrap();
            let pk = PublicKey::from_sec1(&s.public_key_sec1()).unwrap();
            proptest::prop_assert!(pk.verify(&message, &fixed));
            proptest::prop_assert!(pk.verify_portable(&message, &fixed));
        }
    }

    proptest::proptest! {
        /// The fast native verifier and the portable one agree on genuine
        /// signatures and on every one-bit change of message or signature.
        #[test]
        fn native_and_portable_verifiers_agree(
            secret in 1u8..=254,
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            flip in proptest::option::of((0usize..264, 0u8..8)),
        ) {
            let s = SoftwareSigner::from_secret(&[secret; 32]).unwrap();
            let pk = PublicKey::from_sec1(&s.public_key_sec1()).unwrap();
            let mut sig = sign_fixed(&s, &message).unwrap();
            let mut msg = message.clone();
            if let Some((at, bit)) = flip {
                if at < 64 {
                    sig[at] ^= 1 << bit;
                } else if let Some(b) = msg.get_mut(at - 64) {
                    *b ^= 1 << bit;
                }
            }
            let fast = pk.verify(&msg, &sig);
            proptest::prop_assert_eq!(fast, pk.verify_portable(&msg, &sig));
            proptest::prop_assert_eq!(fast, msg == message && flip.is_none_or(|(at, _)| at >= 64));
        }
    }
}
