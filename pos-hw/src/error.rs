//! The one error type of pos-hw. Each concern adds its own typed variants.
//! Messages never carry card numbers or personal data.

/// Everything that can go wrong talking to or decoding for a peripheral.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[non_exhaustive]
pub enum HwError {
    // --- receipts, ESC/POS, printers, transports (receipt/escpos/printer modules) ---
    /// A QR payload too long for a QR code (or for the printer's buffer).
    #[error("QR code data of {len} bytes does not fit in a QR code")]
    QrData {
        /// Payload length in bytes.
        len: usize,
    },
    /// Barcode data the symbology cannot encode (wrong length, check digit or character).
    #[error("data cannot be printed as a {kind:?} barcode")]
    PrintBarcodeData {
        /// The symbology asked for.
        kind: crate::receipt::BarcodeKind,
    },
    /// A bitmap whose buffer does not match its size, or too wide for the paper.
    #[error("bitmap {width}x{height} is inconsistent or wider than the paper")]
    BitmapSize {
        /// Width in dots.
        width: u16,
        /// Height in dots.
        height: u16,
    },
    /// The image encoder failed.
    #[error("image encoding failed")]
    ImageEncoding,
    /// No built-in printer profile has this id.
    #[error("unknown printer profile `{id}` (the built-in profiles are {known})")]
    UnknownPrinterProfile {
        /// The id asked for (at most 64 characters kept).
        id: String,
        /// The built-in profiles' ids, comma-separated.
        known: String,
    },
    /// The output format name is not one of escpos, text, html, png, svg.
    #[error("unknown receipt output format (expected escpos, text, html, png or svg)")]
    UnknownOutputFormat,
    /// A byte that is not an ESC/POS status reply.
    #[error("not a printer status byte: {byte:#04x}")]
    StatusByte {
        /// The byte received.
        byte: u8,
    },
    /// The wrong number of status replies.
    #[error("expected 4 status bytes, got {len}")]
    StatusLength {
        /// Number of bytes received.
        len: usize,
    },
    /// The printer connection failed.
    #[error("printer transport error: {kind}")]
    Transport {
        /// The I/O error kind.
        kind: std::io::ErrorKind,
    },
    /// This fiscal original was already printed: print a DUPLICATA instead.
    #[error("ticket {ticket} was already printed: print a duplicate")]
    AlreadyPrinted {
        /// The ticket number.
        ticket: String,
    },
    /// The store of printed tickets could not be read or written.
    #[error("the printed-receipts record is unavailable")]
    PrintLedgerUnavailable,

    // --- barcodes, GS1, scanner, scale, display (barcode/scanner/scale/display modules) ---
    /// The scanned text is empty.
    #[error("barcode is empty")]
    BarcodeEmpty,
    /// A character no supported barcode allows at this place.
    #[error("unexpected character in barcode at position {position}")]
    BarcodeCharacter {
        /// Byte offset in the scanned text.
        position: usize,
    },
    /// A digit string whose length fits no supported barcode.
    #[error("barcode of {length} digits matches no supported type")]
    BarcodeLength {
        /// Number of digits.
        length: usize,
    },
    /// A GTIN whose check digit is wrong.
    #[error("barcode check digit is wrong: expected {expected}, found {found}")]
    BarcodeCheckDigit {
        /// Computed check digit.
        expected: u8,
        /// Check digit in the code.
        found: u8,
    },
    /// A UPC-E code whose number system is not 0 or 1.
    #[error("UPC-E number system must be 0 or 1, found {found}")]
    UpcENumberSystem {
        /// The number system digit.
        found: u8,
    },
    /// A symbology that carries no product or GS1 data (e.g. a plain QR code).
    #[error("barcode type {symbology} carries no retail data")]
    BarcodeSymbology {
        /// The AIM symbology identifier.
        symbology: crate::barcode::SymbologyId,
    },
    /// A GS1 element string that cannot be read.
    #[error("GS1 element string at position {position}: {problem}")]
    Gs1 {
        /// Byte offset in the scanned text.
        position: usize,
        /// What is wrong.
        problem: crate::barcode::Gs1Problem,
    },
    /// An in-store code layout pattern that is malformed.
    #[error("in-store barcode layout: {problem}")]
    InStoreLayout {
        /// What is wrong.
        problem: crate::barcode::LayoutProblem,
    },
    /// A scanner line longer than the reader accepts (dropped).
    #[error("scanned line longer than {max} bytes")]
    LineTooLong {
        /// The limit.
        max: usize,
    },
    /// Reading from or writing to an input device failed.
    #[error("input device I/O error: {kind}")]
    InputIo {
        /// The kind of I/O error.
        kind: std::io::ErrorKind,
    },
    /// Bytes from or for a scale that are not a Dialog 06 message.
    #[error("scale frame: {problem}")]
    ScaleFrame {
        /// What is wrong.
        problem: crate::scale::FrameProblem,
    },
    /// A value the scale protocol's fixed field cannot carry.
    #[error("scale {field} out of range for the protocol")]
    ScaleValue {
        /// Which field.
        field: crate::scale::ScaleField,
    },
    /// The scale refused (NAK) and reported this status.
    #[error("scale refused: {status}")]
    ScaleStatus {
        /// The status the scale reported.
        status: crate::scale::ScaleStatusCode,
    },
    /// The scale did not answer within the port's read timeout.
    #[error("scale did not answer in time")]
    ScaleTimeout,
    /// The scale asks for the checksum exchange (records 10/11), not supported.
    #[error("scale requires the Dialog 06 checksum exchange, which is not supported")]
    ScaleChecksumRequired,
    /// A cursor position outside the customer display.
    #[error("display position row {row}, column {column} is outside the screen")]
    DisplayPosition {
        /// Requested row (1-based).
        row: u8,
        /// Requested column (1-based).
        column: u8,
    },
    /// Writing to the customer display failed.
    #[error("customer display I/O error: {kind}")]
    DisplayIo {
        /// The kind of I/O error.
        kind: std::io::ErrorKind,
    },

