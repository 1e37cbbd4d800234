//! The pages, pure: data in, escaped HTML out (French labels and money).

use super::html::{self, Bar, amount_table, bar_chart, esc, eur, page};
use super::model::AccessEntry;
use super::report::{ClosureFact, Dashboard};
use super::service::{StockAlert, TillStatus, Viewer};
use crate::store::StoredOrder;
use std::fmt::Write;

/// Percent-encodes one URL component (a query value or a path segment):
/// everything but RFC 3986's unreserved characters, byte by byte, so a
/// till id like `S1/caisse 1` or a day stays one component. The result is
/// then HTML-escaped like any attribute value.
pub fn url(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    for b in component.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn nav(v: &Viewer) -> Option<(&str, &str, &str)> {
    Some((&v.retailer_name, &v.user.username, &v.csrf))
}

/// The sign-in page (also served at `/` until signed in).
pub fn login(error: Option<&str>) -> String {
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    page(
        "Connexion",
        None,
        &format!(
            "{err}<form class=\"login\" method=\"post\" action=\"/login\">\
             <label>Identifiant <input name=\"username\" autocomplete=\"username\" required></label>\
             <label>Mot de passe <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\">Se connecter</button></form>"
        ),
    )
}

/// An error page.
pub fn error(v: Option<&Viewer>, message: &str) -> String {
    page(
        "Erreur",
        v.and_then(nav),
        &format!("<p class=\"error\">{}</p>", esc(message)),
    )
}

/// Bars of the day's values, each with last week's value for the same
/// key; keys seen only last week get a zero bar.
fn bars(
    m: &std::collections::BTreeMap<String, i64>,
    last_week: &std::collections::BTreeMap<String, i64>,
    label: fn(&str) -> String,
) -> Vec<Bar> {
    let keys: std::collections::BTreeSet<&String> = m.keys().chain(last_week.keys()).collect();
    keys.into_iter()
        .map(|k| Bar {
            label: label(k),
            value: m.get(k).copied().unwrap_or(0),
            compare: last_week.get(k).copied(),
        })
        .collect()
}

/// The chart kinds, their French titles.
pub const CHARTS: [(&str, &str); 6] = [
    (
        "hour",
        "Chiffre d'affaires par heure (trait rouge : même jour la semaine précédente)",
    ),
    ("store", "Par magasin (trait rouge : semaine précédente)"),
    ("till", "Par caisse (trait rouge : semaine précédente)"),
    ("channel", "Par canal (trait rouge : semaine précédente)"),
    (
        "category",
        "Par catégorie (trait rouge : semaine précédente)",
    ),
    (
        "payment",
        "Par moyen de paiement (trait rouge : semaine précédente)",
    ),
];

/// One chart of the dashboard as inline SVG (`None` for an unknown kind).
pub fn chart(d: &Dashboard, by: &str) -> Option<String> {
    let title = CHARTS.iter().find(|(k, _)| *k == by)?.1;
    let b = match by {
        "hour" => d
            .by_hour
            .iter()
            .filter(|(h, v)| {
                **v != 0
                    || d.previous_week_by_hour.get(h).copied().unwrap_or(0) != 0
                    || (8..=20).contains(*h)
            })
            .map(|(h, v)| Bar {
                label: format!("{h:02} h"),
                value: *v,
                compare: d.previous_week_by_hour.get(h).copied(),
            })
            .collect(),
        "store" => bars(&d.by_store, &d.previous_week.by_store, str::to_owned),
        "till" => bars(&d.by_till, &d.previous_week.by_till, str::to_owned),
        "channel" => bars(&d.by_channel, &d.previous_week.by_channel, |k| {
            html::channel_label(k).to_owned()
        }),
        "category" => bars(&d.by_category, &d.previous_week.by_category, str::to_owned),
        "payment" => bars(&d.by_payment, &d.previous_week.by_payment, |k| {
            html::payment_label(k).to_owned()
        }),
        _ => return None,
    };
    Some(bar_chart(&format!("chart-{by}"), title, &b))
}

/// The live block of the dashboard (replaced as sales sync): the charts,
/// the best sellers and the day's VAT.
pub fn charts(d: &Dashboard) -> String {
    let mut b: String = ["hour", "channel", "category", "payment", "store", "till"]
        .iter()
        .filter_map(|k| chart(d, k))
        .collect();
    b.push_str("<h2>Meilleures ventes</h2><table id=\"top\"><thead><tr><th>Produit</th><th>Quantité</th><th>CA</th></tr></thead><tbody>");
    for p in &d.top {
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&p.label),
            esc(&html::qty(p.qty_milli)),
            esc(&eur(p.revenue))
        );
    }
    b.push_str("</tbody></table>");
    b.push_str(&vat_table("TVA du jour", &d.vat));
    b
}

