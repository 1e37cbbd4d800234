//! `pos verify --server URL`: what the sync server holds for the till file
//! being verified (registered public keys, mirrored head per series), asked
//! with the till's own sync credentials, the file opened read-only.

use std::path::Path;

/// The server's anchor for the till file `db`, from the server at `server`
/// (`http://host:port`).
pub fn fetch(db: &Path, server: &str) -> Result<pos_sdk::sync::ServerAnchor, String> {
    let mut http = pos_sync::http_client::UreqTransport::new(server);
    pos_sdk::sync::server_anchor(db, &mut http)
        .map_err(|e| format!("server anchor from {server}: {e}"))
}
