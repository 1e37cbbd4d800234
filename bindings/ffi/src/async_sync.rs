//! Sync without blocking: the app's async HTTP client (Kotlin coroutines,
//! Swift async, Python asyncio) carries the requests of pos-sdk's async
//! round, and the till is locked only between requests, never while one is
//! out: the till sells while the round waits for the server.

use crate::PosError;
use crate::guard::lock;
use crate::register::Register;
use crate::sync::{HttpRequest, HttpResponse, SyncReport, not_enrolled, to_ffi_request};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The app's async HTTP stack, pointed at its sync server. A failure means
/// the outcome is unknown; sending again is safe.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait AsyncSyncTransport: Send + Sync {
    /// Sends one request and resolves to the server's answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, PosError>;
}

#[uniffi::export]
impl Register {
    /// One sync round as the enrolled till, like `sync_enrolled`, awaiting
    /// the app's async `transport` for each request (Kotlin `suspend`,
    /// Swift `async`, a Python coroutine). Sales and other calls on this
    /// register go through while a request is out.
    pub async fn sync_enrolled_async(
        &self,
        transport: Arc<dyn AsyncSyncTransport>,
    ) -> Result<SyncReport, PosError> {
        let round = async {
            let client = pos_sdk::sync::client(&mut lock(&self.inner))?.ok_or_else(not_enrolled)?;
            let send = |req| carry(transport.clone(), req);
            let report = pos_sdk::sync::sync_register_async(&self.inner, &client, send).await?;
            Ok(SyncReport::from(report))
        };
        Guarded(Box::pin(round)).await
    }

    /// `enroll_sync` awaiting the app's async `transport` (Kotlin
    /// `suspend`, Swift `async`, a Python coroutine): the register is free
    /// while the request is out. A code is single-use: after a transport
    /// failure the till is not enrolled, and the owner may need a new code.
    pub async fn enroll_sync_async(
        &self,
        code: String,
        replaces: Option<String>,
        transport: Arc<dyn AsyncSyncTransport>,
    ) -> Result<(), PosError> {
        let enrolment = async {
            let send = |req| carry(transport.clone(), req);
            pos_sdk::sync::enroll_async(&self.inner, send, &code, replaces.as_deref()).await?;
            Ok(())
        };
        Guarded(Box::pin(enrolment)).await
    }
}

/// Sends one of pos-sdk's requests through the app's async transport; its
/// failure is a transport failure (the outcome is unknown).
async fn carry(
    transport: Arc<dyn AsyncSyncTransport>,
    req: pos_sync::transport::HttpRequest,
) -> pos_sync::Result<pos_sync::transport::HttpResponse> {
    let answer =
        transport
            .send(to_ffi_request(&req))
            .await
            .map_err(|_| pos_sync::SyncError::Transport {
                kind: "the app's transport failed",
            })?;
    Ok(pos_sync::transport::HttpResponse::new(
        answer.status,
        answer.body,
    ))
}

/// A future whose panic comes back as `PosError.Internal` (the async
/// counterpart of `guard`).
struct Guarded<'a, T>(Pin<Box<dyn Future<Output = Result<T, PosError>> + Send + 'a>>);

impl<T> Future for Guarded<'_, T> {
    type Output = Result<T, PosError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(PosError::Internal {
                code: "panic".to_owned(),
                detail: "a bug stopped the call; it was abandoned and changed nothing".to_owned(),
            })),
        }
    }
}
