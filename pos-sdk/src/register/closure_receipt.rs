//! The closure ticket ("ticket Z") of a signed closure record, printed
//! from the record's payload alone (never from a copy), with the chain head
//! at close and the record's signature extract (see
//! `pos_hw::receipt::closure`).

use super::Register;
use crate::SdkError;
use pos_core::Money;
use pos_fiscal::canon::from_canonical;
use pos_fiscal::model::{DocRef, Series};
use pos_fiscal::payload::{ClosureLevel, ClosurePayload};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{ClosureFacts, HeadFacts, OutputFormat, VatFacts, build_closure, render};
use rust_decimal::Decimal;

/// Characters of each series' last hash printed on the Z ticket.
const HASH_PREFIX: usize = 8;

fn payment_label(code: &str) -> String {
    match code {
        "cash" => "Espèces",
        "card" => "Carte bancaire",
        "cheque" => "Chèque",
        "voucher" => "Titres et bons",
        "stored_value" => "Cartes cadeaux / avoirs",
        _ => "Autres (arrondis)",
    }
    .to_owned()
}

impl Register {
    /// Renders closure `Z{number}` as a closure ticket.
    pub fn closure_receipt(&self, number: u64, format: OutputFormat) -> Result<Vec<u8>, SdkError> {
        let doc = DocRef {
            series: Series::Z,
            number,
        };
        let record = pos_fiscal::store::rows::record_by_ref(&self.conn, doc)?.ok_or_else(|| {
            SdkError::NotFound {
                what: "closure",
                id: format!("Z{number}"),
            }
        })?;
        let p: ClosurePayload = from_canonical(record.payload.as_bytes(), "closure payload")
            .map_err(|_| SdkError::Corrupt {
                what: "closure record",
            })?;
        // The merchant block signed in force at the closure.
        let printed = self.settings_of_record(doc)?;
        printed.ensure_printable()?;
        let currency = self.config.currency;
        let minor = |cents: i64| -> Decimal { Money::from_minor_units(cents, currency).amount() };
        let made_at = record
            .stamp()
            .and_then(|s| s.local())
            .map(|t| t.naive_local())
            .ok_or(SdkError::Corrupt {
                what: "closure time",
            })?;
        let mut vat: Vec<(u32, VatFacts)> = p
            .vat
            .iter()
            .map(|(bps, v)| {
                let rate = pos_core::VatRate::from_bps(*bps)
                    .map(|r| format!("{} %", r.percent_string().replace('.', ",")))
                    .unwrap_or_else(|_| bps.to_string());
                (
                    *bps,
                    VatFacts {
                        label: rate.clone(),
                        rate,
                        net: minor(v.net),
                        vat: minor(v.vat),
                        gross: minor(v.gross),
                    },
                )
            })
            .collect();
        vat.sort_by_key(|(bps, _)| std::cmp::Reverse(*bps));
        let facts = ClosureFacts {
            currency,
            trader: printed.trader_facts(),
            register: p.register.clone(),
            number: format!("Z{number}"),
            title: match p.level {
                ClosureLevel::Day => "Clôture journalière",
                ClosureLevel::Month => "Clôture mensuelle",
                ClosureLevel::Year => "Clôture annuelle",
            }
            .to_owned(),
            period: p.period.clone(),
            made_at,
            sales: p.sales,
            refunds: p.refunds,
            refunds_total: minor(p.refunds_total),
            duplicates: p.duplicates,
            vat: vat.into_iter().map(|(_, v)| v).collect(),
            payments: p
                .payments
                .iter()
                .map(|(m, a)| (payment_label(m), minor(*a)))
                .collect(),
            cash: p.cash.map(|c| (minor(c.expected), c.counted.map(minor))),
            period_total: minor(p.period_total),
            cumulative_total: minor(p.cumulative_total),
            perpetual_total: minor(p.perpetual_total),
            head: p
                .head
                .iter()
                .map(|(s, h)| HeadFacts {
                    series: s.code().to_owned(),
                    last: h.last,
                    hash_prefix: h.hash.chars().take(HASH_PREFIX).collect(),
                })
                .collect(),
            extract: record
                .signature_b64()
                .map(|s| pos_fiscal::record::receipt_extract(&s))
                .unwrap_or_default(),
            software: self.config.software_version.clone(),
        };
        let profile = PrinterProfile::by_id(&self.config.receipt.printer_profile)?;
        Ok(render(&build_closure(&facts), format, &profile)?)
    }
}
