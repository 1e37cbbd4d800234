//! Sign-in, sign-out, the session cookie and the CSRF / same-origin guard.

use super::App;
use super::St;
use super::respond::*;
use crate::Storage;
use crate::backoffice::model::BackOfficeFailure;
use crate::backoffice::service::{self, Viewer};
use crate::backoffice::{auth, pages};
use crate::error::{Result, ServerError};
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

pub(super) fn cookie_session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == auth::COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn secure_cookie(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    !auth::is_loopback_host(host)
}

pub(super) async fn viewer_of<S: Storage>(
    app: &Arc<App<S>>,
    headers: &HeaderMap,
) -> Result<Viewer> {
    let id = cookie_session(headers).ok_or(BackOfficeFailure::NoSession)?;
    let server = app.server.clone();
    blocking(move || service::viewer(&server, &id, Utc::now())).await
}

/// Same origin: a browser's `Origin` (when sent) must name this host.
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let bare = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    !host.is_empty() && bare == host
}

/// A signed-in viewer whose CSRF token matches (state-changing requests).
pub(super) async fn viewer_for_change<S: Storage>(
    app: &Arc<App<S>>,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Viewer> {
    if !same_origin(headers) {
        return Err(BackOfficeFailure::BadCsrf.into());
    }
    let v = viewer_of(app, headers).await?;
    let header_token = headers
        .get("x-csrf-token")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let given = if csrf.is_empty() { header_token } else { csrf };
    if !auth::same_token(given, &v.csrf) {
        return Err(BackOfficeFailure::BadCsrf.into());
    }
    Ok(v)
}

/// The signed-in viewer of a page only `roles` may see; otherwise the page
/// saying why (the sign-in page without a session).
pub(super) async fn viewer_in_role<S: Storage>(
    app: &Arc<App<S>>,
    headers: &HeaderMap,
    roles: &[crate::backoffice::model::Role],
    action: &'static str,
) -> std::result::Result<Viewer, Response> {
    let v = viewer_of(app, headers)
        .await
        .map_err(|e| page_error(None, &e))?;
    match v.require(roles, action) {
        Ok(()) => Ok(v),
        Err(e) => Err(page_error(Some(&v), &e)),
    }
}

/// The viewer sending a form (same origin, CSRF token checked) who holds
/// one of `roles`.
pub(super) async fn changer_in_role<S: Storage>(
    app: &Arc<App<S>>,
    headers: &HeaderMap,
    csrf: &str,
    roles: &[crate::backoffice::model::Role],
    action: &'static str,
) -> Result<Viewer> {
    let v = viewer_for_change(app, headers, csrf).await?;
    v.require(roles, action)?;
    Ok(v)
}

pub(super) async fn login_page() -> Response {
    html(StatusCode::OK, pages::login(None))
}

/// The sign-in form.
#[derive(Debug, serde::Deserialize)]
pub(super) struct LoginForm {
    pub(super) username: String,
    pub(super) password: String,
}

/// The client's IP as this server sees it: the TCP peer (the servers of
/// [`crate::http`] record it with `ConnectInfo`). Behind a reverse proxy
/// this is the proxy, so the per-address lockout then counts every client
/// of that proxy together; `X-Forwarded-For` is not trusted, since any
/// client can write it. Without connection info (a router driven in
/// process) every request counts as the unspecified address.
pub(super) fn client_address(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.ip())
}

pub(super) async fn login<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(f): Form<LoginForm>,
) -> Response {
    let address = client_address(&extensions);
    if !same_origin(&headers) {
        return html(
            StatusCode::FORBIDDEN,
            pages::login(Some("Requête refusée (origine).")),
        );
    }
    let id = hex::encode(auth::random_bytes::<32>());
    let csrf = hex::encode(auth::random_bytes::<32>());
    let server = app.server.clone();
    let (sid, token) = (id.clone(), csrf.clone());
    let r = blocking(move || {
        service::login(
            &server,
            &f.username,
            &f.password,
            address,
            &sid,
            &token,
            Utc::now(),
        )
    })
    .await;
    match r {
        Ok(()) => {
            let mut resp = redirect("/");
            if let Ok(c) =
                HeaderValue::from_str(&auth::session_cookie(&id, secure_cookie(&headers)))
            {
                resp.headers_mut().insert(header::SET_COOKIE, c);
            }
            resp
        }
        Err(e) => {
            let msg = match &e {
                ServerError::BackOffice(BackOfficeFailure::Throttled {
                    retry_after_seconds,
                }) => {
                    // In whole minutes: two attempts locked a moment apart
                    // (a real name and an unknown one) read the same.
                    let minutes = retry_after_seconds.saturating_add(59) / 60;
                    format!("Trop d'essais : réessayez dans {minutes} min.")
                }
                ServerError::BackOffice(BackOfficeFailure::BadCredentials) => {
                    "Identifiant ou mot de passe incorrect.".to_owned()
                }
                _ => "Connexion impossible.".to_owned(),
            };
            html(status_of(&e), pages::login(Some(&msg)))
        }
    }
}

/// A form carrying only the CSRF token.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

pub(super) async fn logout<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = viewer_for_change(&app, &headers, &f.csrf).await {
        return page_error(None, &e);
    }
    if let Some(id) = cookie_session(&headers) {
        let server = app.server.clone();
        let _ = blocking(move || service::logout(&server, &id)).await;
    }
    let mut resp = redirect("/");
    if let Ok(c) = HeaderValue::from_str(&auth::clear_cookie(secure_cookie(&headers))) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}
