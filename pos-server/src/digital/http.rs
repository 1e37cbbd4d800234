//! The axum routes of digital receipts, to merge with the sync router:
//! `GET /r/{token}` (receipt page), `GET /c/{token}` (customer page) and
//! `POST /v1/receipts/send` (a till's signed send request). Storage work
//! runs on blocking threads; the clock is read here, at the edge.

use super::service::Digital;
use crate::Storage;
use crate::transport::HttpRequest;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, super::page::CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        body,
    )
        .into_response()
}

fn page(result: Option<crate::Result<Option<String>>>) -> Response {
    match result {
        Some(Ok(Some(body))) => html(StatusCode::OK, body),
        Some(Ok(None)) => html(StatusCode::NOT_FOUND, super::page::not_found_page()),
        _ => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            super::page::not_found_page(),
        ),
    }
}

/// The `c` parameter of a query string (the customer's page key).
fn customer_key(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("c="))
        .filter(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
}

async fn receipt<S: Storage>(
    State(d): State<Arc<Digital<S>>>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let key = customer_key(query.as_deref());
    page(
        tokio::task::spawn_blocking(move || d.receipt_page(&token, key.as_deref()))
            .await
            .ok(),
    )
}

async fn customer<S: Storage>(
    State(d): State<Arc<Digital<S>>>,
    Path(token): Path<String>,
) -> Response {
    page(
        tokio::task::spawn_blocking(move || d.customer_page(&token))
            .await
            .ok(),
    )
}

async fn send<S: Storage>(
    State(d): State<Arc<Digital<S>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = HttpRequest {
        method: "POST",
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers: headers
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_owned(), v.to_owned()))
            })
            .collect(),
        body: body.to_vec(),
    };
    let joined = tokio::task::spawn_blocking(move || d.handle_send(&req, chrono::Utc::now())).await;
    match joined {
        Ok(resp) => (
            StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, "application/json")],
            resp.body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The digital-receipt routes (explicit routes: the sync router keeps the
/// fallback). Compose with
/// `pos_server::http::router(server).merge(router(digital))`.
pub fn router<S: Storage>(digital: Arc<Digital<S>>) -> Router {
    Router::new()
        .route("/r/{token}", get(receipt::<S>))
        .route("/c/{token}", get(customer::<S>))
        .route(super::request::SEND_PATH, post(send::<S>))
        .with_state(digital)
}
