//! HTML building blocks, pure: escaping (every value from data goes
//! through [`esc`]), French money, the page frame and server-side SVG bar
//! charts (no script or CDN needed to read them).

use pos_core::{Currency, Money};
use std::fmt::Write;

/// Escapes text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Cents as French euros: `1 234,50 €`.
pub fn eur(cents: i64) -> String {
    Money::from_minor_units(cents, Currency::EUR).format_fr()
}

/// Cents as a plain signed decimal with a comma (`-1234,50`), for CSV.
pub fn plain_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{},{:02}", a / 100, a % 100)
}

/// A quantity in thousandths, French style (`2`, `0,250`).
pub fn qty(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let m = milli.unsigned_abs();
    let (int, frac) = (m / 1000, m % 1000);
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int},{frac:03}")
    }
}

/// French label of a payment method code.
pub fn payment_label(code: &str) -> &str {
    match code {
        "cash" => "Espèces",
        "card" => "Carte bancaire",
        "cheque" => "Chèque",
        "voucher" => "Titre-restaurant",
        "stored_value" => "Carte cadeau / avoir",
        "other" => "Autre",
        "online" => "Payé en ligne",
        other => other,
    }
}

/// A sales channel's French label.
pub fn channel_label(code: &str) -> &str {
    match code {
        "store" => "Magasins",
        "web" => "Web (livré)",
        "click_collect" => "Click & collect",
        other => other,
    }
}

/// A VAT rate in basis points, French style (`20 %`, `5,5 %`).
pub fn rate(bps: u32) -> String {
    let (int, frac) = (bps / 100, bps % 100);
    if frac == 0 {
        format!("{int} %")
    } else if frac % 10 == 0 {
        format!("{int},{} %", frac / 10)
    } else {
        format!("{int},{frac:02} %")
    }
}

/// The page frame: title, navigation for a signed-in user (with the CSRF
/// token for the log-out form), then `body` (already escaped HTML).
pub fn page(title: &str, nav: Option<(&str, &str, &str)>, body: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — Back office</title>\n<link rel=\"stylesheet\" href=\"/backoffice.css\">\n\
         <script src=\"/backoffice.js\" defer></script>\n</head>\n<body>\n",
        esc(title)
    );
    if let Some((retailer, user, csrf)) = nav {
        let _ = writeln!(
            out,
            "<header><strong>{}</strong> <nav><a href=\"/\">Tableau de bord</a> \
             <a href=\"/chart?by=hour\">Graphiques</a> <a href=\"/closures\">Clôtures (Z)</a> \
             <a href=\"/refunds\">Remboursements signalés</a> \
             <a href=\"/journal\">Journaux</a> <a href=\"/downloads\">Téléchargements</a> \
             <a href=\"/customers\">Clients</a> <a href=\"/access-log\">Accès aux données</a> \
             <a href=\"/operators\">Opérateurs</a> <a href=\"/credentials\">Codes et clés</a></nav> \
             <form method=\"post\" action=\"/logout\" class=\"inline\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <span>{}</span> <button type=\"submit\">Se déconnecter</button></form></header>",
            esc(retailer),
            esc(csrf),
            esc(user)
        );
    }
    let _ = write!(
        out,
        "<main>\n<h1>{}</h1>\n{body}\n</main>\n</body>\n</html>\n",
        esc(title)
    );
    out
}

/// One bar of a chart: label, value (cents), and an optional comparison
/// value drawn as a thin mark (the previous week).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Label under or beside the bar.
    pub label: String,
    /// Value in cents.
    pub value: i64,
    /// Comparison value in cents.
    pub compare: Option<i64>,
}

fn scale(v: i64, max: i64, len: i64) -> i64 {
    if max <= 0 || v <= 0 {
        return 0;
    }
    let v = i128::from(v);
    let scaled = v
        .saturating_mul(i128::from(len))
        .checked_div(i128::from(max))
        .unwrap_or(0);
    i64::try_from(scaled).unwrap_or(len)
}

/// A horizontal bar chart as inline SVG, with the amounts written out.
pub fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> String {
    let max = bars
        .iter()
        .flat_map(|b| [b.value, b.compare.unwrap_or(0)])
        .max()
        .unwrap_or(0);
    let row = 26i64;
    let height = row
        .saturating_mul(i64::try_from(bars.len()).unwrap_or(0))
        .saturating_add(30);
    let mut out = String::new();
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" \
         viewBox=\"0 0 640 {height}\" width=\"640\" height=\"{height}\">",
        esc(id),
        esc(title),
        esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = row
            .saturating_mul(i64::try_from(i).unwrap_or(0))
            .saturating_add(10);
        let w = scale(b.value, max, 330);
        let _ = write!(
            out,
            "<text x=\"150\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text>\
             <rect x=\"160\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"#2f6f9f\"><title>{}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\">{}</text>",
            y.saturating_add(14),
            esc(&b.label),
            esc(&eur(b.value)),
            w.saturating_add(166),
            y.saturating_add(14),
            esc(&eur(b.value))
        );
        if let Some(c) = b.compare.filter(|c| *c > 0) {
            let x = scale(c, max, 330).saturating_add(160);
            let _ = write!(
                out,
                "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#c0392b\" stroke-width=\"3\">\
                 <title>semaine précédente : {}</title></line>",
                y.saturating_sub(2),
                y.saturating_add(20),
                esc(&eur(c))
            );
        }
    }
    out.push_str("</svg></figure>");
    out
}

/// A table of (label, amount) rows.
pub fn amount_table(caption: &str, rows: &[(String, i64)]) -> String {
    let mut out = format!("<table><caption>{}</caption><tbody>", esc(caption));
    for (label, cents) in rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
            esc(label),
            esc(&eur(*cents))
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_data_is_escaped() {
        assert_eq!(
            esc("<img src=x onerror=\"alert('x')\">&"),
            "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;"
        );
        let svg = bar_chart(
            "c",
            "t",
            &[Bar {
                label: "<script>alert(1)</script>".into(),
                value: 100,
                compare: Some(50),
            }],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn money_rates_and_quantities_are_french() {
        assert_eq!(eur(123_450), "1 234,50 €");
        assert_eq!(eur(-5), "-0,05 €");
        assert_eq!(rate(2000), "20 %");
        assert_eq!(rate(550), "5,5 %");
        assert_eq!(rate(210), "2,1 %");
        assert_eq!(qty(2000), "2");
        assert_eq!(plain_amount(-123_450), "-1234,50");
        assert_eq!(plain_amount(5), "0,05");
        assert_eq!(qty(250), "0,250");
        assert_eq!(payment_label("card"), "Carte bancaire");
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        assert_eq!(scale(50, 100, 330), 165);
        assert_eq!(scale(-5, 100, 330), 0);
        assert_eq!(scale(5, 0, 330), 0);
        assert_eq!(scale(i64::MAX, i64::MAX, 330), 330);
    }
}
