//! Durable storage in the browser: SQLite's files in the Origin Private File
//! System through `sqlite-wasm-vfs`'s sync-access-handle pool (`sahpool`).
//! Once installed, every till opened with a path lives in OPFS and each
//! committed transaction is flushed to it before the call returns: nothing
//! to save afterwards, a killed tab loses no committed sale. Only in a
//! dedicated Worker of a secure context (OPFS sync access handles).

use crate::PosError;
use wasm_bindgen::prelude::*;

/// What went wrong installing the OPFS storage (no browser text kept).
fn unavailable(e: &sqlite_wasm_vfs::sahpool::OpfsSAHError) -> PosError {
    use sqlite_wasm_vfs::sahpool::OpfsSAHError as E;
    let code = match e {
        E::NotSupported => "opfs_unsupported",
        // Another tab or a worker still closing holds the pool's files.
        E::Opfs { .. } => "opfs_busy",
        _ => "opfs_failed",
    };
    PosError::store(
        code,
        "the browser's private file system is not available to this till".to_owned(),
    )
}

/// Makes OPFS (folder `directory`, default `pos-till`) SQLite's default
/// storage for this module: every `Register.open(path, ...)` after it opens
/// or creates `path` there. Resolves once ready; throws a `StoreError` with
/// code `opfs_unsupported` (not in a dedicated Worker of a secure context),
/// `opfs_busy` (another tab holds the files: retry once it is closed) or
/// `opfs_failed`. Installing twice with the same folder is harmless.
#[wasm_bindgen(js_name = installOpfsStorage)]
pub async fn install_opfs_storage(directory: Option<String>) -> Result<(), JsValue> {
    let directory = directory.unwrap_or_else(|| "pos-till".to_owned());
    let config = sqlite_wasm_vfs::sahpool::OpfsSAHPoolCfgBuilder::new()
        .vfs_name("pos-opfs")
        .directory(&directory)
        // A till's database, its key file (`<path>.keys`) and their
        // rollback journals, for a few tills.
        .initial_capacity(24)
        .build();
    sqlite_wasm_vfs::sahpool::install::<sqlite_wasm_rs::WasmOsCallback>(&config, true)
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(())
}
