//! `--store S --register R` on the commands that create a till file when
//! it is missing (`pos sell`, `pos simulate`), as `pos init` takes them.
//! The ids are checked with pos-core's id types before any file is made;
//! on an existing file they must be the file's own (a till never changes
//! store or register), or the command is refused and nothing is written.

use super::till::{existing_ids, open_till};
use pos_core::ids::{LocationId, RegisterId, StoreId};
use pos_sdk::{IdGenerator, Register, RegisterConfig, SdkError, SystemClock};
use std::path::Path;
use std::sync::Arc;

/// The store and register of a till file the command may create.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TillIds {
    /// The store (establishment) id of a new till file (default
    /// `demo-store`); on an existing file, must be its store.
    #[arg(long)]
    pub store: Option<String>,
    /// The register (till) id of a new till file (default `till-1`); on an
    /// existing file, must be its register.
    #[arg(long)]
    pub register: Option<String>,
}

/// Opens `db` as [`open_till`] does, first creating it with `ids` when it
/// is missing, or checking `ids` against the file's own when it exists.
pub fn open_till_as(db: &Path, ids: &TillIds) -> Result<Register, SdkError> {
    let store = ids.store.as_deref().map(StoreId::new).transpose()?;
    let register = ids.register.as_deref().map(RegisterId::new).transpose()?;
    if db.exists() {
        let Some((file_store, file_register)) = existing_ids(db) else {
            return open_till(db);
        };
        let store_differs = store.as_ref().is_some_and(|s| s.as_str() != file_store);
        let register_differs = register
            .as_ref()
            .is_some_and(|r| r.as_str() != file_register);
        if store_differs || register_differs {
            let asked = format!(
                "{}/{}",
                store.as_ref().map_or(file_store.as_str(), |s| s.as_str()),
                register
                    .as_ref()
                    .map_or(file_register.as_str(), |r| r.as_str()),
            );
            return Err(SdkError::WrongRegister {
                file: format!("{file_store}/{file_register}"),
                config: asked,
            });
        }
    } else if store.is_some() || register.is_some() {
        let config = RegisterConfig::france(
            store.unwrap_or(StoreId::new("demo-store")?),
            register.unwrap_or(RegisterId::new("till-1")?),
            LocationId::new("shop")?,
        )?;
        // Made with its ids, then opened as any existing file is (the
        // sample catalog is imported there).
        drop(Register::open_with_key_file(
            db,
            config,
            Arc::new(SystemClock),
            IdGenerator::from_entropy(),
        )?);
    }
    open_till(db)
}
