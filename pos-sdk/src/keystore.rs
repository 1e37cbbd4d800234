//! Where the default software signing key lives: never in the till file.
//!
//! The till's SQLite file is what an auditor, a backup or a sync of the
//! business data carries around; a private key inside it would let whoever
//! holds a copy re-sign an altered history. So the software key (apps on
//! phones pass their Secure Enclave / Android Keystore [`pos_fiscal::Signer`]
//! to [`crate::Register::open`] instead) is kept in a [`KeyStore`] of its own:
//!
//! - native: [`KeyFile`], a PKCS#8 PEM file beside the till,
//!   `<till path>.key.pem` (the same default the `pos` CLI reads), created
//!   atomically with owner-only permissions (0600); a key file readable by
//!   group or others is refused ([`KeyStoreError::Exposed`]);
//! - wasm (no file system; the till is a SQLite file in wasm memory or OPFS
//!   through a VFS): [`SqliteKeyFile`], a separate small SQLite file
//!   `<till path>.keys` opened through the same VFS;
//! - a till in memory: [`MemoryKeyStore`].
//!
//! [`default_key_store`] picks the one for the platform and path.

use pos_fiscal::Signer;
use pos_fiscal::signer::SoftwareSigner;
use rusqlite::OptionalExtension;
use std::path::{Path, PathBuf};

/// Why a key store refused or failed. Messages name the path, never the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// The key file can be read by other users than its owner.
    #[error(
        "key file {path} is readable by group or others (mode {mode:o}): make it owner-only (chmod 600)"
    )]
    Exposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The till file holds a fiscal journal but its key store has no key:
    /// the journal can only be continued with the key that signed it.
    #[error("the till file has a fiscal journal but no signing key was found in {path}")]
    Missing {
        /// Where the key was looked for.
        path: PathBuf,
    },
    /// The key store already holds a key (a key is written once).
    #[error("{path} already holds a signing key")]
    AlreadyStored {
        /// The key store.
        path: PathBuf,
    },
    /// An old till file's embedded key and the key store's key differ.
    #[error("the till file and its key store {path} hold different signing keys")]
    Conflict {
        /// The key store.
        path: PathBuf,
    },
    /// The stored key does not decode as a P-256 PKCS#8 key.
    #[error("{path} does not hold a readable P-256 PKCS#8 key")]
    Unreadable {
        /// The key store.
        path: PathBuf,
    },
    /// Reading or writing the key store failed.
    #[error("key store {path}: {source}")]
    Io {
        /// The key store.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The SQLite key file failed.
    #[error("key store {path}: {source}")]
    Sqlite {
        /// The key store.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// No entropy from the operating system to make a key.
    #[error("no operating-system entropy to make a signing key")]
    Entropy,
}

/// Keeps a till's software signing key apart from the till file.
pub trait KeyStore {
    /// Where the key is kept (for messages).
    fn location(&self) -> PathBuf;
    /// The stored key, if any.
    fn load(&mut self) -> Result<Option<SoftwareSigner>, KeyStoreError>;
    /// Keeps `signer` durably; refuses when a key is already stored.
    fn store(&mut self, signer: &SoftwareSigner) -> Result<(), KeyStoreError>;
}

/// The default key file of a native till: `<till path>.key.pem`.
pub fn key_file_path(till: &Path) -> PathBuf {
    let mut p = till.as_os_str().to_owned();
    p.push(".key.pem");
    PathBuf::from(p)
}

/// The SQLite key file of a wasm till: `<till path>.keys`.
pub fn sqlite_key_file_path(till: &Path) -> PathBuf {
    let mut p = till.as_os_str().to_owned();
    p.push(".keys");
    PathBuf::from(p)
}

/// The key store a till at `till` uses by default: in memory for an
/// in-memory database (`:memory:` or an empty path), else [`KeyFile`]
/// natively and [`SqliteKeyFile`] on wasm.
pub fn default_key_store(till: &Path) -> Box<dyn KeyStore> {
    let s = till.as_os_str();
    if s.is_empty() || s == ":memory:" {
        return Box::new(MemoryKeyStore::default());
    }
    #[cfg(target_arch = "wasm32")]
    {
        Box::new(SqliteKeyFile::new(sqlite_key_file_path(till)))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Box::new(KeyFile::new(key_file_path(till)))
    }
}

/// A fresh key from the operating system's entropy.
pub fn generate() -> Result<SoftwareSigner, KeyStoreError> {
    use rand::TryRngCore;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut secret)
        .map_err(|_| KeyStoreError::Entropy)?;
    let signer = SoftwareSigner::from_secret(&secret).map_err(|_| KeyStoreError::Entropy);
    secret.fill(0);
    signer
}

