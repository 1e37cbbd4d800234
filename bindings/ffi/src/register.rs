//! The till: the facade's `Register` behind a mutex, one method per facade
//! call, each converting simple values and mapping errors.

use crate::callbacks::{Clock, ClockAdapter, PrinterTransport, Signer, SignerAdapter};
use crate::cart::{Cart, Payment};
use crate::guard::{guard, lock};
use crate::sale::CompletedSale;
use crate::sync::{SyncReport, SyncTransport, TransportAdapter};
use crate::types::{FecFile, ReceiptFormat, RefundLine, RegisterConfig, SaleOptions, VerifyReport};
use crate::{PosError, convert};
use pos_core::cart::{Actor, Permissions};
use pos_core::ids::CustomerId;
use pos_sdk::{IdGenerator, Register as SdkRegister, SystemClock};
use pos_sync::client::{Credentials, SyncClient};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One till over one SQLite file (or in memory).
#[derive(Debug, uniffi::Object)]
pub struct Register {
    pub(crate) inner: Mutex<SdkRegister>,
}

pub(crate) fn clock_of(clock: Option<Arc<dyn Clock>>) -> Arc<dyn pos_sdk::Clock> {
    match clock {
        Some(c) => Arc::new(ClockAdapter(c)),
        None => Arc::new(SystemClock),
    }
}

pub(crate) fn ids_of(seed: Option<u64>) -> IdGenerator {
    seed.map_or_else(IdGenerator::from_entropy, IdGenerator::seeded)
}

#[uniffi::export]
impl Register {
    /// Opens (or creates) the till file at `path`. `clock`: the app's clock
    /// (None: the system clock). `signer`: the app's keystore key (None: a
    /// software key kept beside the till file in `<path>.key.pem`, owner
    /// only, never in the till file). `id_seed`: deterministic ids for
    /// tests (None in production).
    #[uniffi::constructor]
    pub fn open(
        path: String,
        config: RegisterConfig,
        clock: Option<Arc<dyn Clock>>,
        signer: Option<Arc<dyn Signer>>,
        id_seed: Option<u64>,
    ) -> Result<Arc<Register>, PosError> {
        guard(|| {
            let config = config.to_sdk()?;
            let (clock, ids, path) = (clock_of(clock), ids_of(id_seed), Path::new(&path));
            let inner = match signer {
                Some(s) => {
                    SdkRegister::open(path, config, clock, ids, Box::new(SignerAdapter::new(s)))?
                }
                None => SdkRegister::open_with_key_file(path, config, clock, ids)?,
            };
            Ok(Arc::new(Register {
                inner: Mutex::new(inner),
            }))
        })
    }

    /// A till in memory, signing with the app's key.
    #[uniffi::constructor]
    pub fn in_memory(
        config: RegisterConfig,
        clock: Option<Arc<dyn Clock>>,
        signer: Arc<dyn Signer>,
        id_seed: Option<u64>,
    ) -> Result<Arc<Register>, PosError> {
        guard(|| {
            let inner = SdkRegister::in_memory(
                config.to_sdk()?,
                clock_of(clock),
                ids_of(id_seed),
                Box::new(SignerAdapter::new(signer)),
            )?;
            Ok(Arc::new(Register {
                inner: Mutex::new(inner),
            }))
        })
    }

    /// Replaces the catalog with a JSON document; returns the variant count.
    pub fn import_catalog_json(&self, json: String) -> Result<u64, PosError> {
        guard(|| count(lock(&self.inner).import_catalog_json(&json)?))
    }

    /// Replaces the catalog's variants with a CSV file; returns the count.
    pub fn import_catalog_csv(&self, csv: String) -> Result<u64, PosError> {
        guard(|| count(lock(&self.inner).import_catalog_csv(&csv)?))
    }

    /// Replaces the active promotions with a JSON list (all or nothing);
    /// returns how many there are. Carts made afterwards run them.
    pub fn import_promotions_json(&self, json: String) -> Result<u64, PosError> {
        guard(|| count(lock(&self.inner).import_promotions_json(&json)?))
    }

