//! [`Register`]: one till over one SQLite file.
//!
//! Opening a till file creates or migrates it, initialises the fiscal
//! journal the first time (JET 260) and logs every start-up (JET 80).
//! Completing a sale writes everything it touches in ONE transaction (see
//! [`sale`]).

mod card_refs;
mod cash;
pub mod chain;
mod closure_receipt;
mod config;
mod customers;
mod exchange;
mod ffi_extra;
mod ffi_support;
mod fiscal_map;
mod fiscal_ops;
mod gift;
mod keys;
mod operators;
mod orders;
mod parked;
mod period;
mod purge;
mod receipts;
pub mod refund_anywhere;
mod reports;
mod rights;
mod sale;
mod scan;
mod settings;
pub(crate) mod signed_copy;
mod stock;
mod storage;

pub use cash::SessionAndDay;
pub use config::{ClockPolicy, ReceiptSettings, RegisterConfig};
pub(crate) use customers::{erase_pulled, load_loyalty, save_loyalty};
pub use exchange::exchange_cart_of;
pub use gift::PrintedGiftReceipt;
pub use operators::OperatorSource;
pub(crate) use operators::apply_from_back_office as apply_pulled_operator;
pub use orders::{OrderTicket, OrderUpdate};
pub use parked::{MAX_PARKED_LABEL_LEN, ParkedSummary};
pub use period::PeriodState;
pub use purge::{ArchiveUpload, PurgeReport, VACUUM_PAGES_PER_STEP};
pub use receipts::PrintedReceipt;
pub use reports::{OperatorTotals, SalesReport, UNCATEGORISED, VatTotals};
pub use rights::NoSaleOpening;
pub(crate) use sale::apply_movement;
pub use sale::{CompletedSale, RefundLine, SaleOptions, SaleRefused};
pub use settings::{SettingsError, TillSettings};
pub use storage::STORAGE_RESERVE_BYTES;
pub(crate) use storage::{describe_headroom, is_disk_full};

use crate::{Clock, IdGenerator, SdkError, db};
use pos_core::cart::Cart;
use pos_core::catalog::{Catalog, CatalogDocument};
use pos_core::ids::CustomerGroupId;
use pos_core::item::PriceContext;
use pos_core::promotion::{PromoContext, Promotion, parse_promotions_json};
use pos_fiscal::Signer;
use pos_fiscal::model::Stamp;
use rusqlite::{Connection, OptionalExtension};
use std::cell::OnceCell;
use std::path::Path;
use std::sync::Arc;

/// A till: configuration, its SQLite file, its fiscal key and its catalog.
pub struct Register {
    conn: Connection,
    config: RegisterConfig,
    clock: Arc<dyn Clock>,
    ids: IdGenerator,
    signer: Box<dyn Signer>,
    /// Built from the stored JSON on first use, not at open: parsing and
    /// indexing a 100k-variant catalog takes about a second, which would
    /// otherwise delay every start-up of the till.
    catalog: OnceCell<Catalog>,
    promotions: Arc<[Promotion]>,
    /// Space left for the till file, as its host last said (see [`storage`]).
    storage_headroom: Option<u64>,
    /// The app's listener and the last printer status (see [`crate::events`]).
    pub(crate) events: crate::events::Events,
}

impl std::fmt::Debug for Register {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Register")
            .field("store", &self.config.store)
            .field("register", &self.config.register)
            .finish_non_exhaustive()
    }
}

/// Shutdown seals the fiscal journal (one head signature, none when
/// nothing is new). Best effort: a drop cannot report an error, and a
/// journal left unsealed still verifies (its tail continues the head's
/// counter), so the next start, sync or closure seals it instead.
impl Drop for Register {
    fn drop(&mut self) {
        let _ = self.seal();
    }
}

impl Register {
    /// Opens (or creates) the till file at `path` with an injected clock, id
    /// generator and signing key.
    pub fn open(
        path: &Path,
        config: RegisterConfig,
        clock: Arc<dyn Clock>,
        ids: IdGenerator,
        signer: Box<dyn Signer>,
    ) -> Result<Register, SdkError> {
        let conn = db::open(path)?;
        Register::start(conn, config, clock, ids, signer)
    }

