//! Catalog helpers that need no till.

/// The sample catalog (a French bakery-grocery, about 50 variants) as JSON,
/// for demos, examples and binding tests.
#[uniffi::export]
pub fn sample_catalog_json() -> String {
    pos_core::catalog::sample_catalog_json().to_owned()
}
