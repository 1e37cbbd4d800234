//! The till: the facade's `Register` behind a shared `RefCell` (an async
//! sync round holds it between its steps), one method per facade call,
//! each converting simple values and mapping errors.

use crate::cart::{Cart, Payment};
use crate::clock::JsClock;
use crate::sale::CompletedSale;
use crate::{PosError, convert};
use pos_core::ids::{CustomerId, LocationId, RegisterId, StoreId};
use pos_sdk::{IdGenerator, Register as SdkRegister};
use rusqlite::{Connection, MAIN_DB};
use serde::Serialize;
use std::cell::{Cell, RefCell, RefMut};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

/// One till over one SQLite database in wasm memory, exportable as bytes.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Register {
    /// Shared with a running `syncAsync` round, which borrows it for one
    /// synchronous step at a time.
    inner: Rc<RefCell<SdkRegister>>,
    /// Whether a `syncAsync` round is running (one at a time).
    syncing: Rc<Cell<bool>>,
    clock: Arc<JsClock>,
    /// The database file (none for `inMemory`).
    path: Option<String>,
    promotions: Arc<[pos_core::promotion::Promotion]>,
}

/// One product found by a search.
#[derive(Debug, Serialize)]
struct ProductHit<'a> {
    sku: &'a str,
    label: &'a str,
    price: String,
    barcodes: Vec<String>,
}

/// A customer as the till shows it (personal data only if still held).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerView {
    id: String,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
    loyalty_points: u64,
}

/// The journal verification result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifyView {
    intact: bool,
    verdict: String,
    records: u64,
    signatures_checked: u64,
    defects: Vec<String>,
}

impl From<pos_fiscal::verify::Report> for VerifyView {
    fn from(r: pos_fiscal::verify::Report) -> VerifyView {
        VerifyView {
            intact: r.is_intact(),
            verdict: r.verdict.to_owned(),
            records: r.records,
            signatures_checked: r.signatures_checked,
            defects: r
                .defects
                .iter()
                .map(|d| format!("{:?}: {}", d.kind, d.detail))
                .collect(),
        }
    }
}

fn config(
    store: &str,
    register: &str,
    location: &str,
) -> Result<pos_sdk::RegisterConfig, PosError> {
    Ok(pos_sdk::RegisterConfig::france(
        StoreId::new(store)?,
        RegisterId::new(register)?,
        LocationId::new(location)?,
    )?)
}

fn ids_of(seed: Option<u64>) -> IdGenerator {
    seed.map_or_else(IdGenerator::from_entropy, IdGenerator::seeded)
}

fn clock_millis(millis: Option<f64>) -> Result<Option<i64>, PosError> {
    millis
        .map(|m| {
            if m.is_finite() && m.fract() == 0.0 && m.abs() < 9.0e15 {
                // Checked above: an integer well inside i64.
                #[allow(clippy::cast_possible_truncation)]
                Ok(m as i64)
            } else {
                Err(PosError::invalid("clock", "epoch milliseconds"))
            }
        })
        .transpose()
}

pub(crate) fn sale_options(
    operator: &str,
    customer: Option<String>,
    training: bool,
    ticket_id: Option<String>,
) -> Result<pos_sdk::SaleOptions, PosError> {
    Ok(pos_sdk::SaleOptions {
        operator: convert::operator(operator)?,
        customer: customer.map(CustomerId::new).transpose()?,
        training,
        ticket_id,
    })
}

impl Register {
    fn inner(&self) -> Result<RefMut<'_, SdkRegister>, PosError> {
        self.inner.try_borrow_mut().map_err(|_| {
            PosError::store("busy", "the register is in use by another call".to_owned())
        })
    }

    fn start(
        path: &str,
        store: &str,
        register: &str,
        location: &str,
        clock_ms: Option<f64>,
        id_seed: Option<u64>,
        receipt_link_base: Option<String>,
    ) -> Result<Register, PosError> {
        let mut config = config(store, register, location)?;
        config.receipt.link_base = receipt_link_base;
        let clock = Arc::new(JsClock::new(clock_millis(clock_ms)?));
        let inner = SdkRegister::open_with_key_file(
            Path::new(path),
            config,
            clock.clone(),
            ids_of(id_seed),
        )?;
        Ok(Register::wrap(inner, clock, Some(path.to_owned())))
    }

    fn wrap(inner: SdkRegister, clock: Arc<JsClock>, path: Option<String>) -> Register {
        Register {
            inner: Rc::new(RefCell::new(inner)),
            syncing: Rc::new(Cell::new(false)),
            clock,
            path,
            promotions: Arc::from(Vec::new()),
        }
    }

    /// The database file, for export: an in-memory till has none.
    fn file(&self) -> Result<&str, PosError> {
        self.path.as_deref().ok_or_else(|| {
            PosError::from(pos_sdk::SdkError::Unsupported {
                what: "exporting an in-memory till (open it with Register.open)",
            })
        })
    }
}