/// The dashboard.
pub fn dashboard(
    v: &Viewer,
    d: &Dashboard,
    store: Option<&str>,
    alerts: &[StockAlert],
    orders: &[StoredOrder],
) -> String {
    let day = d.day.format("%Y-%m-%d").to_string();
    let mut b = String::new();
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/\">Jour <input type=\"date\" name=\"day\" value=\"{}\"> \
         Magasin <select name=\"store\"><option value=\"\">tous</option>",
        esc(&day)
    );
    for s in &v.stores {
        let sel = if Some(s.as_str()) == store {
            " selected"
        } else {
            ""
        };
        let _ = write!(b, "<option value=\"{}\"{sel}>{}</option>", esc(s), esc(s));
    }
    b.push_str("</select> <button type=\"submit\">Afficher</button></form>");
    // The Z closures sum the tills' tickets: web orders paid online are not
    // theirs.
    let at_tills = d
        .by_channel
        .get(crate::backoffice::report::STORE_CHANNEL)
        .copied()
        .unwrap_or(0);
    let matches = d.closures.is_empty() || d.closures_total == at_tills;
    let _ = write!(
        b,
        "<section id=\"dashboard\" data-day=\"{}\" data-store=\"{}\" data-updates=\"0\">\
         <p id=\"live-state\">connexion au direct…</p><div class=\"kpis\">\
         <div class=\"kpi\">Chiffre d'affaires du jour<strong id=\"day-total\">{}</strong></div>\
         <div class=\"kpi\">Tickets<strong id=\"day-tickets\">{}</strong></div>\
         <div class=\"kpi\">Même jour, semaine précédente<strong id=\"week-total\">{}</strong></div>\
         <div class=\"kpi\">Total des clôtures Z du jour<strong id=\"z-total\">{}</strong>\
         <span class=\"{}\">{}</span></div></div>",
        esc(&day),
        esc(store.unwrap_or("")),
        esc(&eur(d.total)),
        d.tickets,
        esc(&eur(d.previous_week_total)),
        esc(&eur(d.closures_total)),
        if matches { "ok" } else { "ko" },
        if d.closures.is_empty() {
            "pas encore de clôture"
        } else if matches {
            "égal au chiffre des caisses"
        } else {
            "différent du chiffre des caisses (ventes après la clôture ?)"
        },
    );
    b.push_str("<h2>Dernières ventes</h2><ol id=\"latest\">");
    for t in &d.latest {
        let _ = write!(
            b,
            "<li>{} · {} · {} · {} · {}</li>",
            t.local.format("%H:%M:%S"),
            esc(&t.store),
            esc(&t.till),
            esc(&t.doc),
            esc(&eur(t.total))
        );
    }
    b.push_str("</ol><div id=\"charts\">");
    b.push_str(&charts(d));
    b.push_str("</div></section><h2>Alertes de stock</h2>");
    b.push_str("<table id=\"stock-alerts\"><thead><tr><th>Magasin</th><th>Article</th><th>Emplacement</th><th>En stock</th><th>Réservé</th><th>Alerte</th></tr></thead><tbody>");
    for a in alerts {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td></tr>",
            esc(&a.store),
            esc(&a.sku),
            esc(&a.location),
            esc(&a.on_hand.to_string()),
            esc(&a.reserved.to_string()),
            if a.shortfall { "ko" } else { "" },
            if a.shortfall {
                "rupture : vendu hors ligne au-delà du stock"
            } else {
                "sous le seuil"
            }
        );
    }
    b.push_str("</tbody></table><h2>Click &amp; collect à préparer</h2><table id=\"orders\"><thead><tr><th>Magasin</th><th>Commande</th><th>Canal</th><th>État</th><th>Retrait</th></tr></thead><tbody>");
    for o in orders {
        let doc: serde_json::Value = serde_json::from_str(&o.json).unwrap_or_default();
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&o.store),
            esc(&o.id),
            esc(super::service::at(&doc, "/channel").as_str().unwrap_or("")),
            esc(&o.state),
            esc(super::service::at(&doc, "/pickup_at")
                .as_str()
                .unwrap_or(""))
        );
    }
    b.push_str("</tbody></table>");
    page("Tableau de bord", nav(v), &b)
}

