//! Customers' personal data (owner and manager only; every access
//! logged), the access log (owner), and the web shop's RGPD export API.

use super::App;
use super::St;
use super::dashboard::*;
use super::respond::*;
use super::session::*;
use crate::Storage;
use crate::backoffice::model::Role;
use crate::backoffice::service::Viewer;
use crate::backoffice::{pages, rgpd};
use crate::error::{Result, ServerError, SyncError};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::sync::Arc;

pub(super) async fn customers<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    match viewer_of(&app, &headers).await {
        Ok(v) => match v.require(
            &[Role::Owner, Role::Manager],
            "read customers' personal data",
        ) {
            Ok(()) => html(StatusCode::OK, pages::customers(&v)),
            Err(e) => page_error(Some(&v), &e),
        },
        Err(e) => page_error(None, &e),
    }
}

pub(super) async fn customer_lookup(Query(q): Query<PageQuery>) -> Response {
    let store = q.store.unwrap_or_default();
    let id = q.id.unwrap_or_default();
    let to = format!("/customers/{}/{}", pct(&store), pct(&id));
    match HeaderValue::from_str(&to) {
        Ok(loc) => {
            secure_headers((StatusCode::SEE_OTHER, [(header::LOCATION, loc)]).into_response())
        }
        Err(_) => redirect("/customers"),
    }
}

/// Percent-encodes a path segment.
pub(super) fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Reads a customer's data for a viewer allowed to, logging the access.
pub(super) async fn customer_data<S: Storage>(
    app: &Arc<App<S>>,
    v: &Viewer,
    store: String,
    id: String,
    action: &'static str,
) -> Result<serde_json::Value> {
    v.require(
        &[Role::Owner, Role::Manager],
        "read customers' personal data",
    )?;
    v.check_store(&store)?;
    let (server, vv) = (app.server.clone(), v.clone());
    blocking(move || {
        let now = Utc::now();
        server.with_tx(|tx| {
            let out = rgpd::export(tx, &store, &id, now)?;
            rgpd::log(
                tx,
                &vv.user.retailer,
                &vv.user.username,
                &store,
                &id,
                action,
                now,
            )?;
            Ok(out)
        })
    })
    .await
}

pub(super) async fn customer<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Path((store, id)): Path<(String, String)>,
) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    match customer_data(&app, &v, store.clone(), id.clone(), "view").await {
        Ok(x) => html(StatusCode::OK, pages::customer(&v, &store, &id, &x)),
        Err(e) => page_error(Some(&v), &e),
    }
}

pub(super) async fn customer_export<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Path((store, id)): Path<(String, String)>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        customer_data(&app, &v, store, id.clone(), "export").await
    };
    match run.await {
        Ok(x) => {
            let body = serde_json::to_vec_pretty(&x).unwrap_or_default();
            download("application/json", &format!("client-{id}.json"), body)
        }
        Err(e) => json_error(&e),
    }
}

pub(super) async fn customer_erase<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Path((store, id)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let run = async {
        let v = viewer_for_change(&app, &headers, &f.csrf).await?;
        v.require(&[Role::Owner, Role::Manager], "erase customers")?;
        v.check_store(&store)?;
        let (server, vv, s, i) = (app.server.clone(), v.clone(), store.clone(), id.clone());
        let erased = blocking(move || {
            let now = Utc::now();
            server.with_tx(|tx| {
                let done = rgpd::erase(tx, &s, &i, now)?;
                rgpd::log(
                    tx,
                    &vv.user.retailer,
                    &vv.user.username,
                    &s,
                    &i,
                    "erase",
                    now,
                )?;
                Ok(done)
            })
        })
        .await?;
        Ok::<_, ServerError>((v, erased))
    };
    match run.await {
        Ok((v, erased)) => {
            let msg = if erased {
                "Données personnelles effacées ; les enregistrements fiscaux restent vérifiables."
            } else {
                "Ce client était déjà effacé."
            };
            html(
                StatusCode::OK,
                crate::backoffice::html::page(
                    "Effacement",
                    Some((&v.retailer_name, &v.user.username, &v.csrf)),
                    &format!("<p id=\"erased\">{}</p>", crate::backoffice::html::esc(msg)),
                ),
            )
        }
        Err(e) => page_error(None, &e),
    }
}

pub(super) async fn access_log<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    if let Err(e) = v.require(&[Role::Owner], "read the personal-data access log") {
        return page_error(Some(&v), &e);
    }
    let (server, retailer) = (app.server.clone(), v.user.retailer.clone());
    match blocking(move || server.with_tx(|tx| tx.bo_access_log(&retailer, 500))).await {
        Ok(list) => html(StatusCode::OK, pages::access_log(&v, &list)),
        Err(e) => page_error(Some(&v), &e),
    }
}

pub(super) async fn web_export<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    id: std::result::Result<Path<String>, axum::extract::rejection::PathRejection>,
    q: std::result::Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let bad = || {
        json_error(&ServerError::from(SyncError::Invalid {
            message: "web request",
            rule: "store and customer id are 1 to 128 characters",
        }))
    };
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    let server = app.server.clone();
    let scope = match blocking(move || server.web_scope(&key)).await {
        Ok(scope) => scope,
        Err(e) => return json_error(&e),
    };
    let (Ok(Path(id)), Ok(Query(q))) = (id, q) else {
        return bad();
    };
    let Some(store) = q.store().filter(|s| s.len() <= 128) else {
        return bad();
    };
    if id.is_empty() || id.len() > 128 {
        return bad();
    }
    if let Err(e) = scope.check(&store) {
        return json_error(&e);
    }
    let server = app.server.clone();
    let r = blocking(move || {
        let now = Utc::now();
        server.with_tx(|tx| {
            let out = rgpd::export(tx, &store, &id, now)?;
            rgpd::log(tx, &scope.retailer, "web-api", &store, &id, "export", now)?;
            Ok(out)
        })
    })
    .await;
    match r {
        Ok(x) => json_ok(&x),
        Err(e) => json_error(&e),
    }
}
