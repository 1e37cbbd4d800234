//! The back office's HTTP front (axum): explicit routes only, merged next
//! to the sync router. The clock and randomness are read here, at the
//! edge; storage calls run on blocking threads.
//!
//! Every response carries a strict Content-Security-Policy; every
//! state-changing request needs the session's CSRF token and a same-origin
//! `Origin` when the browser sends one.
//!
//! - `session`: sign-in, sign-out, cookie, CSRF and same-origin guard.
//! - `dashboard`: the dashboard, its live feed (SSE), charts, closures,
//!   journals, static files.
//! - `downloads`: FEC, signed journal, sales CSV.
//! - `customers`: personal data pages, access log, web RGPD export.
//! - `credentials`: the owner's enrolment codes and web-shop keys.
//! - `respond`: security headers, pages, JSON, errors, blocking bridge.

mod credentials;
mod customers;
mod dashboard;
mod downloads;
mod operators;
mod respond;
mod session;

use crate::{Server, Storage};
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Back-office settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Available quantity at or below which an item is flagged.
    pub stock_threshold: Decimal,
    /// The live feed reads new synced data when the storage says a push
    /// committed ([`crate::notify`]); with `Some(interval)`, or a storage
    /// that cannot say, it polls at this interval instead (700 ms before
    /// notifications; kept to compare the two).
    pub live_poll: Option<std::time::Duration>,
    /// With notifications, the feed also reads again after this long
    /// without one, in case one was lost.
    pub live_fallback: std::time::Duration,
    /// Threads verifying fiscal journals in the background (`/journal`).
    pub verify_workers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            stock_threshold: Decimal::from(3),
            live_poll: None,
            live_fallback: std::time::Duration::from_secs(15),
            verify_workers: 1,
        }
    }
}

pub(super) struct App<S: Storage> {
    pub(super) server: Server<S>,
    pub(super) config: Config,
    /// Journal verifications, off the request path.
    pub(super) jobs: Arc<crate::verify_job::VerifyJobs>,
}

pub(super) type St<S> = State<Arc<App<S>>>;

/// The back office's routes over a sync server's storage.
pub fn router<S: Storage>(server: Server<S>, config: Config) -> Router {
    let jobs = Arc::new(crate::verify_job::VerifyJobs::start(
        server.clone(),
        config.verify_workers,
    ));
    let app = Arc::new(App {
        server,
        config,
        jobs,
    });
    Router::new()
        .route("/", get(dashboard::home::<S>))
        .route("/login", get(session::login_page).post(session::login::<S>))
        .route("/logout", post(session::logout::<S>))
        .route("/backoffice.css", get(dashboard::css))
        .route("/backoffice.js", get(dashboard::js))
        .route("/api/dashboard", get(dashboard::api_dashboard::<S>))
        .route("/live", get(dashboard::live::<S>))
        .route("/chart", get(dashboard::chart::<S>))
        .route("/closures", get(dashboard::closures::<S>))
        .route("/refunds", get(dashboard::refund_flags::<S>))
        .route("/journal", get(dashboard::journal::<S>))
        .route("/downloads", get(downloads::downloads::<S>))
        .route("/download/fec", get(downloads::download_fec::<S>))
        .route("/download/journal", get(downloads::download_journal::<S>))
        .route("/download/sales.csv", get(downloads::download_sales::<S>))
        .route("/customers", get(customers::customers::<S>))
        .route("/customers/lookup", get(customers::customer_lookup))
        .route("/customers/{store}/{id}", get(customers::customer::<S>))
        .route(
            "/customers/{store}/{id}/export",
            get(customers::customer_export::<S>),
        )
        .route(
            "/customers/{store}/{id}/erase",
            post(customers::customer_erase::<S>),
        )
        .route("/access-log", get(customers::access_log::<S>))
        .route("/credentials", get(credentials::credentials_page::<S>))
        .route("/credentials/codes", post(credentials::issue_code::<S>))
        .route(
            "/credentials/codes/{id}/revoke",
            post(credentials::revoke_code::<S>),
        )
        .route("/credentials/web-keys", post(credentials::issue_key::<S>))
        .route(
            "/credentials/web-keys/{id}/revoke",
            post(credentials::revoke_key::<S>),
        )
        .route(
            "/operators",
            get(operators::operators_page::<S>).post(operators::put_operator::<S>),
        )
        .route(
            "/operators/{store}/{id}/disable",
            post(operators::disable_operator::<S>),
        )
        .route(
            "/v1/web/customers/{id}/export",
            get(customers::web_export::<S>),
        )
        .with_state(app)
}

/// Adds the back office (served at `/`) to an application router that
/// already holds the sync API (and other fronts), with default settings.
/// The customer export API authenticates the retailers' web keys.
pub fn attach<S: Storage>(app: Router, server: Server<S>) -> Router {
    app.merge(router(server, Config::default()))
}

/// Today's date in Paris (EU summer time from the last Sunday of March to
/// the last Sunday of October, 01:00 UTC).
pub fn paris_today(now: DateTime<Utc>) -> NaiveDate {
    now.checked_add_signed(chrono::Duration::minutes(i64::from(paris_offset_min(now))))
        .unwrap_or(now)
        .date_naive()
}

/// Europe/Paris UTC offset in minutes at `now`.
pub fn paris_offset_min(now: DateTime<Utc>) -> i32 {
    use chrono::{Datelike, TimeZone, Weekday};
    let last_sunday = |month: u32| -> Option<DateTime<Utc>> {
        let mut d = NaiveDate::from_ymd_opt(now.year(), month, 31)?;
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt()?;
        }
        Some(Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0)?))
    };
    match (last_sunday(3), last_sunday(10)) {
        (Some(start), Some(end)) if now >= start && now < end => 120,
        _ => 60,
    }
}

#[cfg(test)]
mod tests {
    use super::customers::pct;
    use super::session::{cookie_session, same_origin};
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn paris_is_one_hour_ahead_in_winter_and_two_in_summer() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(paris_offset_min(at("2026-01-15T12:00:00Z")), 60);
        assert_eq!(paris_offset_min(at("2026-07-15T12:00:00Z")), 120);
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(paris_offset_min(at("2026-03-29T00:59:59Z")), 60);
        assert_eq!(paris_offset_min(at("2026-03-29T01:00:00Z")), 120);
        assert_eq!(paris_offset_min(at("2026-10-25T00:59:59Z")), 120);
        assert_eq!(paris_offset_min(at("2026-10-25T01:00:00Z")), 60);
        assert_eq!(
            paris_today(at("2026-11-28T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
        );
    }

    #[test]
    fn cookies_and_origins_are_read_strictly() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; pos_bo=abc; b=2"),
        );
        assert_eq!(cookie_session(&h).as_deref(), Some("abc"));
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h));
        assert_eq!(pct("a b/é"), "a%20b%2F%C3%A9");
    }
}