    /// An empty cart in the till's currency and tax mode (the active
    /// promotions run in it).
    /// Always given (the app shows an empty cart after the Z); scanning
    /// into it and paying it are refused when no sale could be recorded now
    /// (see `period_state`).
    pub fn new_cart(&self) -> Result<Arc<Cart>, PosError> {
        guard(|| Ok(Arc::new(Cart::wrap(lock(&self.inner).new_cart()))))
    }

    /// Whether a sale can be recorded now: `open`, `day_closed` (the Z of
    /// today is made) or `session_closed` (the till sells only in an open
    /// cash session). Ask before taking a card payment.
    pub fn period_state(&self) -> Result<String, PosError> {
        guard(|| Ok(lock(&self.inner).period_state()?.as_str().to_owned()))
    }

    /// Scans a barcode, scale label or typed SKU into `cart`; returns the
    /// line id. On error the cart is unchanged.
    pub fn scan(&self, cart: &Cart, code: String) -> Result<u32, PosError> {
        guard(|| {
            let reg = lock(&self.inner);
            let ctx = reg.price_context(None);
            let mut cart = cart.open()?;
            Ok(reg.scan(&mut cart, &code, &ctx)?.get())
        })
    }

    /// Starts paying `cart` under the till's tender rules (a customer's
    /// meal vouchers already used today count against the daily cap).
    pub fn start_payment(
        &self,
        cart: &Cart,
        customer: Option<String>,
    ) -> Result<Arc<Payment>, PosError> {
        guard(|| {
            let customer = customer.map(CustomerId::new).transpose()?;
            let reg = lock(&self.inner);
            let cart = cart.open()?;
            let payment = reg.start_payment(&cart, customer.as_ref())?;
            Ok(Arc::new(Payment::wrap(payment, cart.currency())))
        })
    }

    /// Completes the sale (or refund) in `cart` paid by `payment`: ticket,
    /// fiscal record, stock, loyalty and sync event in one transaction.
    /// The cart and the payment are consumed: using them again is
    /// `cart_completed`. `options.ticket_id` is the idempotency key (see
    /// [`SaleOptions`]).
    pub fn complete_sale(
        &self,
        cart: &Cart,
        payment: &Payment,
        options: SaleOptions,
    ) -> Result<Arc<CompletedSale>, PosError> {
        guard(|| {
            let options = options.to_sdk()?;
            // Lock order everywhere: register, then cart, then payment.
            let mut reg = lock(&self.inner);
            let core_cart = cart.open()?;
            let core_payment = payment.open()?;
            // The binding keeps its copy (marked consumed below on success,
            // left as it was on a refusal).
            let sale = reg.complete_sale(core_cart.clone(), core_payment.clone(), &options)?;
            crate::cart::consume(cart, payment, ticket_label(&sale));
            Ok(Arc::new(CompletedSale { inner: sale }))
        })
    }

