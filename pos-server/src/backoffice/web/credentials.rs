//! The owner's page of the retailer's credentials: enrolment codes for
//! tills (issue one for a store, optionally to replace a till; revoke an
//! unused one) and web-shop keys (issue, revoke). A code or key is shown
//! once, on the page that issues it; only its digest is kept. Every form
//! carries the session's CSRF token. (Ids are hex drawn by the server, so
//! they go into paths as they are.)

use super::St;
use super::respond::*;
use super::session::*;
use crate::Storage;
use crate::backoffice::html::{esc, page};
use crate::backoffice::model::Role;
use crate::backoffice::service::Viewer;
use crate::credentials::{self, EnrolmentCode, WebKey};
use crate::error::{Result, ServerError, SyncError};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::fmt::Write;

const ACTION: &str = "manage enrolment codes and web keys";

/// The form issuing an enrolment code.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    store: String,
    /// Server id of the till to replace (empty: none).
    #[serde(default)]
    replaces: String,
    /// `1h`, `24h`, `7d`... (empty: 24 hours).
    #[serde(default)]
    expires_in: String,
}

/// The form issuing a web key.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct KeyForm {
    #[serde(default)]
    csrf: String,
    /// One store, or empty for every store of the retailer.
    #[serde(default)]
    store: String,
}

fn when(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn state_fr(state: &str) -> &'static str {
    match state {
        "used" => "utilisé",
        "revoked" => "révoqué",
        "expired" => "expiré",
        _ => "valide",
    }
}

/// The page: the issue forms, then both lists; `issued` is a secret just
/// issued, shown this once.
fn render(
    v: &Viewer,
    codes: &[EnrolmentCode],
    keys: &[WebKey],
    now_ms: i64,
    issued: Option<(&str, &str)>,
) -> String {
    let csrf = esc(&v.csrf);
    let mut b = String::new();
    if let Some((what, secret)) = issued {
        let _ = write!(
            b,
            "<p class=\"issued\" role=\"status\">{} (affiché une seule fois) : \
             <code id=\"issued-secret\">{}</code></p>",
            esc(what),
            esc(secret)
        );
    }
    let options: String = v
        .stores
        .iter()
        .map(|s| format!("<option value=\"{0}\">{0}</option>", esc(s)))
        .collect();
    let _ = write!(
        b,
        "<h2>Codes d'enrôlement des caisses</h2>\
         <form method=\"post\" action=\"/credentials/codes\" id=\"issue-code\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Magasin <select name=\"store\">{options}</select></label> \
         <label>Remplace la caisse <input name=\"replaces\" placeholder=\"magasin/caisse\"></label> \
         <label>Valable <select name=\"expires_in\"><option value=\"1h\">1 heure</option>\
         <option value=\"24h\" selected>24 heures</option><option value=\"7d\">7 jours</option></select></label> \
         <button type=\"submit\">Émettre un code</button></form>\
         <table id=\"codes\"><thead><tr><th>Id</th><th>Magasin</th><th>Remplace</th><th>État</th>\
         <th>Expire</th><th>Caisse enrôlée</th><th></th></tr></thead><tbody>"
    );
    for c in codes {
        let state = c.state(now_ms);
        let revoke = if state == "valid" {
            format!(
                "<form method=\"post\" action=\"/credentials/codes/{}/revoke\" class=\"inline\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\">Révoquer</button></form>",
                esc(&c.id)
            )
        } else {
            String::new()
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{revoke}</td></tr>",
            esc(&c.id),
            esc(&c.store),
            esc(c.replaces.as_deref().unwrap_or("")),
            state_fr(state),
            when(c.expires_ms),
            esc(c.used_by.as_deref().unwrap_or(""))
        );
    }
    let _ = write!(
        b,
        "</tbody></table>\
         <h2>Clés de l'API de la boutique en ligne</h2>\
         <form method=\"post\" action=\"/credentials/web-keys\" id=\"issue-key\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Magasins <select name=\"store\"><option value=\"\">tous</option>{options}</select></label> \
         <button type=\"submit\">Émettre une clé</button></form>\
         <table id=\"web-keys\"><thead><tr><th>Id</th><th>Magasins</th><th>Émise</th><th>État</th>\
         <th></th></tr></thead><tbody>"
    );
    for k in keys {
        let revoke = if k.revoked_ms.is_none() {
            format!(
                "<form method=\"post\" action=\"/credentials/web-keys/{}/revoke\" class=\"inline\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\">Révoquer</button></form>",
                esc(&k.id)
            )
        } else {
            String::new()
        };
        let stores = if k.stores.is_empty() {
            "tous".to_owned()
        } else {
            k.stores.join(", ")
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{revoke}</td></tr>",
            esc(&k.id),
            esc(&stores),
            when(k.created_ms),
            if k.revoked_ms.is_some() {
                "révoquée"
            } else {
                "active"
            }
        );
    }
    b.push_str("</tbody></table>");
    page(
        "Codes et clés",
        Some((&v.retailer_name, &v.user.username, &v.csrf)),
        &b,
    )
}

