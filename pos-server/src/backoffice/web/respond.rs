//! Responses: security headers on every one, pages, JSON, downloads,
//! errors; and the bridge to the blocking storage.

use crate::backoffice::model::BackOfficeFailure;
use crate::backoffice::pages;
use crate::backoffice::service::Viewer;
use crate::error::{Result, ServerError, SyncError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| SyncError::Corrupt { what: "worker" })?
}

pub(super) fn secure_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: with the latter a browser sends
    // `Origin: null` on same-origin form posts, which the CSRF check refuses.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

pub(super) fn html(status: StatusCode, body: String) -> Response {
    secure_headers(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
    )
}

pub(super) fn redirect(to: &'static str) -> Response {
    secure_headers((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
}

pub(super) fn status_of(e: &ServerError) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Adds `Retry-After` to the answer of a database that cannot serve now
/// (503), as the sync API does: a browser or script may come back then.
fn with_retry_after(mut r: Response, e: &ServerError) -> Response {
    if let Some(s) = e.retry_after_s() {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

/// An error as a page (or the sign-in redirect when there is no session).
pub(super) fn page_error(v: Option<&Viewer>, e: &ServerError) -> Response {
    if matches!(e, ServerError::BackOffice(BackOfficeFailure::NoSession)) {
        return redirect("/");
    }
    with_retry_after(html(status_of(e), pages::error(v, &e.to_string())), e)
}

/// An error as a JSON body.
pub(super) fn json_error(e: &ServerError) -> Response {
    with_retry_after(
        secure_headers(
            (
                status_of(e),
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "code": e.code(), "message": e.to_string() }).to_string(),
            )
                .into_response(),
        ),
        e,
    )
}

pub(super) fn json_ok(v: &serde_json::Value) -> Response {
    secure_headers(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response(),
    )
}

pub(super) fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let disposition = format!("attachment; filename=\"{safe}\"");
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    secure_headers(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> ServerError {
        ServerError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    fn retry_after(r: &Response) -> Option<&str> {
        r.headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
    }

    #[test]
    fn a_database_that_cannot_serve_now_answers_503_with_retry_after() {
        for (code, after) in [
            (rusqlite::ffi::SQLITE_BUSY, "1"),
            (rusqlite::ffi::SQLITE_IOERR, "2"),
        ] {
            for r in [page_error(None, &sqlite(code)), json_error(&sqlite(code))] {
                assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
                assert_eq!(retry_after(&r), Some(after));
            }
        }
        // A refusal or a broken database is not "come back later".
        for e in [
            sqlite(rusqlite::ffi::SQLITE_CORRUPT),
            ServerError::from(SyncError::NotFound { what: "store" }),
        ] {
            assert_eq!(retry_after(&page_error(None, &e)), None);
            assert_eq!(retry_after(&json_error(&e)), None);
        }
    }
}
