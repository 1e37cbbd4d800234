//! Catalog helpers that need no till.

/// The sample catalog (a French bakery-grocery, about 50 variants) as JSON,
/// for demos, examples and binding tests.
#[uniffi::export]
pub fn sample_catalog_json() -> String {
    pos_core::catalog::sample_catalog_json().to_owned()
}

/// The sample promotions of the demo store (3 croissants for 3 EUR, cheese
/// -20 % on Saturdays, coupon BIENVENUE10...) as JSON.
#[uniffi::export]
pub fn sample_promotions_json() -> String {
    pos_core::promotion::sample_promotions_json().to_owned()
}
