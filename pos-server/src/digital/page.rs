//! The HTML pages: a ticket's receipt (the paper receipt's own facts,
//! rendered by pos-hw, so the page shows the same legal content), and a
//! customer's receipts page (their tickets, and the legal warranty of the
//! durable goods they bought). Every text is escaped; the pages load no
//! external resource and run no script.

use super::model::StoredReceipt;
use super::token;
use crate::error::{Result, ServerError, SyncError};
use chrono::Months;
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::html::escape;
use pos_hw::receipt::{OutputFormat, ReceiptFacts, format, render_receipt};

/// The Content-Security-Policy the pages are served with.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Months of the French legal warranty of conformity (art. L217-3).
pub const LEGAL_WARRANTY_MONTHS: u32 = 24;

const PRINT_STYLE: &str =
    "<style>.links{font-family:sans-serif;margin:1em}@media print{.links{display:none}}</style>";

/// The receipt facts kept with a receipt.
pub fn facts_of(r: &StoredReceipt) -> Result<ReceiptFacts> {
    serde_json::from_str(&r.facts).map_err(|_| {
        ServerError::from(SyncError::Corrupt {
            what: "receipt facts",
        })
    })
}

/// The receipt as HTML: the same document the till prints, laid out for a
/// 48-column printer, with a link to the customer's page when there is one.
pub fn receipt_page(facts: &ReceiptFacts, customer_page: Option<&str>) -> Result<String> {
    let bytes = render_receipt(facts, OutputFormat::Html, &PrinterProfile::epson_tm_t88())
        .map_err(|_| SyncError::Corrupt {
            what: "receipt facts",
        })?;
    let html = String::from_utf8(bytes).map_err(|_| SyncError::Corrupt {
        what: "receipt html",
    })?;
    let mut links = String::from("<div class=\"links\">");
    if let Some(url) = customer_page {
        links.push_str(&format!(
            "<p><a href=\"{}\">Tous mes tickets et garanties</a></p>",
            escape(url)
        ));
    }
    links.push_str("<p>Ce ticket dématérialisé a la même valeur que le ticket imprimé.</p></div>");
    let tail = format!("{links}{PRINT_STYLE}</body>");
    Ok(match html.rfind("</body>") {
        Some(at) => {
            let (head, rest) = html.split_at(at);
            format!("{head}{tail}{}", rest.trim_start_matches("</body>"))
        }
        None => format!("{html}{tail}"),
    })
}

/// A customer's receipts page: every ticket (newest first) with a link to
/// its receipt, then the legal warranties still to be known about.
pub fn customer_page(receipts: &[StoredReceipt]) -> Result<String> {
    let mut rows = String::new();
    let mut warranties = String::new();
    for r in receipts {
        let f = facts_of(r)?;
        let minor = f.currency.minor_units();
        let symbol = f.currency.symbol().to_owned();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"r\">{}</td><td><a href=\"/r/{}\">Voir le ticket</a></td></tr>\n",
            escape(&format::date_time(f.local_time)),
            escape(&f.trader.name),
            escape(&f.ticket_number),
            escape(&format::money(f.total, minor, &symbol)),
            escape(&token::percent_encode(&r.token)),
        ));
        for l in f
            .lines
            .iter()
            .filter(|l| l.durable_good && l.quantity.is_sign_positive())
        {
            let until = f
                .local_time
                .date()
                .checked_add_months(Months::new(LEGAL_WARRANTY_MONTHS))
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default();
            warranties.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&l.label),
                escape(&f.trader.name),
                escape(&f.local_time.date().format("%d/%m/%Y").to_string()),
                escape(&until),
            ));
        }
    }
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>Mes tickets</title>\
<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3em .6em;text-align:left}.r{text-align:right}</style></head><body>\n<h1>Mes tickets</h1>\n",
    );
    if rows.is_empty() {
        out.push_str("<p>Aucun ticket.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>Date</th><th>Magasin</th><th>Ticket</th><th>Total</th><th></th></tr>\n",
        );
        out.push_str(&rows);
        out.push_str("</table>\n");
    }
    if !warranties.is_empty() {
        out.push_str("<h2>Garanties</h2>\n<p>Garantie légale de conformité : 2 ans à compter de la délivrance du bien (art. L217-3 et suivants du Code de la consommation).</p>\n");
        out.push_str("<table><tr><th>Article</th><th>Magasin</th><th>Acheté le</th><th>Garanti jusqu'au</th></tr>\n");
        out.push_str(&warranties);
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    Ok(out)
}

/// The page shown for an unknown or malformed link (it says nothing more).
pub fn not_found_page() -> String {
    "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Introuvable</title></head><body><p>Ce lien n'existe pas ou n'est plus valable.</p></body></html>\n".to_owned()
}