#[wasm_bindgen]
impl Register {
    /// Opens (or creates) the till database `path` (in wasm memory, or in
    /// OPFS after `installOpfsStorage`), with a software signing key kept
    /// apart from it, in the small SQLite file `<path>.keys` beside it
    /// (never in the till database itself). `clockMillis`: pin the clock (tests); `idSeed`: deterministic ids
    /// (tests); both omitted in production. `receiptLinkBase`: where the
    /// sync server serves receipt pages (`https://recus.example.fr`): each
    /// receipt then carries the QR of its page, `{base}/r/{token}`.
    pub fn open(
        path: &str,
        store: &str,
        register: &str,
        location: &str,
        #[wasm_bindgen(js_name = clockMillis)] clock_millis: Option<f64>,
        #[wasm_bindgen(js_name = idSeed)] id_seed: Option<u64>,
        #[wasm_bindgen(js_name = receiptLinkBase)] receipt_link_base: Option<String>,
    ) -> Result<Register, JsValue> {
        Ok(Register::start(
            path,
            store,
            register,
            location,
            clock_millis,
            id_seed,
            receipt_link_base,
        )?)
    }

    /// A till in wasm memory with a fresh software signing key, gone when
    /// the page or process ends (demos, tests): the quickest start.
    /// `clockMillis` and `idSeed` as for `open`.
    #[wasm_bindgen(js_name = inMemory)]
    pub fn in_memory(
        store: &str,
        register: &str,
        location: &str,
        #[wasm_bindgen(js_name = clockMillis)] clock_millis: Option<f64>,
        #[wasm_bindgen(js_name = idSeed)] id_seed: Option<u64>,
    ) -> Result<Register, JsValue> {
        let config = config(store, register, location)?;
        let clock = Arc::new(JsClock::new(self::clock_millis(clock_millis)?));
        let signer = pos_sdk::keystore::generate()
            .map_err(|e| PosError::from(pos_sdk::SdkError::from(e)))?;
        let inner =
            SdkRegister::in_memory(config, clock.clone(), ids_of(id_seed), Box::new(signer))
                .map_err(PosError::from)?;
        Ok(Register::wrap(inner, clock, None))
    }

    /// Reopens a till from the bytes `exportDatabase` gave (kept in
    /// IndexedDB), written to `path` first; the journal, tickets and outbox
    /// are exactly as they were when exported. The database holds no
    /// signing key: pass the bytes `exportKeys` gave as `keys` (kept apart,
    /// e.g. under another IndexedDB key), unless `<path>.keys` is still
    /// there (OPFS).
    // JS positional arguments: those of `open`, after the bytes; then keys.
    #[allow(clippy::too_many_arguments)]
    pub fn restore(
        bytes: &[u8],
        path: &str,
        store: &str,
        register: &str,
        location: &str,
        #[wasm_bindgen(js_name = clockMillis)] clock_millis: Option<f64>,
        #[wasm_bindgen(js_name = idSeed)] id_seed: Option<u64>,
        #[wasm_bindgen(js_name = receiptLinkBase)] receipt_link_base: Option<String>,
        keys: Option<Vec<u8>>,
    ) -> Result<Register, JsValue> {
        if let Some(keys) = keys {
            key_file(path)
                .import(&keys)
                .map_err(|e| PosError::from(pos_sdk::SdkError::from(e)))?;
        }
        write_database(bytes, path)?;
        Ok(Register::start(
            path,
            store,
            register,
            location,
            clock_millis,
            id_seed,
            receipt_link_base,
        )?)
    }

    /// The whole till database as SQLite file bytes (to keep in IndexedDB
    /// after every committed sale).
    #[wasm_bindgen(js_name = exportDatabase)]
    pub fn export_database(&self) -> Result<Vec<u8>, JsValue> {
        // Borrowing the register keeps any of its calls out meanwhile.
        let _reg = self.inner()?;
        Ok(read_database(self.file()?)?)
    }

