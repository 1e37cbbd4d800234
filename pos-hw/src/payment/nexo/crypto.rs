//! nexo local-mode message protection as the Adyen Terminal API does it.
//!
//! - Key material: PBKDF2-HMAC-SHA1 of the passphrase with the salt
//!   `AdyenNexoV1Salt`, 4000 iterations, 80 bytes: HMAC key (32), cipher key
//!   (32), IV (16), in that order.
//! - Body: the whole `{"SaleToPOIRequest": {...}}` JSON, encrypted with
//!   AES-256-CBC / PKCS#7 under the cipher key and the IV XOR a fresh 16-byte
//!   nonce; base64 in `NexoBlob`.
//! - `SecurityTrailer.Hmac`: HMAC-SHA256 of the *plaintext* under the HMAC key,
//!   base64; `Nonce` base64; plus the key identifier, version and crypto
//!   version that tell the terminal which passphrase to use.
//!
//! Pure: the nonce is an argument (the client draws it at the edge).

use crate::HwError;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// The PBKDF2 salt of nexo key derivation.
pub const SALT: &[u8] = b"AdyenNexoV1Salt";
/// PBKDF2 iterations of nexo key derivation.
pub const ITERATIONS: u32 = 4000;
/// Nonce (and IV) length in bytes.
pub const NONCE_LEN: usize = 16;

/// The shared secret configured on the terminal, with its identifiers.
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityKey {
    passphrase: String,
    derived: DerivedKeys,
    /// Names the key on the terminal (`KeyIdentifier`).
    pub key_identifier: String,
    /// Version of that key (`KeyVersion`).
    pub key_version: u32,
    /// Crypto scheme version (`AdyenCryptoVersion`, 1).
    pub crypto_version: u32,
}

impl SecurityKey {
    /// A key from its passphrase and identifiers.
    pub fn new(
        passphrase: &str,
        key_identifier: &str,
        key_version: u32,
        crypto_version: u32,
    ) -> Self {
        SecurityKey {
            passphrase: passphrase.to_owned(),
            derived: DerivedKeys::from_passphrase(passphrase.as_bytes()),
            key_identifier: key_identifier.to_owned(),
            key_version,
            crypto_version,
        }
    }

    /// The HMAC key, cipher key and IV (derived once, at construction:
    /// PBKDF2 is deliberately slow).
    pub fn derive(&self) -> DerivedKeys {
        self.derived.clone()
    }
}

impl fmt::Debug for SecurityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityKey")
            .field("passphrase", &"<redacted>")
            .field("key_identifier", &self.key_identifier)
            .field("key_version", &self.key_version)
            .field("crypto_version", &self.crypto_version)
            .finish()
    }
}

/// The 80 bytes derived from a passphrase.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivedKeys {
    /// HMAC-SHA256 key.
    pub hmac_key: [u8; 32],
    /// AES-256 key.
    pub cipher_key: [u8; 32],
    /// Base IV, XORed with each message's nonce.
    pub iv: [u8; NONCE_LEN],
}

impl DerivedKeys {
    /// PBKDF2-HMAC-SHA1(passphrase, `AdyenNexoV1Salt`, 4000) split 32/32/16.
    pub fn from_passphrase(passphrase: &[u8]) -> DerivedKeys {
        let mut material = [0u8; 80];
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(passphrase, SALT, ITERATIONS, &mut material);
        let mut keys = DerivedKeys {
            hmac_key: [0; 32],
            cipher_key: [0; 32],
            iv: [0; NONCE_LEN],
        };
        let (hmac_key, rest) = material.split_at(32);
        let (cipher_key, iv) = rest.split_at(32);
        keys.hmac_key.copy_from_slice(hmac_key);
        keys.cipher_key.copy_from_slice(cipher_key);
        keys.iv.copy_from_slice(iv);
        keys
    }

    fn message_iv(&self, nonce: &[u8; NONCE_LEN]) -> [u8; NONCE_LEN] {
        let mut iv = self.iv;
        for (byte, n) in iv.iter_mut().zip(nonce) {
            *byte ^= n;
        }
        iv
    }

    fn hmac(&self, plaintext: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail for 32 bytes.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac_key)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
        mac.update(plaintext);
        mac
    }
}

impl fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKeys(<redacted>)")
    }
}

