//! A file or device file (`/dev/usb/lp0`, a spool file): write only, no
//! status read-back.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use super::{SendFailure, Transport, write_counting};

/// Appends print jobs to a file.
#[derive(Debug, Clone)]
pub struct FileTransport {
    path: PathBuf,
}

impl FileTransport {
    /// A transport appending to `path` (created if missing).
    pub fn new(path: impl AsRef<Path>) -> FileTransport {
        FileTransport {
            path: path.as_ref().to_path_buf(),
        }
    }
}

impl Transport for FileTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), SendFailure> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| SendFailure {
                accepted: 0,
                kind: e.kind(),
            })?;
        write_counting(&mut file, bytes)
    }

    fn query(&mut self, _request: &[u8]) -> Result<Option<u8>, SendFailure> {
        Ok(None)
    }
}
