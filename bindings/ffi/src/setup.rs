//! Setting a till up with its merchant settings in one step, and printing a
//! sale from the settings the journal signed: the binding takes no trader
//! of its own, so every copy of a ticket prints the same merchant block.

use crate::callbacks::{Clock, Signer, SignerAdapter};
use crate::guard::guard;
use crate::register::{Register, clock_of, ids_of};
use crate::settings::{TillSettings, from_sdk, mapped, to_sdk};
use crate::types::RegisterConfig;
use crate::{PosError, convert};
use pos_sdk::Register as SdkRegister;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The French defaults (EUR, tax-inclusive, Europe/Paris, no merchant
/// yet): a starting point to fill in before `Register.open_with_settings`.
#[uniffi::export]
pub fn default_settings() -> Result<TillSettings, PosError> {
    guard(|| {
        let config = RegisterConfig {
            store: "store".to_owned(),
            register: "register".to_owned(),
            location: "shop".to_owned(),
        }
        .to_sdk()?;
        Ok(from_sdk(&pos_sdk::TillSettings::from_config(&config)))
    })
}

#[uniffi::export]
impl Register {
    /// Opens (or creates) the till file at `path` with the merchant
    /// `settings`. A new file starts with them as its first signed settings
    /// (one JET 270). An existing file with other settings is changed to
    /// them by `operator` (one JET 270); with the same, nothing is logged.
    /// A refused value (`invalid_siret`...) opens nothing. `clock`,
    /// `signer`, `id_seed`: as `Register.open`.
    #[uniffi::constructor]
    pub fn open_with_settings(
        path: String,
        config: RegisterConfig,
        settings: TillSettings,
        operator: String,
        clock: Option<Arc<dyn Clock>>,
        signer: Option<Arc<dyn Signer>>,
        id_seed: Option<u64>,
    ) -> Result<Arc<Register>, PosError> {
        guard(|| {
            let mut config = config.to_sdk()?;
            let operator = convert::operator(&operator)?;
            let wanted =
                to_sdk(&pos_sdk::TillSettings::from_config(&config), &settings).map_err(mapped)?;
            wanted.apply_to(&mut config);
            let (clock, ids, path) = (clock_of(clock), ids_of(id_seed), Path::new(&path));
            let mut inner = match signer {
                Some(s) => {
                    SdkRegister::open(path, config, clock, ids, Box::new(SignerAdapter::new(s)))?
                }
                None => SdkRegister::open_with_key_file(path, config, clock, ids)?,
            };
            // An existing file keeps its own settings at open: bring them
            // to the ones asked for.
            if inner.settings() != wanted {
                inner.set_settings(wanted, &operator).map_err(mapped)?;
            }
            Ok(Arc::new(Register {
                inner: Mutex::new(inner),
            }))
        })
    }
}

/// The receipt facts of `sale` as the till prints it: the merchant block
/// and receipt link signed in force at the sale (`merchant_not_configured`
/// before a trader name and SIRET are set).
pub(crate) fn printed_facts(
    reg: &SdkRegister,
    sale: &pos_sdk::CompletedSale,
) -> Result<pos_hw::receipt::ReceiptFacts, PosError> {
    reg.stored_receipt_facts(sale.series, sale.number)
        .map_err(mapped)
}
