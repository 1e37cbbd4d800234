//! The one error type of pos-hw. Each concern adds its own typed variants.
//! Messages never carry card numbers or personal data.

/// Everything that can go wrong talking to or decoding for a peripheral.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[non_exhaustive]
pub enum HwError {
    // --- receipts, ESC/POS, printers, transports (receipt/escpos/printer modules) ---

    // --- barcodes, GS1, scanner, scale, display (barcode/scanner/scale/display modules) ---

    // --- payment terminals (payment module) ---
}