    /// Opens the till file with the default software signing key, kept in
    /// a key store apart from the till file (made on first open): natively
    /// the owner-only PKCS#8 file `<path>.key.pem`, on wasm the SQLite file
    /// `<path>.keys` (see [`crate::keystore`]). A till file of an older
    /// build that still holds its key has it moved to the key store. Apps
    /// that hold the key in a secure element use [`Register::open`] with
    /// their own [`Signer`].
    pub fn open_with_key_file(
        path: &Path,
        config: RegisterConfig,
        clock: Arc<dyn Clock>,
        ids: IdGenerator,
    ) -> Result<Register, SdkError> {
        let mut store = crate::keystore::default_key_store(path);
        Register::open_with_key_store(path, config, clock, ids, store.as_mut())
    }

    /// Opens the till file with the software signing key of `keys` (made
    /// and stored there on first open; moved there from an older till file
    /// that still holds it).
    pub fn open_with_key_store(
        path: &Path,
        config: RegisterConfig,
        clock: Arc<dyn Clock>,
        ids: IdGenerator,
        keys: &mut dyn crate::keystore::KeyStore,
    ) -> Result<Register, SdkError> {
        let mut conn = db::open(path)?;
        let signer = keys::load_or_create(&mut conn, keys)?;
        Register::start(conn, config, clock, ids, Box::new(signer))
    }

    /// A till in memory (tests, demos, the browser without persistence).
    pub fn in_memory(
        config: RegisterConfig,
        clock: Arc<dyn Clock>,
        ids: IdGenerator,
        signer: Box<dyn Signer>,
    ) -> Result<Register, SdkError> {
        Register::start(db::open_in_memory()?, config, clock, ids, signer)
    }

    fn start(
        mut conn: Connection,
        config: RegisterConfig,
        clock: Arc<dyn Clock>,
        ids: IdGenerator,
        signer: Box<dyn Signer>,
    ) -> Result<Register, SdkError> {
        let now = clock.now();
        let tx = conn.transaction()?;
        // The file's merchant settings (time zone included) win over the
        // configuration's, before anything is stamped.
        let config = settings::load(&tx, config)?;
        let stamp = stamp(&config, now)?;
        match db::meta_get(&tx, "register")? {
            None => {
                period::check_genesis_time(&config, now)?;
                db::meta_set(&tx, "register", config.register.as_str())?;
                db::meta_set(&tx, "store", config.store.as_str())?;
                pos_fiscal::store::init(&tx, signer.as_ref(), config.register.as_str(), stamp)?;
            }
            Some(r) if r != config.register.as_str() => {
                return Err(SdkError::WrongRegister {
                    file: r,
                    config: config.register.to_string(),
                });
            }
            Some(_) => {}
        }
        // A till opened with an implausible clock opens (the app can show
        // why it cannot sell) but logs the refused time, not a start-up
        // dated by it; every write stays refused until the clock is right.
        match period::clock_verdict(&tx, &config, now) {
            Ok(()) => {
                pos_fiscal::store::open(
                    &tx,
                    signer.as_ref(),
                    stamp,
                    config.system_operator.as_str(),
                    &config.software_version,
                )?;
                settings::seed_if_missing(&tx, signer.as_ref(), &config, stamp)?;
            }
            Err(refused) => {
                period::log_clock_refusal(&tx, signer.as_ref(), &config, now, &refused)?;
            }
        }
        let promotions: Option<String> = tx
            .query_row("SELECT json FROM promotions WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        tx.commit()?;
        let promotions = match promotions {
            Some(json) => Arc::from(parse_promotions_json(&json)?),
            None => Arc::from(Vec::new()),
        };
        Ok(Register {
            conn,
            config,
            clock,
            ids,
            signer,
            catalog: OnceCell::new(),
            promotions,
            storage_headroom: None,
            events: Default::default(),
        })
    }

    /// The till's configuration.
    pub fn config(&self) -> &RegisterConfig {
        &self.config
    }

    /// The catalog (built from the till file on first use); a till that
    /// never imported one gets [`SdkError::Precondition`].
    pub fn catalog(&self) -> Result<&Catalog, SdkError> {
        if let Some(catalog) = self.catalog.get() {
            return Ok(catalog);
        }
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM catalog WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let json = json.ok_or(SdkError::Precondition {
            what: "a catalog import",
        })?;
        let catalog = Catalog::from_json(&json)?;
        Ok(self.catalog.get_or_init(|| catalog))
    }

    /// Replaces the catalog with a JSON document (all or nothing). Returns
    /// the number of variants.
    pub fn import_catalog_json(&mut self, json: &str) -> Result<usize, SdkError> {
        let catalog = Catalog::from_json(json)?;
        self.store_catalog(catalog)
    }

    /// Replaces the catalog with a CSV file (one row per variant; see
    /// [`pos_core::catalog::CSV_COLUMNS`]), keeping categories and price lists.
    pub fn import_catalog_csv(&mut self, csv: &str) -> Result<usize, SdkError> {
        let base = match self.catalog() {
            Ok(c) => c.to_document(),
            Err(_) => CatalogDocument {
                currency: self.config.currency.code().to_owned(),
                vat_country: None,
                categories: Vec::new(),
                products: Vec::new(),
                price_lists: Vec::new(),
            },
        };
        let catalog = Catalog::from_csv(csv, base)?;
        self.store_catalog(catalog)
    }

    fn store_catalog(&mut self, catalog: Catalog) -> Result<usize, SdkError> {
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM catalog",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO catalog(id, version, json, imported_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, json = excluded.json,
             imported_at = excluded.imported_at",
            rusqlite::params![version, catalog.to_json(), now.to_rfc3339()],
        )?;
        tx.commit()?;
        let count = catalog.variant_count();
        self.catalog = OnceCell::from(catalog);
        Ok(count)
    }