fn pem_of(signer: &SoftwareSigner, path: &Path) -> Result<String, KeyStoreError> {
    signer
        .to_pkcs8_pem()
        .map_err(|_| KeyStoreError::Unreadable {
            path: path.to_owned(),
        })
}

fn signer_of(pem: &str, path: &Path) -> Result<SoftwareSigner, KeyStoreError> {
    SoftwareSigner::from_pkcs8_pem(pem).map_err(|_| KeyStoreError::Unreadable {
        path: path.to_owned(),
    })
}

/// A key kept in memory only (a till in memory, tests).
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    pem: Option<String>,
}

impl KeyStore for MemoryKeyStore {
    fn location(&self) -> PathBuf {
        PathBuf::from(":memory:")
    }

    fn load(&mut self) -> Result<Option<SoftwareSigner>, KeyStoreError> {
        self.pem
            .as_deref()
            .map(|p| signer_of(p, &self.location()))
            .transpose()
    }

    fn store(&mut self, signer: &SoftwareSigner) -> Result<(), KeyStoreError> {
        if self.pem.is_some() {
            return Err(KeyStoreError::AlreadyStored {
                path: self.location(),
            });
        }
        self.pem = Some(pem_of(signer, &self.location())?);
        Ok(())
    }
}

/// A PKCS#8 PEM key file with owner-only permissions (native tills).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone)]
pub struct KeyFile {
    path: PathBuf,
}