    // --- payment terminals (payment module) ---
    /// A payment transaction id is empty, too long or has unsupported characters.
    #[error("invalid transaction id (1 to {max_len} characters among A-Z a-z 0-9 - _ .)")]
    TransactionIdInvalid {
        /// The longest id accepted where it was checked.
        max_len: usize,
    },
    /// A payment amount is zero, negative or not a whole number of minor units.
    #[error("payment amount must be positive and in whole minor units")]
    PaymentAmountInvalid,
    /// A payment amount does not fit the protocol's amount field.
    #[error("payment amount exceeds the protocol maximum of {max_minor_units} minor units")]
    PaymentAmountTooLarge {
        /// The largest amount the field holds, in minor units.
        max_minor_units: u64,
    },
    /// The terminal protocol cannot carry this currency.
    #[error("currency {numeric} is not supported by this terminal")]
    PaymentCurrencyUnsupported {
        /// ISO 4217 numeric code.
        numeric: u16,
    },
    /// A payment message field has a value its fixed format cannot carry.
    #[error("invalid payment message field: {field}")]
    PaymentFieldInvalid {
        /// The field's name.
        field: &'static str,
    },
    /// A Concert frame does not have the STX payload ETX LRC shape.
    #[error("malformed terminal frame: {fault}")]
    FrameMalformed {
        /// What is wrong.
        fault: crate::payment::concert::FrameFault,
    },
    /// A Concert frame's LRC byte does not match its content.
    #[error("frame LRC mismatch: expected {expected:#04x}, found {found:#04x}")]
    FrameLrcMismatch {
        /// The LRC computed over the frame.
        expected: u8,
        /// The LRC byte received.
        found: u8,
    },
    /// A payment message has the wrong length for its type.
    #[error("payment message length {found}, expected {expected}")]
    MessageLength {
        /// The length the message type requires.
        expected: usize,
        /// The length received.
        found: usize,
    },
    /// A Caisse-AP TLV is truncated or its length is not three digits.
    #[error("malformed TLV at byte {offset}")]
    TlvMalformed {
        /// Byte offset of the faulty tag.
        offset: usize,
    },
    /// A mandatory Caisse-AP tag is missing.
    #[error("missing mandatory tag {tag}")]
    TlvMissingTag {
        /// The two-letter tag.
        tag: &'static str,
    },
    /// The terminal did not acknowledge the link: nothing was sent, safe to retry.
    #[error("payment terminal not ready after {attempts} attempts (nothing sent)")]
    TerminalNotReady {
        /// How many enquiries went unanswered.
        attempts: u8,
    },
    /// The terminal refused every copy of the request: not taken, safe to retry.
    #[error("payment terminal rejected the request {attempts} times (not taken)")]
    RequestRejected {
        /// How many copies were refused.
        attempts: u8,
    },
    /// The link to the terminal failed before the request was delivered.
    #[error("payment terminal link error: {kind}")]
    PaymentLink {
        /// The I/O error kind.
        kind: std::io::ErrorKind,
    },
    /// The terminal or its protocol does not offer this operation.
    #[error("operation not supported by this payment terminal: {operation}")]
    PaymentUnsupported {
        /// The operation asked.
        operation: &'static str,
    },
    /// A nexo message failed its HMAC check or could not be decrypted.
    #[error("nexo message authentication failed")]
    NexoAuthentication,
    /// A nexo message is not the JSON expected.
    #[error("invalid nexo message: {at}")]
    NexoMessageInvalid {
        /// The element that is missing or wrong.
        at: &'static str,
    },
}

impl HwError {
    /// A stable snake_case code: `unknown_printer_profile` and
    /// `unknown_output_format` for the two an app's input causes, `device`
    /// for the others.
    pub fn code(&self) -> &'static str {
        match self {
            HwError::UnknownPrinterProfile { .. } => "unknown_printer_profile",
            HwError::UnknownOutputFormat => "unknown_output_format",
            _ => "device",
        }
    }
}
