//! The software signing key kept in the till file (default). The private key
//! is stored as PKCS#8 PEM in the facade's `meta` table; apps that keep the
//! key in the iOS Secure Enclave or the Android Keystore pass their own
//! `Signer` to `Register::open` instead and nothing secret is stored here.

use crate::{SdkError, db};
use pos_fiscal::signer::SoftwareSigner;
use rand::TryRngCore;
use rusqlite::Connection;

/// Loads the till's key, or makes one from the operating system's entropy.
pub fn load_or_create(conn: &mut Connection) -> Result<SoftwareSigner, SdkError> {
    let tx = conn.transaction()?;
    let signer = match db::meta_get(&tx, "software_key_pem")? {
        Some(pem) => SoftwareSigner::from_pkcs8_pem(&pem)?,
        None => {
            let mut secret = [0u8; 32];
            rand::rngs::OsRng
                .try_fill_bytes(&mut secret)
                .map_err(|_| SdkError::Precondition {
                    what: "operating-system entropy",
                })?;
            let signer = SoftwareSigner::from_secret(&secret)?;
            db::meta_set(&tx, "software_key_pem", &signer.to_pkcs8_pem()?)?;
            signer
        }
    };
    tx.commit()?;
    Ok(signer)
}