fn vat_table(
    caption: &str,
    vat: &std::collections::BTreeMap<u32, pos_fiscal::ticket::VatAmounts>,
) -> String {
    let mut b = format!(
        "<table><caption>{}</caption><thead><tr><th>Taux</th><th>HT</th><th>TVA</th><th>TTC</th></tr></thead><tbody>",
        esc(caption)
    );
    for (r, a) in vat {
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&html::rate(*r)),
            esc(&eur(a.net)),
            esc(&eur(a.vat)),
            esc(&eur(a.gross))
        );
    }
    b.push_str("</tbody></table>");
    b
}

/// One chart on its own page, with links to the others.
pub fn chart_page(v: &Viewer, d: &Dashboard, by: &str) -> String {
    let day = d.day.format("%Y-%m-%d").to_string();
    let mut b = String::from("<p>");
    for (k, title) in CHARTS {
        let _ = write!(
            b,
            "<a href=\"/chart?by={k}&amp;day={}\">{}</a> · ",
            esc(&url(&day)),
            esc(title.split(" (").next().unwrap_or(title))
        );
    }
    b.push_str("</p>");
    b.push_str(&chart(d, by).unwrap_or_default());
    let rows: Vec<(String, i64)> = match by {
        "store" => d.by_store.clone().into_iter().collect(),
        "till" => d.by_till.clone().into_iter().collect(),
        "channel" => d
            .by_channel
            .iter()
            .map(|(k, v)| (html::channel_label(k).to_owned(), *v))
            .collect(),
        "category" => d.by_category.clone().into_iter().collect(),
        "payment" => d
            .by_payment
            .iter()
            .map(|(k, v)| (html::payment_label(k).to_owned(), *v))
            .collect(),
        _ => d
            .by_hour
            .iter()
            .filter(|(_, v)| **v != 0)
            .map(|(h, v)| (format!("{h:02} h"), *v))
            .collect(),
    };
    b.push_str(&amount_table(&format!("Détail du {day}"), &rows));
    page("Graphique", nav(v), &b)
}

