//! Searches at the till: customers by name, phone, e-mail or loyalty card
//! in the till's own cache (offline; every store's customers reach it
//! through the sync feed), and products by name in the catalog.

use crate::PosError;
use crate::guard::{guard, lock};
use crate::register::Register;

/// A customer as the till shows it: personal data only while it is held.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CustomerSummary {
    /// The pseudonymous id (also the loyalty card code).
    pub id: String,
    /// Given name, if held.
    pub given_name: Option<String>,
    /// Family name, if held.
    pub family_name: Option<String>,
    /// E-mail, if held.
    pub email: Option<String>,
    /// Phone, if held.
    pub phone: Option<String>,
}

impl CustomerSummary {
    pub(crate) fn of(c: &pos_core::customer::Customer) -> CustomerSummary {
        let p = c.personal();
        CustomerSummary {
            id: c.id().to_string(),
            given_name: p.and_then(|p| p.given_name.clone()),
            family_name: p.and_then(|p| p.family_name.clone()),
            email: p.and_then(|p| p.email.clone()),
            phone: p.and_then(|p| p.phone.clone()),
        }
    }
}

/// A product found by name.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProductHit {
    /// The variant's SKU (scan or type it to sell it).
    pub sku: String,
    /// The label printed.
    pub label: String,
    /// The unit price now, tax included (decimal string).
    pub unit_price: String,
    /// Its barcodes.
    pub barcodes: Vec<String>,
}

#[uniffi::export]
impl Register {
    /// Customers of the till's cache matching `query` (a name, phone as
    /// typed, e-mail or loyalty card code), sorted by id, at most 50; no
    /// network. Erased customers are never found. A blank or over-long
    /// query is `PosError.Cart` `invalid_text`.
    pub fn find_customers(&self, query: String) -> Result<Vec<CustomerSummary>, PosError> {
        guard(|| {
            let found = lock(&self.inner).find_customers(&query)?;
            Ok(found.iter().map(CustomerSummary::of).collect())
        })
    }

    /// Variants whose label matches every word of `query` as a word prefix
    /// (case and accents ignored), best first, at most `limit`, priced now.
    /// Without a catalog: `PosError.Cart` `precondition`.
    pub fn search_products(&self, query: String, limit: u32) -> Result<Vec<ProductHit>, PosError> {
        guard(|| {
            let reg = lock(&self.inner);
            let catalog = reg.catalog()?;
            let ctx = reg.price_context(None);
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            Ok(catalog
                .search(&query, limit)
                .into_iter()
                .map(|v| ProductHit {
                    sku: v.variant.sku.to_string(),
                    label: v.label.to_owned(),
                    unit_price: catalog
                        .resolve_price(v.variant.sku.as_str(), &ctx)
                        .map_or(v.variant.price, |p| p.unit_price)
                        .format_plain(),
                    barcodes: v.variant.barcodes.iter().map(|b| b.to_string()).collect(),
                })
                .collect())
        })
    }
}