/// Lists and renders for an owner, with an optional fresh secret.
async fn show<S: Storage>(
    app: &std::sync::Arc<super::App<S>>,
    v: Viewer,
    issued: Option<(&str, String)>,
) -> Response {
    let (server, retailer) = (app.server.clone(), v.user.retailer.clone());
    let lists = blocking(move || {
        server.with_tx(|tx| {
            let codes = tx.credentials().codes(&retailer)?;
            let keys = tx.credentials().web_keys(&retailer)?;
            Ok((codes, keys))
        })
    })
    .await;
    match lists {
        Ok((codes, keys)) => html(
            StatusCode::OK,
            render(
                &v,
                &codes,
                &keys,
                Utc::now().timestamp_millis(),
                issued.as_ref().map(|(w, s)| (*w, s.as_str())),
            ),
        ),
        Err(e) => page_error(Some(&v), &e),
    }
}

pub(super) async fn credentials_page<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
) -> Response {
    match viewer_in_role(&app, &headers, &[Role::Owner], ACTION).await {
        Ok(v) => show(&app, v, None).await,
        Err(page) => page,
    }
}

async fn owner_for_change<S: Storage>(
    app: &std::sync::Arc<super::App<S>>,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Viewer> {
    changer_in_role(app, headers, csrf, &[Role::Owner], ACTION).await
}

pub(super) async fn issue_code<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let run = async {
        let v = owner_for_change(&app, &headers, &f.csrf).await?;
        v.check_store(&f.store)?;
        let ttl_ms = if f.expires_in.is_empty() {
            credentials::DEFAULT_CODE_TTL_MS
        } else {
            credentials::parse_duration_ms(&f.expires_in).ok_or(SyncError::Invalid {
                message: "expires_in",
                rule: "a number and s, m, h or d (e.g. 24h)",
            })?
        };
        let replaces = Some(f.replaces.trim().to_owned()).filter(|r| !r.is_empty());
        let (server, retailer, store) = (app.server.clone(), v.user.retailer.clone(), f.store);
        let (fresh, _) = blocking(move || {
            server.enrolment_code(&retailer, &store, replaces.as_deref(), ttl_ms, Utc::now())
        })
        .await?;
        Ok::<_, ServerError>((v, fresh.secret))
    };
    match run.await {
        Ok((v, secret)) => show(&app, v, Some(("Code d'enrôlement", secret))).await,
        Err(e) => page_error(None, &e),
    }
}

pub(super) async fn issue_key<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Form(f): Form<KeyForm>,
) -> Response {
    let run = async {
        let v = owner_for_change(&app, &headers, &f.csrf).await?;
        let stores = if f.store.is_empty() {
            Vec::new()
        } else {
            v.check_store(&f.store)?;
            vec![f.store]
        };
        let (server, retailer) = (app.server.clone(), v.user.retailer.clone());
        let (fresh, _) = blocking(move || server.web_key(&retailer, &stores, Utc::now())).await?;
        Ok::<_, ServerError>((v, fresh.secret))
    };
    match run.await {
        Ok((v, secret)) => show(&app, v, Some(("Clé de l'API", secret))).await,
        Err(e) => page_error(None, &e),
    }
}

/// Revokes one of the owner's retailer's codes or keys with `revoke` and
/// goes back to the list.
async fn revoke<S: Storage>(
    app: &std::sync::Arc<super::App<S>>,
    headers: &HeaderMap,
    id: String,
    csrf: &str,
    revoke: fn(&mut dyn crate::Tx, &str, &str, i64) -> Result<()>,
) -> Response {
    let run = async {
        let v = owner_for_change(app, headers, csrf).await?;
        let (server, retailer) = (app.server.clone(), v.user.retailer.clone());
        let now = Utc::now().timestamp_millis();
        blocking(move || server.with_tx(|tx| revoke(tx, &retailer, &id, now))).await
    };
    match run.await {
        Ok(()) => redirect("/credentials"),
        Err(e) => page_error(None, &e),
    }
}

pub(super) async fn revoke_code<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    revoke(&app, &headers, id, &f.csrf, credentials::revoke_code).await
}

pub(super) async fn revoke_key<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    revoke(&app, &headers, id, &f.csrf, credentials::revoke_web_key).await
}