    /// The till's signing key file (`<path>.keys`) as bytes, to keep apart
    /// from the database's bytes (another IndexedDB key) and give back to
    /// `restore`. Treat it like a password.
    #[wasm_bindgen(js_name = exportKeys)]
    pub fn export_keys(&self) -> Result<Vec<u8>, JsValue> {
        let _reg = self.inner()?;
        let bytes = key_file(self.file()?)
            .export()
            .map_err(|e| PosError::from(pos_sdk::SdkError::from(e)))?;
        Ok(bytes.ok_or_else(|| {
            PosError::store(
                "key_store",
                "this till's key is not in a key file (opened with another signer)".to_owned(),
            )
        })?)
    }

    /// Pins the till's clock at `millis` (epoch ms), or back to `Date.now()`.
    #[wasm_bindgen(js_name = setClock)]
    pub fn set_clock(&self, millis: Option<f64>) -> Result<(), JsValue> {
        self.clock.pin(clock_millis(millis)?);
        Ok(())
    }

    /// One merchant setting in its text form (`trader_name`, `address`,
    /// `siret`, `footer`, `receipt_link_base`, `printer_profile`...).
    pub fn setting(&self, key: &str) -> Result<String, JsValue> {
        let settings = self.inner()?.settings();
        Ok(settings
            .get(key)
            .map_err(|e| PosError::from(pos_sdk::SdkError::from(e)))?)
    }

    /// Changes one merchant setting from its text form (an empty value
    /// clears an optional one; lists as JSON arrays): validated, kept in
    /// the till file and logged as a JET 270. Returns false when nothing
    /// changed. Stored receipts and reprints print these settings.
    #[wasm_bindgen(js_name = setSetting)]
    pub fn set_setting(&self, key: &str, value: &str, operator: &str) -> Result<bool, JsValue> {
        let op = convert::operator(operator)?;
        Ok(self
            .inner()?
            .set_setting(key, value, &op)
            .map_err(PosError::from)?)
    }

    /// Sets who issues the receipts (trader name, address lines, SIRET) in
    /// the till's signed merchant settings: one JET 270 by `operator` (the
    /// till's system operator when omitted), refused whole with the
    /// setting's code (`invalid_siret`...). Returns false when nothing
    /// changed. Receipts print the settings signed in force at the sale.
    #[wasm_bindgen(js_name = setTrader)]
    pub fn set_trader(
        &self,
        name: &str,
        address: Vec<String>,
        siret: &str,
        operator: Option<String>,
    ) -> Result<bool, JsValue> {
        let mut reg = self.inner()?;
        let op = match operator {
            Some(o) => convert::operator(&o)?,
            None => reg.config().system_operator.clone(),
        };
        let mut settings = reg.settings();
        settings.trader_name = name.to_owned();
        settings.address = address;
        let refused = |e| PosError::from(pos_sdk::SdkError::from(e));
        settings.set("siret", siret).map_err(refused)?;
        settings.validate().map_err(refused)?;
        Ok(reg.set_settings(settings, &op).map_err(PosError::from)?)
    }

    /// Replaces the catalog with a JSON document; returns the variant count.
    #[wasm_bindgen(js_name = importCatalogJson)]
    pub fn import_catalog_json(&self, json: &str) -> Result<u32, JsValue> {
        let n = self
            .inner()?
            .import_catalog_json(json)
            .map_err(PosError::from)?;
        Ok(u32::try_from(n).map_err(|_| PosError::invalid("catalog", "fewer variants"))?)
    }