#[cfg(not(target_arch = "wasm32"))]
impl KeyFile {
    /// The key file at `path` (it need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> KeyFile {
        KeyFile { path: path.into() }
    }

    fn io(&self, source: std::io::Error) -> KeyStoreError {
        KeyStoreError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes `pem` to a fresh owner-only file in the key file's folder,
    /// flushes it, renames it over the key file's name and flushes the
    /// folder, so a crash leaves either no key file or the whole key.
    fn write_atomically(&self, pem: &str) -> Result<(), KeyStoreError> {
        use std::io::Write;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "key".to_owned());
        let nonce = rand::random::<u64>();
        let tmp = dir.join(format!(".{name}.{}.{nonce:016x}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(|e| self.io(e))?;
        let written = file
            .write_all(pem.as_bytes())
            .and_then(|()| file.sync_all());
        drop(file);
        let renamed = written.and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(e) = renamed {
            // Best effort: do not leave a copy of the key behind.
            let _ = std::fs::remove_file(&tmp);
            return Err(self.io(e));
        }
        // The rename is durable once the folder is flushed.
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.io(e))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl KeyStore for KeyFile {
    fn location(&self) -> PathBuf {
        self.path.clone()
    }

    fn load(&mut self) -> Result<Option<SoftwareSigner>, KeyStoreError> {
        use std::io::Read;
        let mut file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file
                .metadata()
                .map_err(|e| self.io(e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(KeyStoreError::Exposed {
                    path: self.path.clone(),
                    mode: mode & 0o7777,
                });
            }
        }
        let mut pem = String::new();
        file.read_to_string(&mut pem).map_err(|e| self.io(e))?;
        let signer = signer_of(&pem, &self.path);
        // Drop the text copy early; the parsed signing key zeroes itself.
        pem.clear();
        signer.map(Some)
    }

    fn store(&mut self, signer: &SoftwareSigner) -> Result<(), KeyStoreError> {
        if self.path.exists() {
            return Err(KeyStoreError::AlreadyStored {
                path: self.path.clone(),
            });
        }
        let pem = pem_of(signer, &self.path)?;
        self.write_atomically(&pem)
    }
}

/// A separate small SQLite file holding the key (wasm tills: opened through
/// the same VFS as the till file, in wasm memory or OPFS). Never the till
/// file itself.
#[derive(Debug, Clone)]
pub struct SqliteKeyFile {
    path: PathBuf,
}

impl SqliteKeyFile {
    /// The key file at `path` (created on first store).
    pub fn new(path: impl Into<PathBuf>) -> SqliteKeyFile {
        SqliteKeyFile { path: path.into() }
    }

    fn sql(&self, source: rusqlite::Error) -> KeyStoreError {
        KeyStoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn connect(&self, create: bool) -> Result<Option<rusqlite::Connection>, KeyStoreError> {
        use rusqlite::OpenFlags;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        match rusqlite::Connection::open_with_flags(&self.path, flags) {
            Ok(conn) => Ok(Some(conn)),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if !create && e.code == rusqlite::ErrorCode::CannotOpen =>
            {
                Ok(None)
            }
            Err(e) => Err(self.sql(e)),
        }
    }

    /// The raw bytes of the key file (to keep it beside an exported till,
    /// e.g. in IndexedDB); `None` when it holds no key.
    pub fn export(&self) -> Result<Option<Vec<u8>>, KeyStoreError> {
        let Some(conn) = self.connect(false)? else {
            return Ok(None);
        };
        let pem = read_pem(&conn).map_err(|e| self.sql(e))?;
        Ok(pem.map(String::into_bytes))
    }

    /// Stores the PEM bytes [`SqliteKeyFile::export`] gave.
    pub fn import(&mut self, pem: &[u8]) -> Result<(), KeyStoreError> {
        let text = std::str::from_utf8(pem).map_err(|_| KeyStoreError::Unreadable {
            path: self.path.clone(),
        })?;
        let signer = signer_of(text, &self.path)?;
        match self.load()? {
            Some(k) if k.key_id() == signer.key_id() => Ok(()),
            Some(_) => Err(KeyStoreError::Conflict {
                path: self.path.clone(),
            }),
            None => self.store(&signer),
        }
    }
}

fn read_pem(conn: &rusqlite::Connection) -> Result<Option<String>, rusqlite::Error> {
    let has_table: bool = conn.query_row(
        "SELECT COUNT(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'signing_key'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(None);
    }
    conn.query_row("SELECT pkcs8_pem FROM signing_key WHERE id = 1", [], |r| {
        r.get(0)
    })
    .optional()
}

impl KeyStore for SqliteKeyFile {
    fn location(&self) -> PathBuf {
        self.path.clone()
    }

    fn load(&mut self) -> Result<Option<SoftwareSigner>, KeyStoreError> {
        let Some(conn) = self.connect(false)? else {
            return Ok(None);
        };
        read_pem(&conn)
            .map_err(|e| self.sql(e))?
            .map(|p| signer_of(&p, &self.path))
            .transpose()
    }

    fn store(&mut self, signer: &SoftwareSigner) -> Result<(), KeyStoreError> {
        let pem = pem_of(signer, &self.path)?;
        let Some(mut conn) = self.connect(true)? else {
            return Err(KeyStoreError::Missing {
                path: self.path.clone(),
            });
        };
        let tx = conn.transaction().map_err(|e| self.sql(e))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS signing_key (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 pkcs8_pem TEXT NOT NULL)",
        )
        .map_err(|e| self.sql(e))?;
        if read_pem(&tx).map_err(|e| self.sql(e))?.is_some() {
            return Err(KeyStoreError::AlreadyStored {
                path: self.path.clone(),
            });
        }
        tx.execute(
            "INSERT INTO signing_key(id, pkcs8_pem) VALUES (1, ?1)",
            [pem],
        )
        .map_err(|e| self.sql(e))?;
        tx.commit().map_err(|e| self.sql(e))
    }
}
