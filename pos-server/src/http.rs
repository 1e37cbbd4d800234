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
            (
                status,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                resp.body,
            )
                .into_response()
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

fn io(_: std::io::Error) -> ServerError {
    ServerError::from(SyncError::Transport { kind: "listen" })
}

/// Serves until the process ends (the `pos sync-server` command).
pub fn serve<S: Storage>(listen: &str, server: Server<S>) -> Result<()> {
    serve_app(listen, router(server))
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