    /// How many product variants the till's catalog holds (0: none yet).
    #[wasm_bindgen(js_name = catalogSize)]
    pub fn catalog_size(&self) -> Result<u32, JsValue> {
        let reg = self.inner()?;
        let n = match reg.catalog() {
            Ok(catalog) => catalog.variant_count(),
            // Never imported: an empty catalog.
            Err(pos_sdk::SdkError::Precondition {
                what: "a catalog import",
            }) => 0,
            Err(e) => return Err(PosError::from(e).into()),
        };
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Products whose label matches every word of `query` (accents and case
    /// ignored), best first: `{sku, label, price, barcodes}[]`.
    #[wasm_bindgen(js_name = searchProducts, unchecked_return_type = "ProductHit[]")]
    pub fn search_products(&self, query: &str, limit: u32) -> Result<JsValue, JsValue> {
        let reg = self.inner()?;
        let catalog = reg.catalog().map_err(PosError::from)?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let ctx = reg.price_context(None);
        let hits: Vec<ProductHit<'_>> = catalog
            .search(query, limit)
            .into_iter()
            .map(|v| ProductHit {
                sku: v.variant.sku.as_str(),
                label: v.label,
                price: catalog
                    .resolve_price(v.variant.sku.as_str(), &ctx)
                    .map_or(v.variant.price, |p| p.unit_price)
                    .format_plain(),
                barcodes: v.variant.barcodes.iter().map(|b| b.to_string()).collect(),
            })
            .collect();
        Ok(convert::to_js(&hits)?)
    }

    /// Sets the promotions new carts run (a JSON array of promotions);
    /// returns how many.
    #[wasm_bindgen(js_name = setPromotionsJson)]
    pub fn set_promotions_json(&mut self, json: &str) -> Result<u32, JsValue> {
        let promotions =
            pos_core::promotion::parse_promotions_json(json).map_err(PosError::from)?;
        let n = u32::try_from(promotions.len())
            .map_err(|_| PosError::invalid("promotions", "fewer promotions"))?;
        self.promotions = Arc::from(promotions);
        Ok(n)
    }

    /// An empty cart in the till's currency and tax mode, running the
    /// promotions set with `setPromotionsJson` at the till's local time.
    #[wasm_bindgen(js_name = newCart)]
    pub fn new_cart(&self) -> Result<Cart, JsValue> {
        use pos_sdk::Clock as _;
        // Always given (an empty cart shows after the Z too); `scan` and
        // `startPayment` refuse when no sale could be recorded now.
        let reg = self.inner()?;
        let mut cart = reg.new_cart();
        if !self.promotions.is_empty() {
            let now = self.clock.now();
            let mut ctx = pos_core::promotion::PromoContext::new(cart.currency(), now);
            ctx.utc_offset_minutes = reg.config().utc_offset_seconds(now) / 60;
            cart.set_promotions(self.promotions.clone(), ctx)
                .map_err(PosError::from)?;
        }
        Ok(Cart::wrap(cart))
    }

    /// Scans a barcode, scale label or typed SKU into `cart` (promotions
    /// re-applied); returns the line id. On error the cart is unchanged.
    pub fn scan(&self, cart: &Cart, code: &str) -> Result<u32, JsValue> {
        let reg = self.inner()?;
        let ctx = reg.price_context(None);
        let mut cart = cart.borrow_mut()?;
        Ok(reg
            .scan(&mut cart, code, &ctx)
            .map_err(PosError::from)?
            .get())
    }

    /// Starts paying `cart` under the till's tender rules.
    #[wasm_bindgen(js_name = startPayment)]
    pub fn start_payment(&self, cart: &Cart, customer: Option<String>) -> Result<Payment, JsValue> {
        let customer = customer
            .map(CustomerId::new)
            .transpose()
            .map_err(PosError::from)?;
        let reg = self.inner()?;
        let cart = cart.borrow_open()?;
        let payment = reg
            .start_payment(&cart, customer.as_ref())
            .map_err(PosError::from)?;
        Ok(Payment::wrap(payment, cart.currency()))
    }

    /// Completes the sale in `cart` paid by `payment`: ticket, fiscal
    /// record, stock, loyalty and sync event in one transaction.
    /// `ticketId` is the idempotency key (any UUID, or an app string of 1 to
    /// 64 characters): the same key and request returns the recorded sale,
    /// another request under it throws `idempotency_conflict`. The cart and
    /// payment are consumed: using them again throws `cart_completed`.
    #[wasm_bindgen(js_name = completeSale)]
    pub fn complete_sale(
        &self,
        cart: &Cart,
        payment: &Payment,
        operator: &str,
        customer: Option<String>,
        training: Option<bool>,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: Option<String>,
    ) -> Result<CompletedSale, JsValue> {
        let options = sale_options(operator, customer, training.unwrap_or(false), ticket_id)?;
        let mut reg = self.inner()?;
        let sale = {
            let core_cart = cart.borrow_open()?;
            let core_payment = payment.borrow_open()?;
            // The binding keeps its copy (marked consumed below on success).
            reg.complete_sale(core_cart.clone(), core_payment.clone(), &options)
                .map_err(|refused| PosError::from(refused.error))?
        };
        let label = format!("{}{}", sale.series.code(), sale.number);
        crate::cart::consume(cart, payment, label);
        Ok(CompletedSale::wrap(sale))
    }

    /// Whether a sale can be recorded now: `open`, `day_closed` (today's Z
    /// is made) or `session_closed` (a cash session is required and none is
    /// open). Ask before taking a card payment.
    #[wasm_bindgen(js_name = periodState, unchecked_return_type = "PeriodState")]
    pub fn period_state(&self) -> Result<String, JsValue> {
        let reg = self.inner()?;
        Ok(reg
            .period_state()
            .map_err(PosError::from)?
            .as_str()
            .to_owned())
    }

    /// Renders the receipt of `sale` as `text`, `html` or `svg` (with its
    /// QR code) for the printer profile `profile` (`generic-80mm`...), with
    /// the merchant settings signed in force at the sale (StoreError
    /// `merchant_not_configured` before a trader name and SIRET are set).
    pub fn receipt(
        &self,
        sale: &CompletedSale,
        #[wasm_bindgen(unchecked_param_type = "TextReceiptFormat")] format: JsValue,
        profile: &str,
    ) -> Result<String, JsValue> {
        use pos_hw::receipt::OutputFormat;
        let format = match convert::text("format", "text, html or svg", &format)?.as_str() {
            "text" => OutputFormat::Text,
            "html" => OutputFormat::Html,
            "svg" => OutputFormat::Svg,
            _ => return Err(PosError::invalid("format", "text, html or svg").into()),
        };
        // The merchant block and link the journal signed in force at the sale.
        let facts = self
            .inner()?
            .stored_receipt_facts(sale.inner().series, sale.inner().number)
            .map_err(PosError::from)?;
        let doc = pos_hw::receipt::build_for_till(&facts, None);
        let profile = pos_hw::printer::PrinterProfile::by_id(profile).map_err(PosError::from)?;
        let bytes = pos_hw::receipt::render(&doc, format, &profile).map_err(PosError::from)?;
        Ok(String::from_utf8(bytes).map_err(|_| PosError::invalid("receipt", "UTF-8 output"))?)
    }

    /// The public link of ticket `ticketId`'s receipt page (the one its QR
    /// carries), or `undefined` without a `receiptLinkBase`.
    #[wasm_bindgen(js_name = receiptLink)]
    pub fn receipt_link(
        &self,
        #[wasm_bindgen(js_name = ticketId)] ticket_id: &str,
    ) -> Result<Option<String>, JsValue> {
        Ok(self
            .inner()?
            .receipt_link(ticket_id)
            .map_err(PosError::from)?)
    }

    /// Closes today's fiscal day (and any missing earlier one); returns the
    /// Z records made, as `"Z <number>"`.
    #[wasm_bindgen(js_name = closeDay)]
    pub fn close_day(&self, operator: &str) -> Result<Vec<String>, JsValue> {
        let op = convert::operator(operator)?;
        let made = self
            .inner()?
            .close_day(None, None, &op)
            .map_err(PosError::from)?;
        Ok(made
            .iter()
            .map(|d| format!("{} {}", d.series.code(), d.number))
            .collect())
    }

    /// Verifies every chain and signature without writing anything:
    /// `{intact, verdict, records, signaturesChecked, defects}`.
    #[wasm_bindgen(unchecked_return_type = "VerifyReport")]
    pub fn verify(&self) -> Result<JsValue, JsValue> {
        let report = self.inner()?.verify().map_err(PosError::from)?;
        Ok(convert::to_js(&VerifyView::from(report))?)
    }

    /// Signs the journal head over every record written since the last
    /// seal; call it when the till goes idle. Returns whether anything was
    /// signed.
    pub fn seal(&self) -> Result<bool, JsValue> {
        Ok(self.inner()?.seal().map_err(PosError::from)?)
    }

    /// Verifies the journal and logs the audit (JET 280).
    #[wasm_bindgen(unchecked_return_type = "VerifyReport")]
    pub fn audit(&self, operator: &str) -> Result<JsValue, JsValue> {
        let op = convert::operator(operator)?;
        let report = self.inner()?.audit(&op).map_err(PosError::from)?;
        Ok(convert::to_js(&VerifyView::from(report))?)
    }

    /// Sets the loyalty program from its JSON document (`null` removes it).
    #[wasm_bindgen(js_name = setLoyaltyProgramJson)]
    pub fn set_loyalty_program_json(&self, json: Option<String>) -> Result<(), JsValue> {
        let program: Option<pos_core::loyalty::LoyaltyProgram> = json
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(|_| PosError::invalid("loyalty program", "a loyalty program JSON document"))?;
        self.inner()?
            .set_loyalty_program(program.as_ref())
            .map_err(PosError::from)?;
        Ok(())
    }

    /// Registers a customer; returns their pseudonymous id (the loyalty card).
    #[wasm_bindgen(js_name = createCustomer)]
    pub fn create_customer(
        &self,
        #[wasm_bindgen(js_name = givenName)] given_name: Option<String>,
        #[wasm_bindgen(js_name = familyName)] family_name: Option<String>,
        email: Option<String>,
    ) -> Result<String, JsValue> {
        let personal = pos_core::customer::PersonalData {
            given_name,
            family_name,
            email,
            ..Default::default()
        };
        let c = self
            .inner()?
            .create_customer(personal, None)
            .map_err(PosError::from)?;
        Ok(c.id().to_string())
    }

    /// A customer by id (their loyalty card) with their points:
    /// `{id, givenName, familyName, email, loyaltyPoints}`.
    #[wasm_bindgen(unchecked_return_type = "Customer")]
    pub fn customer(&self, id: &str) -> Result<JsValue, JsValue> {
        let id = CustomerId::new(id).map_err(PosError::from)?;
        let reg = self.inner()?;
        let c = reg.customer(&id).map_err(PosError::from)?;
        let points = reg.loyalty_balance(&id).map_err(PosError::from)?;
        let p = c.personal();
        Ok(convert::to_js(&CustomerView {
            id: c.id().to_string(),
            given_name: p.and_then(|p| p.given_name.clone()),
            family_name: p.and_then(|p| p.family_name.clone()),
            email: p.and_then(|p| p.email.clone()),
            loyalty_points: points,
        })?)
    }

    /// A customer's loyalty points balance.
    #[wasm_bindgen(js_name = loyaltyBalance)]
    pub fn loyalty_balance(&self, customer: &str) -> Result<f64, JsValue> {
        let id = CustomerId::new(customer).map_err(PosError::from)?;
        let points = self.inner()?.loyalty_balance(&id).map_err(PosError::from)?;
        Ok(convert::number(points))
    }
}

impl Register {
    /// The facade register, for the sync calls.
    pub(crate) fn sdk(&self) -> Result<RefMut<'_, SdkRegister>, PosError> {
        self.inner()
    }

    /// The facade register itself, for a future that outlives the call
    /// (`syncAsync`), and the flag saying a round is running.
    pub(crate) fn shared(&self) -> (Rc<RefCell<SdkRegister>>, Rc<Cell<bool>>) {
        (self.inner.clone(), self.syncing.clone())
    }
}

/// The SQLite key file beside the till database `path`.
fn key_file(path: &str) -> pos_sdk::keystore::SqliteKeyFile {
    pos_sdk::keystore::SqliteKeyFile::new(pos_sdk::keystore::sqlite_key_file_path(Path::new(path)))
}

/// Reads the database file at `path` (through SQLite, whatever its VFS).
fn read_database(path: &str) -> Result<Vec<u8>, PosError> {
    let mut conn = Connection::open(path)?;
    let data = conn.serialize(MAIN_DB)?;
    Ok(data.to_vec())
}

/// Writes SQLite file bytes to `path` (replacing what is there).
fn write_database(bytes: &[u8], path: &str) -> Result<(), PosError> {
    let mut memory = Connection::open_in_memory()?;
    let size = bytes.len();
    memory
        .deserialize_read_exact(MAIN_DB, bytes, size, true)
        .map_err(|_| {
            PosError::store(
                "corrupt",
                "the saved till database is unreadable".to_owned(),
            )
        })?;
    let check: String = memory
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|_| {
            PosError::store(
                "corrupt",
                "the saved till database is unreadable".to_owned(),
            )
        })?;
    if check != "ok" {
        return Err(PosError::store(
            "corrupt",
            "the saved till database failed its check".to_owned(),
        ));
    }
    memory.backup(MAIN_DB, path, None::<fn(rusqlite::backup::Progress)>)?;
    Ok(())
}