/// The refunds flagged when they synced: more refunded than sold in all
/// (the excess named), or an original the server does not hold; whether
/// the till made it offline without a verified original.
pub fn refund_flags(v: &Viewer, list: &[pos_sync::refunds::RefundFlag]) -> String {
    let mut b = String::from(
        "<p>Remboursements et échanges reçus des caisses qui dépassent ce qui a été \
         vendu, ou dont le ticket d'origine est inconnu. Ils sont enregistrés (le journal \
         fiscal de la caisse les contient) : à vérifier avec la caisse qui les a faits.</p>",
    );
    if list.is_empty() {
        b.push_str("<p id=\"no-flags\">Aucun remboursement signalé.</p>");
        return page("Remboursements signalés", nav(v), &b);
    }
    b.push_str(
        "<table id=\"refund-flags\"><thead><tr><th>Magasin</th><th>Caisse</th>\
         <th>Ticket de remboursement</th><th>Ticket d'origine</th><th>Motif</th>\
         <th>Ligne</th><th>En trop</th><th>Hors ligne</th></tr></thead><tbody>",
    );
    for f in list {
        let reason = match f.reason.as_str() {
            "over_refund" => "remboursé au-delà du vendu",
            "original_unknown" => "ticket d'origine inconnu",
            other => other,
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&f.store),
            esc(&f.device),
            esc(&f.refund_ticket),
            esc(&f.original),
            esc(reason),
            f.line.map(|l| l.to_string()).unwrap_or_default(),
            esc(&f.excess.map(|e| e.to_string()).unwrap_or_default()),
            if f.unverified {
                "oui, sans vérification"
            } else {
                "non"
            }
        );
    }
    b.push_str("</tbody></table>");
    page("Remboursements signalés", nav(v), &b)
}

/// The daily closures (Z) with their VAT breakdown.
pub fn closures(v: &Viewer, list: &[ClosureFact]) -> String {
    let mut b = String::new();
    if list.is_empty() {
        b.push_str("<p>Aucune clôture journalière reçue.</p>");
    }
    for c in list {
        let p = &c.payload;
        let _ = write!(
            b,
            "<section class=\"closure\"><h2>Z{} · {} · caisse {} · magasin {}</h2>\
             <p>Ventes : {} · Remboursements : {} ({}) · Total de la période : <strong>{}</strong> · \
             Cumul annuel : {} · Grand total perpétuel : {}</p>",
            c.number,
            esc(&p.period),
            esc(&c.till),
            esc(&c.store),
            p.sales,
            p.refunds,
            esc(&eur(p.refunds_total)),
            esc(&eur(p.period_total)),
            esc(&eur(p.cumulative_total)),
            esc(&eur(p.perpetual_total))
        );
        b.push_str(&vat_table("Ventilation de la TVA", &p.vat));
        let pay: Vec<(String, i64)> = p
            .payments
            .iter()
            .map(|(k, v)| (html::payment_label(k).to_owned(), *v))
            .collect();
        b.push_str(&amount_table("Règlements", &pay));
        b.push_str("</section>");
    }
    page("Clôtures (Z)", nav(v), &b)
}

/// Journal verification per till: the cached verdict of the background
/// verification and its progress (the page never verifies itself).
pub fn journal(v: &Viewer, list: &[TillStatus]) -> String {
    let mut b = String::from(
        "<p>Chaque chaîne est revérifiée en arrière-plan (hachages, signatures, numérotation), seulement sur les enregistrements reçus depuis la dernière vérification ; rechargez la page pour suivre l'avancement.</p><table id=\"journals\"><thead><tr><th>Magasin</th><th>Caisse</th><th>Enregistrements vérifiés</th><th>Dernier numéro par série</th><th>Lots en quarantaine</th><th>Vérification</th><th>En cours</th><th>Vérifié le</th><th>Dernière synchro</th></tr></thead><tbody>",
    );
    for t in list {
        let verdict = match &t.verdict {
            None => "pas encore vérifié".to_owned(),
            Some(d) if d.is_intact() && t.unverified == 0 => {
                "chaîne et signatures vérifiées".to_owned()
            }
            Some(d) if d.is_intact() => format!(
                "intègre jusqu'à {} ; {} enregistrement(s) à vérifier",
                d.reached().join(", "),
                t.unverified
            ),
            Some(d) => format!("{} défaut(s) : {}", d.defect_count, d.defects.join("; ")),
        };
        let running = match (&t.progress, &t.failure) {
            (Some(p), _) if p.running => format!("{} / {}", p.done, p.total),
            (Some(_), _) => "en attente".to_owned(),
            (None, Some(f)) => format!("échec : {f}"),
            (None, None) => String::new(),
        };
        let ok = t.verified() && t.quarantined == 0;
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td><td class=\"progress\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.store),
            esc(&t.till),
            t.verdict.as_ref().map_or(0, |d| d.records),
            esc(&t.heads.join(", ")),
            t.quarantined,
            if ok { "ok" } else { "ko" },
            esc(&verdict),
            esc(&running),
            esc(&t
                .verdict
                .as_ref()
                .and_then(|d| d.verified_at)
                .map(|d| d.to_rfc3339())
                .unwrap_or_default()),
            esc(&t.last_push.map(|d| d.to_rfc3339()).unwrap_or_default())
        );
    }
    b.push_str("</tbody></table>");
    page("Journaux fiscaux", nav(v), &b)
}