/// The `SecurityTrailer` of a protected message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityTrailer {
    /// Crypto scheme version.
    pub adyen_crypto_version: u32,
    /// Base64 HMAC-SHA256 of the plaintext.
    pub hmac: String,
    /// Which key.
    pub key_identifier: String,
    /// Which version of the key.
    pub key_version: u32,
    /// Base64 16-byte nonce.
    pub nonce: String,
}

/// A protected message: header in clear, body encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecuredMessage {
    /// The clear `MessageHeader` (the terminal routes on it).
    pub message_header: serde_json::Value,
    /// Base64 AES-256-CBC ciphertext of the whole message JSON.
    pub nexo_blob: String,
    /// Authentication and key data.
    pub security_trailer: SecurityTrailer,
}

/// Encrypts and signs `plaintext` (the whole message JSON).
pub fn encrypt(
    message_header: serde_json::Value,
    plaintext: &[u8],
    key: &SecurityKey,
    nonce: [u8; NONCE_LEN],
) -> SecuredMessage {
    let keys = &key.derived;
    let iv = keys.message_iv(&nonce);
    let ciphertext = cbc::Encryptor::<aes::Aes256>::new(&keys.cipher_key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let hmac = keys.hmac(plaintext).finalize().into_bytes();
    SecuredMessage {
        message_header,
        nexo_blob: B64.encode(ciphertext),
        security_trailer: SecurityTrailer {
            adyen_crypto_version: key.crypto_version,
            hmac: B64.encode(hmac),
            key_identifier: key.key_identifier.clone(),
            key_version: key.key_version,
            nonce: B64.encode(nonce),
        },
    }
}

/// Decrypts a protected message and checks its HMAC (in constant time).
pub fn decrypt(message: &SecuredMessage, key: &SecurityKey) -> Result<Vec<u8>, HwError> {
    let trailer = &message.security_trailer;
    if trailer.key_identifier != key.key_identifier || trailer.key_version != key.key_version {
        return Err(HwError::NexoAuthentication);
    }
    let nonce: [u8; NONCE_LEN] = B64
        .decode(&trailer.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or(HwError::NexoMessageInvalid {
            at: "SecurityTrailer.Nonce",
        })?;
    let ciphertext = B64
        .decode(&message.nexo_blob)
        .map_err(|_| HwError::NexoMessageInvalid { at: "NexoBlob" })?;
    let received = B64
        .decode(&trailer.hmac)
        .map_err(|_| HwError::NexoMessageInvalid {
            at: "SecurityTrailer.Hmac",
        })?;
    let keys = &key.derived;
    let iv = keys.message_iv(&nonce);
    let plaintext = cbc::Decryptor::<aes::Aes256>::new(&keys.cipher_key.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
        .map_err(|_| HwError::NexoAuthentication)?;
    keys.hmac(&plaintext)
        .verify_slice(&received)
        .map_err(|_| HwError::NexoAuthentication)?;
    Ok(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecurityKey {
        SecurityKey::new("pos-sdk test passphrase", "PosSdkTestKey", 1, 1)
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let header = serde_json::json!({"MessageType": "Request"});
        let secured = encrypt(header, br#"{"a":1}"#, &key(), [7; NONCE_LEN]);
        assert_eq!(decrypt(&secured, &key()).unwrap(), br#"{"a":1}"#);

        let mut tampered = secured.clone();
        tampered.security_trailer.nonce = B64.encode([8u8; NONCE_LEN]);
        assert_eq!(decrypt(&tampered, &key()), Err(HwError::NexoAuthentication));

        let other = SecurityKey::new("another passphrase", "PosSdkTestKey", 1, 1);
        assert_eq!(decrypt(&secured, &other), Err(HwError::NexoAuthentication));

        let mut bad_blob = secured;
        bad_blob.nexo_blob = "***".to_owned();
        assert_eq!(
            decrypt(&bad_blob, &key()),
            Err(HwError::NexoMessageInvalid { at: "NexoBlob" })
        );
    }

    #[test]
    fn debug_hides_the_secrets() {
        let shown = format!("{:?} {:?}", key(), key().derive());
        assert!(!shown.contains("passphrase\": \"pos"), "{shown}");
        assert!(!shown.contains("pos-sdk test passphrase"), "{shown}");
    }
}
