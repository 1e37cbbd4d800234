//! A sync round without blocking, for apps whose HTTP client is async
//! (Kotlin coroutines, Swift async, Python asyncio, JS fetch): the steps of
//! pos-sync's [`pos_sync::round::Round`], with the register borrowed for
//! each step only and released while the request is out, so the till
//! sells while the round waits for the server.

use super::{TillSync, after_round, before_round};
use crate::Register;
use chrono::{DateTime, Utc};
use pos_sync::Result;
use pos_sync::client::{RoundReport, SyncClient, TillStore};
use pos_sync::round::{StoreAccess, sync_once_async};
use pos_sync::transport::{HttpRequest, HttpResponse};
use std::future::Future;

/// A register shared with the rest of the app (behind a mutex natively),
/// lent for one synchronous step at a time.
pub trait SharedRegister {
    /// Runs `f` with the register (locking it for that time only).
    fn with_register<O>(&self, f: impl FnOnce(&mut Register) -> O) -> O;
}

impl SharedRegister for std::sync::Mutex<Register> {
    fn with_register<O>(&self, f: impl FnOnce(&mut Register) -> O) -> O {
        // A panic elsewhere while locked left the register usable: SQLite
        // rolled back the open transaction.
        let mut reg = self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut reg)
    }
}

/// The till store of a shared register, borrowed per step.
struct Lent<'a, R: ?Sized>(&'a R);

impl<R: SharedRegister + ?Sized> StoreAccess for Lent<'_, R> {
    fn with_store<O>(&mut self, f: impl FnOnce(&mut dyn TillStore) -> O) -> O {
        self.0.with_register(|reg| f(&mut TillSync::new(reg)))
    }
}

/// One sync round like [`super::sync_register`], awaiting `send` (the
/// app's async HTTP client) for each request. The register is locked only
/// around each step (reading the outbox, applying an answer), never while
/// a request is out. Offline periods are bracketed as in the blocking
/// round (JET 70 on a transient failure, JET 120 on the next success,
/// pushed right away), and the register's listener hears the new status.
pub async fn sync_register_async<R, F, Fut>(
    register: &R,
    client: &SyncClient,
    mut send: F,
) -> Result<RoundReport>
where
    R: SharedRegister + ?Sized,
    F: FnMut(HttpRequest) -> Fut,
    Fut: Future<Output = Result<HttpResponse>>,
{
    let before = register.with_register(before_round)?;
    let now = || -> DateTime<Utc> { Utc::now() };
    let result = sync_once_async(client, &mut Lent(register), &mut send, now).await;
    let push_now = register.with_register(|reg| after_round(reg, &result, &before))?;
    if push_now {
        // Push the JET 120 record right away (best effort).
        let _ = sync_once_async(client, &mut Lent(register), &mut send, now).await;
    }
    register.with_register(Register::sync_round_ended);
    result
}

/// [`super::enroll`] without blocking: the enrolment request is built with
/// the register lent for that step, sent by awaiting `send` (the app's
/// async HTTP client) with the register free, and the answer kept with the
/// register lent again. A code is single-use: a failure of `send` leaves
/// the till not enrolled, and whether the server consumed the code is
/// unknown (the owner issues a new one if it was).
pub async fn enroll_async<R, F, Fut>(
    register: &R,
    send: F,
    code: &str,
    replaces: Option<&str>,
) -> Result<pos_sync::wire::EnrollResponse>
where
    R: SharedRegister + ?Sized,
    F: FnOnce(HttpRequest) -> Fut,
    Fut: Future<Output = Result<HttpResponse>>,
{
    let req = register.with_register(|reg| super::enroll_request(reg, code, replaces))?;
    let resp = send(req).await?;
    register.with_register(|reg| super::enroll_answered(reg, &resp, replaces))
}