    /// A cart refunding everything still refundable on ticket `ticket_id`,
    /// by `operator` (with manager rights when `manager`; without them,
    /// `PosError.Cart` `permission_required` naming `return`).
    pub fn refund_cart(
        &self,
        ticket_id: String,
        operator: String,
        manager: bool,
    ) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let actor = Actor::new(convert::operator(&operator)?, rights(manager));
            let cart = lock(&self.inner).refund_cart(&ticket_id, None, &actor)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }

    /// A cart refunding only `lines` of ticket `ticket_id` (each a line
    /// number of the original ticket, from 1, and a positive quantity to
    /// give back), knowing what earlier refunds took back. Without manager
    /// rights: `PosError.Cart` `permission_required` naming `return`.
    pub fn partial_refund_cart(
        &self,
        ticket_id: String,
        lines: Vec<RefundLine>,
        operator: String,
        manager: bool,
    ) -> Result<Arc<Cart>, PosError> {
        guard(|| {
            let selections = lines
                .iter()
                .map(|l| {
                    Ok(pos_sdk::RefundLine {
                        line: l.line,
                        quantity: convert::decimal("quantity", &l.quantity)?,
                    })
                })
                .collect::<Result<Vec<_>, PosError>>()?;
            let actor = Actor::new(convert::operator(&operator)?, rights(manager));
            let cart = lock(&self.inner).refund_cart(&ticket_id, Some(&selections), &actor)?;
            Ok(Arc::new(Cart::wrap(cart)))
        })
    }

    /// Renders the receipt of `sale` in `format` for the printer profile
    /// `profile` (`epson-tm-t20`, `generic-58mm`...), with the merchant
    /// block the till's signed settings held at the sale (see
    /// `open_with_settings`; `merchant_not_configured` without one). No
    /// fiscal effect.
    pub fn receipt(
        &self,
        sale: &CompletedSale,
        format: ReceiptFormat,
        profile: String,
    ) -> Result<Vec<u8>, PosError> {
        guard(|| {
            let facts = crate::setup::printed_facts(&lock(&self.inner), &sale.inner)?;
            let doc = pos_hw::receipt::build_for_till(&facts, None);
            let profile = pos_hw::printer::PrinterProfile::by_id(&profile)?;
            Ok(pos_hw::receipt::render(&doc, format.to_hw(), &profile)?)
        })
    }

    /// Renders the receipt as ESC/POS and writes it to the app's transport.
    pub fn print_receipt(
        &self,
        sale: &CompletedSale,
        profile: String,
        transport: Arc<dyn PrinterTransport>,
    ) -> Result<(), PosError> {
        let bytes = self.receipt(sale, ReceiptFormat::EscPos, profile)?;
        guard(|| transport.write(bytes))
    }

    /// Closes today's fiscal day (and any missing earlier one); returns the
    /// Z records made, as `"Z <number>"`.
    pub fn close_day(&self, operator: String) -> Result<Vec<String>, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let made = lock(&self.inner).close_day(None, None, &op)?;
            Ok(made
                .iter()
                .map(|d| format!("{} {}", d.series.code(), d.number))
                .collect())
        })
    }

    /// Verifies every chain and signature and logs the audit (JET 280).
    pub fn audit(&self, operator: String) -> Result<VerifyReport, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            Ok(lock(&self.inner).audit(&op)?.into())
        })
    }

    /// Signs the journal head over every record written since the last
    /// seal; call it when the till goes idle. Returns whether anything was
    /// signed (nothing new: no signature).
    pub fn seal(&self) -> Result<bool, PosError> {
        guard(|| Ok(lock(&self.inner).seal()?))
    }

    /// Verifies the journal without writing anything.
    pub fn verify(&self) -> Result<VerifyReport, PosError> {
        guard(|| Ok(lock(&self.inner).verify()?.into()))
    }

    /// The FEC of every closed day (logged as JET 110).
    pub fn export_fec(&self, siren: String, operator: String) -> Result<FecFile, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let (name, bytes) = lock(&self.inner).export_fec(&siren, &op)?;
            Ok(FecFile { name, bytes })
        })
    }
}

#[uniffi::export]
impl Register {
    /// One sync round (push the outbox and the fiscal journal, pull
    /// changes) carried by the app's HTTP `transport`, as `device` enrolled
    /// with `secret`.
    pub fn sync(
        &self,
        device: String,
        secret: Vec<u8>,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<SyncReport, PosError> {
        guard(|| {
            let client = SyncClient::new(Credentials { device, secret });
            let mut http = TransportAdapter(transport);
            let mut reg = lock(&self.inner);
            Ok(pos_sdk::sync::sync_register(&mut reg, &client, &mut http)?.into())
        })
    }

    /// Events waiting to be synced.
    pub fn sync_pending(&self) -> Result<u64, PosError> {
        guard(|| Ok(pos_sdk::sync::status(&mut lock(&self.inner))?.pending))
    }
}

/// How a completed sale is named in a `cart_completed` error (`T3`).
pub(crate) fn ticket_label(sale: &pos_sdk::CompletedSale) -> String {
    format!("{}{}", sale.series.code(), sale.number)
}

pub(crate) fn rights(manager: bool) -> Permissions {
    if manager {
        Permissions::manager()
    } else {
        Permissions::cashier()
    }
}

fn count(n: usize) -> Result<u64, PosError> {
    u64::try_from(n).map_err(|_| PosError::invalid("count", "a count that fits 64 bits"))
}
