//! Receipts in every format (ESC/POS and PNG as bytes), reprints and
//! duplicates, receipts of stored tickets, month and year closures, the
//! FEC accounting export and the legal archive of a period.

use crate::register::Register;
use crate::sale::CompletedSale;
use crate::{PosError, convert};
use chrono::NaiveDate;
use pos_hw::receipt::{OutputFormat, ReceiptKind};
use wasm_bindgen::prelude::*;

/// A receipt format by its JS name.
pub(crate) fn format(value: &JsValue) -> Result<OutputFormat, PosError> {
    const EXPECTED: &str = "escpos, text, html, png or svg";
    Ok(
        match convert::text("format", "a ReceiptFormat string", value)?.as_str() {
            "escpos" => OutputFormat::EscPos,
            "text" => OutputFormat::Text,
            "html" => OutputFormat::Html,
            "png" => OutputFormat::Png,
            "svg" => OutputFormat::Svg,
            _ => return Err(PosError::invalid("format", EXPECTED)),
        },
    )
}

fn series(code: &str) -> Result<pos_fiscal::model::Series, PosError> {
    pos_fiscal::model::Series::parse(code.trim())
        .ok_or_else(|| PosError::invalid("series", "a series code such as T"))
}

/// A ticket number from JS: a whole positive number.
fn ticket_number(n: f64) -> Result<u64, PosError> {
    if n.is_finite() && n.fract() == 0.0 && (1.0..9.0e15).contains(&n) {
        // Checked above: a whole number well inside u64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(n as u64)
    } else {
        Err(PosError::invalid("number", "a ticket number (1, 2, 3...)"))
    }
}

fn day(field: &str, s: &str) -> Result<NaiveDate, PosError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| PosError::invalid(field, "a date such as 2026-03-14"))
}

fn kind_name(kind: &ReceiptKind) -> String {
    match kind {
        ReceiptKind::Sale => "sale".to_owned(),
        ReceiptKind::Refund { .. } => "refund".to_owned(),
        ReceiptKind::Exchange { .. } => "exchange".to_owned(),
        ReceiptKind::Duplicate { number } => format!("duplicate {number}"),
        ReceiptKind::Training => "training".to_owned(),
        ReceiptKind::ProvisionalBill => "provisional_bill".to_owned(),
    }
}

/// A plain object whose values are strings, booleans or byte arrays.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let out = js_sys::Object::new();
    for (name, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&out, &(*name).into(), value);
    }
    out.into()
}

fn bytes(b: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(b).into()
}

fn stored(r: pos_sdk::PrintedReceipt) -> JsValue {
    object(&[
        ("bytes", bytes(&r.bytes)),
        ("kind", kind_name(&r.kind).into()),
    ])
}

pub(crate) fn refs(made: &[pos_fiscal::model::DocRef]) -> Vec<String> {
    made.iter()
        .map(|d| format!("{} {}", d.series.code(), d.number))
        .collect()
}

impl Register {
    fn render(
        &self,
        facts: &pos_hw::receipt::ReceiptFacts,
        format: OutputFormat,
        profile: &str,
    ) -> Result<Vec<u8>, PosError> {
        let doc = pos_hw::receipt::build_for_till(facts, None);
        let profile = pos_hw::printer::PrinterProfile::by_id(profile)?;
        Ok(pos_hw::receipt::render(&doc, format, &profile)?)
    }
}

#[wasm_bindgen]
impl Register {
    /// Renders the receipt of `sale` as bytes in any `format` (`escpos` for
    /// the printer, `png`, `svg`, `text`, `html`) for the printer profile
    /// `profile` (`epson-tm-t20`, `generic-58mm`...). No fiscal effect.
    #[wasm_bindgen(js_name = receiptBytes)]
    pub fn receipt_bytes(
        &self,
        sale: &CompletedSale,
        #[wasm_bindgen(unchecked_param_type = "ReceiptFormat")] format: JsValue,
        profile: &str,
    ) -> Result<Vec<u8>, JsValue> {
        let format = self::format(&format)?;
        let facts = self
            .sdk()?
            .stored_receipt_facts(sale.inner().series, sale.inner().number)
            .map_err(PosError::from)?;
        Ok(self.render(&facts, format, profile)?)
    }