    /// An empty cart in the till's currency and tax mode.
    ///
    /// The active promotions run in it with the till's clock and local offset.
    pub fn new_cart(&self) -> Cart {
        self.new_cart_for(None, None)
    }

    /// An empty cart for an identified customer's group and loyalty tier (group
    /// and tier promotions apply).
    pub fn new_cart_for(
        &self,
        customer_group: Option<CustomerGroupId>,
        loyalty_tier: Option<String>,
    ) -> Cart {
        let mut cart = Cart::with_tax_mode(self.config.currency, self.config.tax_mode);
        if !self.promotions.is_empty() {
            let now = self.clock.now();
            let mut ctx = PromoContext::new(self.config.currency, now);
            ctx.utc_offset_minutes = self
                .config
                .utc_offset_seconds(now)
                .checked_div(60)
                .unwrap_or(0);
            ctx.customer_group = customer_group;
            ctx.loyalty_tier = loyalty_tier;
            // Same currency as the cart by construction: this cannot fail; if
            // it ever did, the cart would simply run without promotions.
            let _ = cart.set_promotions(self.promotions.clone(), ctx);
        }
        cart
    }

    /// Replaces the active promotions with a JSON list (all or nothing);
    /// returns how many there are.
    pub fn import_promotions_json(&mut self, json: &str) -> Result<usize, SdkError> {
        let promotions = parse_promotions_json(json)?;
        let now = self.clock.now();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO promotions(id, json, imported_at) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET json = excluded.json, imported_at = excluded.imported_at",
            rusqlite::params![json, now.to_rfc3339()],
        )?;
        tx.commit()?;
        let count = promotions.len();
        self.promotions = Arc::from(promotions);
        Ok(count)
    }

    /// The active promotions.
    pub fn promotions(&self) -> &[Promotion] {
        &self.promotions
    }

    /// The price context of this till now, for a customer group if any.
    pub fn price_context(&self, customer_group: Option<CustomerGroupId>) -> PriceContext {
        PriceContext {
            store: Some(self.config.store.clone()),
            customer_group,
            at: self.clock.now(),
        }
    }

    /// Direct access to the SQLite connection for read-only reports and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The till's signing key (sync records JET 70 / 120 with it).
    pub(crate) fn signer(&self) -> &dyn Signer {
        self.signer.as_ref()
    }

    /// The injected clock's time.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// A gift card or store-credit account by code (sync applies pulled movements).
pub(crate) fn stored_value_account(
    tx: &rusqlite::Transaction<'_>,
    code: &str,
) -> Result<Option<pos_core::stored_value::StoredValueAccount>, SdkError> {
    customers::load_stored_value(tx, code)
}

/// Saves a stored-value account and its newest operation (sync).
pub(crate) fn put_stored_value_account(
    tx: &rusqlite::Transaction<'_>,
    account: &pos_core::stored_value::StoredValueAccount,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), SdkError> {
    customers::save_stored_value(tx, account, now, None)
}

/// The fiscal timestamp of `now`: UTC plus the store's local offset.
pub(crate) fn stamp(
    config: &RegisterConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Stamp, SdkError> {
    let offset_min = config.utc_offset_seconds(now).checked_div(60).unwrap_or(0);
    Stamp::new(now, offset_min).ok_or(SdkError::Corrupt {
        what: "clock instant",
    })
}
