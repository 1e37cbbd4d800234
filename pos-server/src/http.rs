//! The HTTP front: axum on tokio, every request handed to [`Server::handle`]
//! on a blocking thread (the storage is synchronous). The clock is read
//! here, at the edge.

use super::handler::Server;
use super::store::Storage;
use crate::error::{Result, ServerError, SyncError};
use crate::transport::HttpRequest;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

async fn handle<S: Storage>(
    State(server): State<Server<S>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method: &'static str = match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        _ => "OTHER",
    };
    let req = HttpRequest {
        method,
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
    let joined = tokio::task::spawn_blocking(move || server.handle(&req, chrono::Utc::now())).await;
    match joined {
        Ok(resp) => {
            let status =
                StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut out = (
                status,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                resp.body,
            )
                .into_response();
            // Such as `Retry-After` on a 503.
            for (k, v) in &resp.headers {
                if let (Ok(k), Ok(v)) = (
                    axum::http::HeaderName::from_bytes(k.as_bytes()),
                    axum::http::HeaderValue::from_str(v),
                ) {
                    out.headers_mut().insert(k, v);
                }
            }
            out
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The axum router of a server.
pub fn router<S: Storage>(server: Server<S>) -> Router {
    Router::new()
        .fallback(handle::<S>)
        .layer(DefaultBodyLimit::max(crate::wire::MAX_MESSAGE_BYTES))
        .with_state(server)
}

/// Adds the operations endpoints to an application router and counts and
/// logs every request it serves (wrap the whole application: the back
/// office and receipt pages are counted too).
///
/// - `GET /healthz`: 200 while the process serves; touches no database.
/// - `GET /readyz`: 200 when the database answers and records this build's
///   schema version, else 503 with a JSON reason (also when the probe does
///   not answer within [`READY_TIMEOUT`]).
/// - `GET /metrics`: the Prometheus text exposition, to callers presenting
///   the server's operator token (`Authorization: Bearer`); 404 when the
///   server has no token, 401 for a missing or wrong one.
///
/// Each request is logged (`tracing`, target `pos_server::http`) in one
/// span with its method, route family, status and latency: no path, query,
/// header or body, so no token or personal data reaches a log.
pub fn operations<S: Storage>(app: Router, server: &Server<S>) -> Router {
    use axum::routing::get;
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<S>))
        .route("/metrics", get(metrics::<S>))
        .with_state(server.clone());
    app.merge(ops).layer(axum::middleware::from_fn_with_state(
        server.clone(),
        observe::<S>,
    ))
}

/// How long `/readyz` waits for the database before answering 503.
pub const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

async fn observe<S: Storage>(
    State(server): State<Server<S>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use tracing::Instrument as _;
    let family = crate::metrics::Family::of(req.uri().path());
    let method = match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        _ => "OTHER",
    };
    let span = tracing::info_span!(
        "request",
        method,
        family = family.label(),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let resp = next.run(req).instrument(span.clone()).await;
    let latency = started.elapsed();
    let status = resp.status().as_u16();
    server.metrics().observe_request(family, status, latency);
    let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    // A server-side failure is a warning; anything else is the ordinary
    // record of a request.
    if status >= 500 {
        tracing::warn!(parent: &span, status, latency_ms, "answered");
    } else {
        tracing::info!(parent: &span, status, latency_ms, "answered");
    }
    resp
}

async fn healthz() -> Response {
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        r#"{"status":"up"}"#,
    )
        .into_response()
}

async fn readyz<S: Storage>(State(server): State<Server<S>>) -> Response {
    let probe = tokio::task::spawn_blocking(move || crate::ops::readiness(server.storage()));
    let verdict = match tokio::time::timeout(READY_TIMEOUT, probe).await {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => Err(crate::ops::NotReady {
            reason: "database_unavailable",
            detail: "probe failed".into(),
        }),
        Err(_) => Err(crate::ops::NotReady {
            reason: "database_unavailable",
            detail: "no answer within the probe timeout".into(),
        }),
    };
    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
    match verdict {
        Ok(()) => (StatusCode::OK, json, r#"{"status":"ready"}"#.to_owned()).into_response(),
        Err(n) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json,
            serde_json::json!({ "status": "not_ready", "reason": n.reason, "detail": n.detail })
                .to_string(),
        )
            .into_response(),
    }
}

async fn metrics<S: Storage>(State(server): State<Server<S>>, headers: HeaderMap) -> Response {
    let Some(token) = server.metrics_token() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::ops::token_matches(offered, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    // The counters are always served; the database gauges only when the
    // database answers in time (a scrape must not hang on it).
    let now = chrono::Utc::now();
    let storage_server = server.clone();
    let probe = tokio::task::spawn_blocking(move || {
        crate::ops::scrape_gauges(storage_server.storage(), now)
    });
    let gauges = match tokio::time::timeout(READY_TIMEOUT, probe).await {
        Ok(Ok(Ok(g))) => g,
        _ => {
            tracing::warn!("metrics: database gauges unavailable");
            crate::metrics::ScrapeGauges::default()
        }
    };
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        server.metrics().render(&gauges),
    )
        .into_response()
}

fn io(_: std::io::Error) -> ServerError {
    ServerError::from(SyncError::Transport { kind: "listen" })
}

/// Serves the sync API with the operations endpoints ([`operations`])
/// until the process ends.
pub fn serve<S: Storage>(listen: &str, server: Server<S>) -> Result<()> {
    serve_app(listen, operations(router(server.clone()), &server))
}

/// Serves an application router until the process ends: the sync router
/// ([`router`]) merged with other fronts (back office, receipt pages).
pub fn serve_app(listen: &str, app: Router) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(io)?;
        // The peer address reaches handlers (the back office's per-address
        // login lockout).
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .map_err(io)
    })
}

/// A server running on a background thread; stopped when dropped.
#[derive(Debug)]
pub struct InProcess {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a server on a free loopback port in this process (demos, tests).
pub fn spawn_in_process<S: Storage>(server: Server<S>) -> Result<InProcess> {
    spawn_app(router(server))
}

/// Starts an application router (see [`serve_app`]) on a free loopback port
/// in this process.
pub fn spawn_app(app: Router) -> Result<InProcess> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io)?;
    std_listener.set_nonblocking(true).map_err(io)?;
    let url = format!("http://{}", std_listener.local_addr().map_err(io)?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io)?;
    let thread = std::thread::spawn(move || {
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else {
                return;
            };
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        });
    });
    Ok(InProcess {
        url,
        stop: Some(stop),
        thread: Some(thread),
    })
}
