//! The storage headroom a native till reports (free disk for its file):
//! under `storage_reserve_bytes()`, paying and completing a sale are
//! refused (`storage_full`, a `PosError.Store`) and nothing is recorded.

use crate::PosError;
use crate::guard::{guard, lock};
use crate::register::Register;

#[uniffi::export]
impl Register {
    /// Records the space left for the till file, in bytes (`None`:
    /// unknown, nothing refused for it). Holds until the next call: refresh
    /// it before each sale.
    pub fn set_storage_headroom(&self, bytes: Option<u64>) -> Result<(), PosError> {
        guard(|| {
            lock(&self.inner).set_storage_headroom(bytes);
            Ok(())
        })
    }

    /// The space left for the till file as last set.
    pub fn storage_headroom(&self) -> Result<Option<u64>, PosError> {
        guard(|| Ok(lock(&self.inner).storage_headroom()))
    }
}

/// The headroom a sale needs, in bytes.
#[uniffi::export]
pub fn storage_reserve_bytes() -> u64 {
    pos_sdk::STORAGE_RESERVE_BYTES
}
