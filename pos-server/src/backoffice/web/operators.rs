//! The owner's page of the stores' operators (issue 14): create an operator
//! of one of the retailer's stores with a role and a PIN, rename them, change
//! their role or PIN, disable them. The server hashes the PIN (Argon2id, a
//! fresh salt) and publishes each change to the store's tills
//! ([`crate::operators`]); the PIN is never shown, kept or logged. Every form
//! carries the session's CSRF token; a store of another retailer is refused
//! before anything is written.

use super::St;
use super::respond::*;
use super::session::*;
use crate::Storage;
use crate::backoffice::html::{esc, page};
use crate::backoffice::model::Role;
use crate::backoffice::service::Viewer;
use crate::error::{Result, ServerError, SyncError};
use crate::operators::{self, OperatorInput, OperatorView};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use std::fmt::Write;

const ACTION: &str = "manage the stores' operators";

/// The roles the form offers (a custom set of rights is set through a
/// till's API).
const ROLES: [(&str, &str); 3] = [
    ("cashier", "Caissier"),
    ("manager", "Responsable"),
    ("trainee", "Stagiaire (formation)"),
];

/// The form creating or updating an operator.
#[derive(Default, serde::Deserialize)]
pub(super) struct OperatorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    store: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// 4 to 8 digits; empty keeps the current PIN of an existing operator.
    #[serde(default)]
    pin: String,
}

impl std::fmt::Debug for OperatorForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorForm")
            .field("store", &self.store)
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl OperatorForm {
    /// The operator input, the role checked against the offered ones.
    fn input(&self) -> Result<OperatorInput> {
        if !ROLES.iter().any(|(r, _)| *r == self.role) {
            return Err(ServerError::from(SyncError::Invalid {
                message: "operator",
                rule: "role is cashier, manager or trainee",
            }));
        }
        let role =
            serde_json::from_value(serde_json::json!({ "role": self.role })).map_err(|_| {
                ServerError::from(SyncError::Invalid {
                    message: "operator",
                    rule: "role",
                })
            })?;
        Ok(OperatorInput {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            role,
            active: true,
            pin: Some(self.pin.clone()).filter(|p| !p.is_empty()),
        })
    }
}

fn role_fr(role: &str) -> &str {
    ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map_or(role, |(_, fr)| fr)
}

/// The page: the form, then each store's operators with a disable button
/// for the enabled ones.
fn render(v: &Viewer, stores: &[(String, Vec<OperatorView>)], done: Option<&str>) -> String {
    let csrf = esc(&v.csrf);
    let mut b = String::new();
    if let Some(done) = done {
        let _ = write!(b, "<p class=\"issued\" role=\"status\">{}</p>", esc(done));
    }
    let store_options: String = v
        .stores
        .iter()
        .map(|s| format!("<option value=\"{0}\">{0}</option>", esc(s)))
        .collect();
    let role_options: String = ROLES
        .iter()
        .map(|(r, fr)| format!("<option value=\"{r}\">{fr}</option>"))
        .collect();
    let _ = write!(
        b,
        "<p>Un opérateur créé ou modifié ici est transmis aux caisses de son magasin à leur \
         prochaine synchronisation. Le code PIN n'est jamais affiché ni conservé : seule son \
         empreinte Argon2id part vers les caisses.</p>\
         <form method=\"post\" action=\"/operators\" id=\"put-operator\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Magasin <select name=\"store\">{store_options}</select></label> \
         <label>Identifiant <input name=\"id\" required maxlength=\"64\"></label> \
         <label>Nom <input name=\"name\" required maxlength=\"64\"></label> \
         <label>Rôle <select name=\"role\">{role_options}</select></label> \
         <label>Code PIN <input name=\"pin\" type=\"password\" inputmode=\"numeric\" \
         autocomplete=\"new-password\" pattern=\"[0-9]{{4,8}}\" placeholder=\"inchangé\"></label> \
         <button type=\"submit\">Enregistrer</button></form>"
    );
    for (store, list) in stores {
        let _ = write!(
            b,
            "<h2>Magasin {}</h2><table class=\"operators\"><thead><tr><th>Identifiant</th>\
             <th>Nom</th><th>Rôle</th><th>État</th><th>Révision</th><th></th></tr></thead><tbody>",
            esc(store)
        );
        for o in list {
            let disable = if o.active {
                format!(
                    "<form method=\"post\" action=\"/operators/{}/{}/disable\" class=\"inline\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                     <button type=\"submit\">Désactiver</button></form>",
                    esc(&urlencoding(store)),
                    esc(&urlencoding(&o.id))
                )
            } else {
                String::new()
            };
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{disable}</td></tr>",
                esc(&o.id),
                esc(&o.name),
                esc(role_fr(&o.role)),
                if o.active { "actif" } else { "désactivé" },
                o.revision
            );
        }
        b.push_str("</tbody></table>");
    }
    page(
        "Opérateurs",
        Some((&v.retailer_name, &v.user.username, &v.csrf)),
        &b,
    )
}