/// Download links per till.
pub fn downloads(v: &Viewer, tills: &[(String, String)], day: &str) -> String {
    let mut b = format!(
        "<p><a id=\"sales-csv\" href=\"/download/sales.csv?day={}\">Ventes du jour (CSV)</a></p><table><thead><tr><th>Magasin</th><th>Caisse</th><th>FEC</th><th>Journal signé (JSONL)</th></tr></thead><tbody>",
        esc(&url(day))
    );
    for (store, till) in tills {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td><a class=\"fec\" href=\"/download/fec?till={}\">FEC</a></td><td><a href=\"/download/journal?till={}\">journal</a></td></tr>",
            esc(store),
            esc(till),
            esc(&url(till)),
            esc(&url(till))
        );
    }
    b.push_str("</tbody></table>");
    page("Téléchargements", nav(v), &b)
}

/// The customer lookup form.
pub fn customers(v: &Viewer) -> String {
    let mut b = String::from(
        "<form method=\"get\" action=\"/customers/lookup\">Magasin <select name=\"store\">",
    );
    for s in &v.stores {
        let _ = write!(b, "<option value=\"{}\">{}</option>", esc(s), esc(s));
    }
    b.push_str("</select> Identifiant client <input name=\"id\" required> <button type=\"submit\">Ouvrir</button></form><p>Chaque consultation, export ou effacement est enregistré dans le journal des accès.</p>");
    page("Clients", nav(v), &b)
}

/// A customer's data (the export, shown), with export and erase actions.
pub fn customer(v: &Viewer, store: &str, id: &str, export: &serde_json::Value) -> String {
    let pretty = serde_json::to_string_pretty(export).unwrap_or_default();
    let base = format!("/customers/{}/{}", esc(&url(store)), esc(&url(id)));
    let b = format!(
        "<p><a id=\"export\" href=\"{base}/export\">Exporter (JSON)</a></p>\
         <form method=\"post\" action=\"{base}/erase\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\">Effacer les données personnelles (RGPD)</button></form>\
         <pre>{}</pre>",
        esc(&v.csrf),
        esc(&pretty)
    );
    page(&format!("Client {id}"), nav(v), &b)
}

/// The personal-data access log (owner only).
pub fn access_log(v: &Viewer, entries: &[AccessEntry]) -> String {
    let mut b = String::from(
        "<table id=\"access-log\"><thead><tr><th>Quand</th><th>Qui</th><th>Magasin</th><th>Client</th><th>Action</th></tr></thead><tbody>",
    );
    for e in entries {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.at),
            esc(&e.username),
            esc(&e.store),
            esc(&e.customer),
            esc(&e.action)
        );
    }
    b.push_str("</tbody></table>");
    page("Accès aux données personnelles", nav(v), &b)
}

#[cfg(test)]
mod link_tests {
    use super::url;

    #[test]
    fn link_components_are_percent_encoded() {
        assert_eq!(url("S1/caisse 1"), "S1%2Fcaisse%201");
        assert_eq!(url("2026-01-01"), "2026-01-01");
        assert_eq!(url("a&b=c?d#e"), "a%26b%3Dc%3Fd%23e");
        assert_eq!(url("é"), "%C3%A9");
    }
}