    /// Reprints `sale`: records the signed duplicate (series C) and renders
    /// it, marked "DUPLICATA n°k".
    pub fn reprint(
        &self,
        sale: &CompletedSale,
        operator: &str,
        #[wasm_bindgen(unchecked_param_type = "ReceiptFormat")] format: JsValue,
        profile: &str,
    ) -> Result<Vec<u8>, JsValue> {
        let format = self::format(&format)?;
        let op = convert::operator(operator)?;
        let facts = {
            let mut reg = self.sdk()?;
            let (_, copy) = reg
                .duplicate(sale.inner().series, sale.inner().number, &op)
                .map_err(PosError::from)?;
            let mut facts = reg
                .stored_receipt_facts(sale.inner().series, sale.inner().number)
                .map_err(PosError::from)?;
            facts.kind = ReceiptKind::Duplicate { number: copy };
            facts
        };
        Ok(self.render(&facts, format, profile)?)
    }

    /// Renders stored ticket `number` of `series` (`T`, `X`...) with the
    /// till's printer profile, for the screen or an e-mail: no fiscal
    /// effect. Returns `{bytes, kind}`.
    #[wasm_bindgen(js_name = previewReceipt, unchecked_return_type = "StoredReceipt")]
    pub fn preview_receipt(
        &self,
        series: &str,
        number: f64,
        #[wasm_bindgen(unchecked_param_type = "ReceiptFormat")] format: JsValue,
    ) -> Result<JsValue, JsValue> {
        let (s, n, f) = (
            self::series(series)?,
            ticket_number(number)?,
            self::format(&format)?,
        );
        let printed = self
            .sdk()?
            .preview_receipt(s, n, f)
            .map_err(PosError::from)?;
        Ok(stored(printed))
    }

    /// Prints stored ticket `number` of `series`: its first print is the
    /// original, every later one a signed duplicate (series C). Returns
    /// `{bytes, kind}` (`kind`: `sale`, `refund`, `duplicate <k>`...).
    #[wasm_bindgen(js_name = printStoredReceipt, unchecked_return_type = "StoredReceipt")]
    pub fn print_stored_receipt(
        &self,
        series: &str,
        number: f64,
        #[wasm_bindgen(unchecked_param_type = "ReceiptFormat")] format: JsValue,
        operator: &str,
    ) -> Result<JsValue, JsValue> {
        let (s, n, f) = (
            self::series(series)?,
            ticket_number(number)?,
            self::format(&format)?,
        );
        let op = convert::operator(operator)?;
        let printed = self
            .sdk()?
            .print_receipt(s, n, f, &op)
            .map_err(PosError::from)?;
        Ok(stored(printed))
    }

    /// Closes month `month` (1-12) of `year` (and first its missing days);
    /// returns the closure records made, oldest first (`"M 1"`...).
    #[wasm_bindgen(js_name = closeMonth)]
    pub fn close_month(
        &self,
        year: i32,
        month: u32,
        operator: &str,
    ) -> Result<Vec<String>, JsValue> {
        let op = convert::operator(operator)?;
        let made = self
            .sdk()?
            .close_month(year, month, &op)
            .map_err(PosError::from)?;
        Ok(refs(&made))
    }

    /// Closes `year` (and first its missing months); returns the closure
    /// records made, oldest first.
    #[wasm_bindgen(js_name = closeYear)]
    pub fn close_year(&self, year: i32, operator: &str) -> Result<Vec<String>, JsValue> {
        let op = convert::operator(operator)?;
        let made = self.sdk()?.close_year(year, &op).map_err(PosError::from)?;
        Ok(refs(&made))
    }

    /// The FEC (accounting export) of every closed day, logged as JET 110:
    /// `{name, bytes}` (ISO-8859-15 text).
    #[wasm_bindgen(js_name = exportFec, unchecked_return_type = "FecFile")]
    pub fn export_fec(&self, siren: &str, operator: &str) -> Result<JsValue, JsValue> {
        let op = convert::operator(operator)?;
        let (name, data) = self.sdk()?.export_fec(siren, &op).map_err(PosError::from)?;
        Ok(object(&[("name", name.into()), ("bytes", bytes(&data))]))
    }

    /// Archives local days `from` to `to` (`YYYY-MM-DD`, at most a year,
    /// never the future): `{fileName, bytes, manifestSha256, intact,
    /// record}` (a signed tar; `record`: the archive record, `"A 1"`).
    #[wasm_bindgen(unchecked_return_type = "FiscalArchive")]
    pub fn archive(&self, from: &str, to: &str, operator: &str) -> Result<JsValue, JsValue> {
        let (from, to) = (day("from", from)?, day("to", to)?);
        let op = convert::operator(operator)?;
        let out = self.sdk()?.archive(from, to, &op).map_err(PosError::from)?;
        let record = format!("{} {}", out.record.doc.series.code(), out.record.doc.number);
        Ok(object(&[
            ("fileName", out.file_name.into()),
            ("bytes", bytes(&out.bytes)),
            ("manifestSha256", out.manifest_sha256.into()),
            ("intact", out.report.is_intact().into()),
            ("record", record.into()),
        ]))
    }
}