/// Percent-encodes a path segment (ids may hold characters a path cannot).
fn urlencoding(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Lists every store of the viewer and renders.
async fn show<S: Storage>(
    app: &std::sync::Arc<super::App<S>>,
    v: Viewer,
    done: Option<String>,
) -> Response {
    let (server, retailer, stores) = (
        app.server.clone(),
        v.user.retailer.clone(),
        v.stores.clone(),
    );
    let lists = blocking(move || {
        server.with_tx(|tx| {
            stores
                .iter()
                .map(|s| Ok((s.clone(), operators::list(tx, &retailer, s)?)))
                .collect::<Result<Vec<_>>>()
        })
    })
    .await;
    match lists {
        Ok(lists) => html(StatusCode::OK, render(&v, &lists, done.as_deref())),
        Err(e) => page_error(Some(&v), &e),
    }
}

pub(super) async fn operators_page<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    match viewer_in_role(&app, &headers, &[Role::Owner], ACTION).await {
        Ok(v) => show(&app, v, None).await,
        Err(page) => page,
    }
}

async fn owner_for_change<S: Storage>(
    app: &std::sync::Arc<super::App<S>>,
    headers: &HeaderMap,
    csrf: &str,
    store: &str,
) -> Result<Viewer> {
    let v = changer_in_role(app, headers, csrf, &[Role::Owner], ACTION).await?;
    v.check_store(store)?;
    Ok(v)
}

pub(super) async fn put_operator<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Form(f): Form<OperatorForm>,
) -> Response {
    let run = async {
        let v = owner_for_change(&app, &headers, &f.csrf, &f.store).await?;
        let input = f.input()?;
        let mut salt = [0u8; 16];
        rand::Rng::fill(&mut rand::rng(), &mut salt[..]);
        let (server, retailer, store) = (app.server.clone(), v.user.retailer.clone(), f.store);
        let saved = blocking(move || {
            server.with_tx(|tx| operators::put(tx, &retailer, &store, &input, salt, Utc::now()))
        })
        .await?;
        Ok::<_, ServerError>((v, saved))
    };
    match run.await {
        Ok((v, saved)) => {
            let done = format!(
                "Opérateur {} enregistré (révision {}), transmis aux caisses.",
                saved.id, saved.revision
            );
            show(&app, v, Some(done)).await
        }
        Err(e) => page_error(None, &e),
    }
}

pub(super) async fn disable_operator<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Path((store, id)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let run = async {
        let v = owner_for_change(&app, &headers, &f.csrf, &store).await?;
        let (server, retailer) = (app.server.clone(), v.user.retailer.clone());
        blocking(move || {
            server.with_tx(|tx| operators::disable(tx, &retailer, &store, &id, Utc::now()))
        })
        .await
    };
    match run.await {
        Ok(_) => redirect("/operators"),
        Err(e) => page_error(None, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(urlencoding("anna-1_b.c~"), "anna-1_b.c~");
        assert_eq!(urlencoding("a/b c"), "a%2Fb%20c");
        assert_eq!(urlencoding("é"), "%C3%A9");
    }

    #[test]
    fn the_form_offers_three_roles_and_refuses_others() {
        let mut f = OperatorForm {
            id: " anna ".into(),
            name: "Anna".into(),
            role: "manager".into(),
            ..OperatorForm::default()
        };
        let i = f.input().ok();
        assert_eq!(i.as_ref().map(|i| i.id.as_str()), Some("anna"));
        assert_eq!(
            i.and_then(|i| i.pin),
            None,
            "an empty PIN keeps the current one"
        );
        f.role = "owner".into();
        assert!(f.input().is_err());
        f.pin = "4821".into();
        assert!(!format!("{f:?}").contains("4821"), "no PIN in Debug");
    }
}
