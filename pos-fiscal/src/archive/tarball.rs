//! Writing and reading the archive's tar container (POSIX ustar, no
//! compression: `tar xf` opens it anywhere).

use crate::error::{FiscalError, Result};
use std::collections::BTreeMap;
use std::io::Read;

/// Builds a tar from `(name, bytes)` pairs in the given order. Entry
/// metadata is fixed (mode 0644, mtime `mtime`, uid/gid 0) so the same
/// content always gives the same bytes.
pub fn write(files: &[(&str, &[u8])], mtime: u64) -> Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(
            u64::try_from(data.len()).map_err(|_| FiscalError::Overflow { what: "file size" })?,
        );
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_path(name)?;
        h.set_cksum();
        b.append(&h, *data)?;
    }
    Ok(b.into_inner()?)
}

/// Reads every regular file of a tar (names must be unique).
pub fn read(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut a = tar::Archive::new(bytes);
    let mut out = BTreeMap::new();
    for e in a.entries()? {
        let mut e = e?;
        if e.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = e.path()?.to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data)?;
        if out.insert(name, data).is_some() {
            return Err(FiscalError::Malformed {
                what: "archive: duplicate file name",
            });
        }
    }
    Ok(out)
}
