//! Shared fixtures for the criterion benchmarks (see README.md).

/// A catalog document of `n` products with one variant each and a valid
/// EAN-13 per variant, as JSON, for load and open benchmarks.
pub fn catalog_json(n: u32) -> String {
    let mut products = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for i in 0..n {
        let payload = format!("376{:09}", i);
        let barcode = format!("{payload}{}", check_digit(&payload));
        products.push(format!(
            r#"{{"id":"P{i}","name":"Produit {i} bio","categories":["epicerie"],"vat":"5.5","variants":[{{"sku":"SKU-{i}","barcodes":["{barcode}"],"price":"{}.{:02}"}}]}}"#,
            i % 50,
            i % 100
        ));
    }
    format!(
        r#"{{"currency":"EUR","categories":[{{"id":"epicerie","name":"Épicerie"}}],"products":[{}]}}"#,
        products.join(",")
    )
}

/// The GS1 check digit of a 12-digit payload.
fn check_digit(payload: &str) -> u32 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.saturating_sub(b'0'));
            if i % 2 == 0 { d.saturating_mul(3) } else { d }
        })
        .fold(0u32, u32::saturating_add);
    (10u32.saturating_sub(sum % 10)) % 10
}
