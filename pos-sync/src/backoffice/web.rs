//! The back office's HTTP front (axum): explicit routes only, merged next
//! to the sync router. The clock and randomness are read here, at the
//! edge; storage calls run on blocking threads.
//!
//! Every response carries a strict Content-Security-Policy; every
//! state-changing request needs the session's CSRF token and a same-origin
//! `Origin` when the browser sends one.

use super::model::{BackOfficeFailure, Role};
use super::service::{self, Viewer};
use super::{assets, auth, pages, rgpd};
use crate::error::{Result, SyncError};
use crate::server::{Server, Storage};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Back-office settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The web shop's bearer token (for `/v1/web/customers/{id}/export`).
    pub web_token: String,
    /// Available quantity at or below which an item is flagged.
    pub stock_threshold: Decimal,
    /// How often the live feed looks for new synced data.
    pub live_poll: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            web_token: String::new(),
            stock_threshold: Decimal::from(3),
            live_poll: std::time::Duration::from_millis(700),
        }
    }
}

struct App<S: Storage> {
    server: Server<S>,
    config: Config,
}

type St<S> = State<Arc<App<S>>>;

/// The back office's routes over a sync server's storage.
pub fn router<S: Storage>(server: Server<S>, config: Config) -> Router {
    let app = Arc::new(App { server, config });
    Router::new()
        .route("/", get(home::<S>))
        .route("/login", get(login_page).post(login::<S>))
        .route("/logout", post(logout::<S>))
        .route("/backoffice.css", get(css))
        .route("/backoffice.js", get(js))
        .route("/api/dashboard", get(api_dashboard::<S>))
        .route("/live", get(live::<S>))
        .route("/chart", get(chart::<S>))
        .route("/closures", get(closures::<S>))
        .route("/journal", get(journal::<S>))
        .route("/downloads", get(downloads::<S>))
        .route("/download/fec", get(download_fec::<S>))
        .route("/download/journal", get(download_journal::<S>))
        .route("/download/sales.csv", get(download_sales::<S>))
        .route("/customers", get(customers::<S>))
        .route("/customers/lookup", get(customer_lookup))
        .route("/customers/{store}/{id}", get(customer::<S>))
        .route("/customers/{store}/{id}/export", get(customer_export::<S>))
        .route("/customers/{store}/{id}/erase", post(customer_erase::<S>))
        .route("/access-log", get(access_log::<S>))
        .route("/v1/web/customers/{id}/export", get(web_export::<S>))
        .with_state(app)
}

/// Adds the back office (served at `/`) to an application router that
/// already holds the sync API (and other fronts), with default settings
/// and the web shop's token for the customer export API.
pub fn attach<S: Storage>(app: Router, server: Server<S>, web_token: &str) -> Router {
    app.merge(router(
        server,
        Config {
            web_token: web_token.to_owned(),
            ..Config::default()
        },
    ))
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

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| SyncError::Corrupt { what: "worker" })?
}

fn secure_headers(mut r: Response) -> Response {
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

fn html(status: StatusCode, body: String) -> Response {
    secure_headers(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
    )
}

fn redirect(to: &'static str) -> Response {
    secure_headers((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
}

fn status_of(e: &SyncError) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An error as a page (or the sign-in redirect when there is no session).
fn page_error(v: Option<&Viewer>, e: &SyncError) -> Response {
    if matches!(e, SyncError::BackOffice(BackOfficeFailure::NoSession)) {
        return redirect("/");
    }
    html(status_of(e), pages::error(v, &e.to_string()))
}

/// An error as a JSON body.
fn json_error(e: &SyncError) -> Response {
    secure_headers(
        (
            status_of(e),
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "code": e.code(), "message": e.to_string() }).to_string(),
        )
            .into_response(),
    )
}

fn json_ok(v: &serde_json::Value) -> Response {
    secure_headers(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response(),
    )
}

fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
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

fn cookie_session(headers: &HeaderMap) -> Option<String> {
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

fn secure_cookie(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    !auth::is_loopback_host(host)
}

async fn viewer_of<S: Storage>(app: &Arc<App<S>>, headers: &HeaderMap) -> Result<Viewer> {
    let id = cookie_session(headers).ok_or(BackOfficeFailure::NoSession)?;
    let server = app.server.clone();
    blocking(move || service::viewer(&server, &id, Utc::now())).await
}

/// Same origin: a browser's `Origin` (when sent) must name this host.
fn same_origin(headers: &HeaderMap) -> bool {
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
async fn viewer_for_change<S: Storage>(
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

/// Query parameters of the pages.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    day: Option<String>,
    store: Option<String>,
    by: Option<String>,
    till: Option<String>,
    id: Option<String>,
}

impl PageQuery {
    fn day(&self) -> Result<NaiveDate> {
        match self.day.as_deref().filter(|d| !d.is_empty()) {
            None => Ok(paris_today(Utc::now())),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| SyncError::Invalid {
                message: "back-office request",
                rule: "day is YYYY-MM-DD",
            }),
        }
    }

    fn store(&self) -> Option<String> {
        self.store.clone().filter(|s| !s.is_empty())
    }
}

async fn css() -> Response {
    secure_headers(
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            assets::CSS,
        )
            .into_response(),
    )
}

async fn js() -> Response {
    secure_headers(
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            assets::JS,
        )
            .into_response(),
    )
}

async fn login_page() -> Response {
    html(StatusCode::OK, pages::login(None))
}

async fn home<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(SyncError::BackOffice(BackOfficeFailure::NoSession)) => {
            return html(StatusCode::OK, pages::login(None));
        }
        Err(e) => return page_error(None, &e),
    };
    let run = async {
        let day = q.day()?;
        let store = q.store();
        let server = app.server.clone();
        let (vv, threshold) = (v.clone(), app.config.stock_threshold);
        let (d, alerts, orders) = blocking(move || {
            Ok((
                service::dashboard(&server, &vv, store.as_deref(), day)?,
                service::stock_alerts(&server, &vv, threshold)?,
                service::order_queue(&server, &vv)?,
            ))
        })
        .await?;
        Ok::<_, SyncError>(pages::dashboard(
            &v,
            &d,
            q.store().as_deref(),
            &alerts,
            &orders,
        ))
    };
    match run.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => page_error(Some(&v), &e),
    }
}

/// The sign-in form.
#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

async fn login<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
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
        service::login(&server, &f.username, &f.password, &sid, &token, Utc::now())
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
                SyncError::BackOffice(BackOfficeFailure::Throttled {
                    retry_after_seconds,
                }) => {
                    format!("Trop d'essais : réessayez dans {retry_after_seconds} s.")
                }
                SyncError::BackOffice(BackOfficeFailure::BadCredentials) => {
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
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout<S: Storage>(
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

async fn dashboard_of<S: Storage>(
    app: &Arc<App<S>>,
    v: &Viewer,
    q: &PageQuery,
) -> Result<super::report::Dashboard> {
    let day = q.day()?;
    let store = q.store();
    let (server, vv) = (app.server.clone(), v.clone());
    blocking(move || service::dashboard(&server, &vv, store.as_deref(), day)).await
}

fn live_json(d: &super::report::Dashboard, now: DateTime<Utc>) -> serde_json::Value {
    use super::html::eur;
    serde_json::json!({
        "day": d.day.format("%Y-%m-%d").to_string(),
        "total": eur(d.total),
        "total_cents": d.total,
        "tickets": d.tickets,
        "previous_week_total": eur(d.previous_week_total),
        "closures_total": eur(d.closures_total),
        "closures_total_cents": d.closures_total,
        "latest": d.latest.iter().map(|t| serde_json::json!({
            "time": t.local.format("%H:%M:%S").to_string(),
            "store": t.store, "till": t.till, "doc": t.doc, "total": eur(t.total),
        })).collect::<Vec<_>>(),
        "charts": pages::charts(d),
        "at": now.checked_add_signed(chrono::Duration::minutes(i64::from(paris_offset_min(now))))
            .unwrap_or(now).format("%H:%M:%S").to_string(),
    })
}

async fn api_dashboard<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        let d = dashboard_of(&app, &v, &q).await?;
        let mut j =
            serde_json::to_value(&d).map_err(|_| SyncError::Corrupt { what: "dashboard" })?;
        if let Some(o) = j.as_object_mut() {
            o.insert("total_fr".into(), super::html::eur(d.total).into());
        }
        Ok::<_, SyncError>(j)
    };
    match run.await {
        Ok(j) => json_ok(&j),
        Err(e) => json_error(&e),
    }
}

async fn live<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return json_error(&e),
    };
    if let Some(s) = q.store()
        && let Err(e) = v.check_store(&s)
    {
        return json_error(&e);
    }
    let poll = app.config.live_poll;
    let state = (app, v, q, String::new(), true);
    let stream = futures_util::stream::unfold(state, move |(app, v, q, last, first)| async move {
        loop {
            if !first {
                tokio::time::sleep(poll).await;
            }
            let (server, vv) = (app.server.clone(), v.clone());
            let fp = blocking(move || service::fingerprint(&server, &vv)).await;
            let Ok(fp) = fp else {
                // Session or storage trouble: end the feed (the browser retries).
                return None;
            };
            if fp == last && !first {
                continue;
            }
            let Ok(d) = dashboard_of(&app, &v, &q).await else {
                return None;
            };
            let ev = Event::default()
                .event("dashboard")
                .data(live_json(&d, Utc::now()).to_string());
            return Some((
                Ok::<_, std::convert::Infallible>(ev),
                (app, v, q, fp, false),
            ));
        }
    });
    secure_headers(
        Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response(),
    )
}

async fn chart<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    let by = q.by.clone().unwrap_or_else(|| "hour".into());
    if !pages::CHARTS.iter().any(|(k, _)| *k == by) {
        return page_error(Some(&v), &SyncError::NotFound { what: "chart" });
    }
    match dashboard_of(&app, &v, &q).await {
        Ok(d) => html(StatusCode::OK, pages::chart_page(&v, &d, &by)),
        Err(e) => page_error(Some(&v), &e),
    }
}

async fn closures<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    let (server, vv) = (app.server.clone(), v.clone());
    match blocking(move || service::closures(&server, &vv)).await {
        Ok(list) => html(StatusCode::OK, pages::closures(&v, &list)),
        Err(e) => page_error(Some(&v), &e),
    }
}

async fn journal<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    let (server, vv) = (app.server.clone(), v.clone());
    match blocking(move || service::journal_status(&server, &vv)).await {
        Ok(list) => html(StatusCode::OK, pages::journal(&v, &list)),
        Err(e) => page_error(Some(&v), &e),
    }
}

async fn downloads<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    let day = match q.day() {
        Ok(d) => d.format("%Y-%m-%d").to_string(),
        Err(e) => return page_error(Some(&v), &e),
    };
    let (server, vv) = (app.server.clone(), v.clone());
    match blocking(move || service::tills(&server, &vv)).await {
        Ok(t) => html(StatusCode::OK, pages::downloads(&v, &t, &day)),
        Err(e) => page_error(Some(&v), &e),
    }
}

async fn download_fec<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        let till = q.till.clone().unwrap_or_default();
        let server = app.server.clone();
        blocking(move || service::fec(&server, &v, &till)).await
    };
    match run.await {
        Ok((name, bytes)) => download("text/plain; charset=iso-8859-15", &name, bytes),
        Err(e) => page_error(None, &e),
    }
}

async fn download_journal<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        let till = q.till.clone().unwrap_or_default();
        let server = app.server.clone();
        let t = till.clone();
        Ok::<_, SyncError>((
            till,
            blocking(move || service::journal_jsonl(&server, &v, &t)).await?,
        ))
    };
    match run.await {
        Ok((till, bytes)) => download(
            "application/x-ndjson",
            &format!("journal-{till}.jsonl"),
            bytes,
        ),
        Err(e) => page_error(None, &e),
    }
}

async fn download_sales<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        let d = dashboard_of(&app, &v, &q).await?;
        Ok::<_, SyncError>(d)
    };
    match run.await {
        Ok(d) => {
            let name = format!("ventes-{}.csv", d.day.format("%Y-%m-%d"));
            download(
                "text/csv; charset=utf-8",
                &name,
                service::sales_csv(&d).into_bytes(),
            )
        }
        Err(e) => page_error(None, &e),
    }
}

async fn customers<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
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

async fn customer_lookup(Query(q): Query<PageQuery>) -> Response {
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
fn pct(s: &str) -> String {
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
async fn customer_data<S: Storage>(
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

async fn customer<S: Storage>(
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

async fn customer_export<S: Storage>(
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

async fn customer_erase<S: Storage>(
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
        Ok::<_, SyncError>((v, erased))
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
                super::html::page(
                    "Effacement",
                    Some((&v.retailer_name, &v.user.username, &v.csrf)),
                    &format!("<p id=\"erased\">{}</p>", super::html::esc(msg)),
                ),
            )
        }
        Err(e) => page_error(None, &e),
    }
}

async fn access_log<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
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

async fn web_export<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    id: std::result::Result<Path<String>, axum::extract::rejection::PathRejection>,
    q: std::result::Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let bad = || {
        json_error(&SyncError::Invalid {
            message: "web request",
            rule: "store and customer id are 1 to 128 characters",
        })
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if app.config.web_token.is_empty() || !auth::same_token(token, &app.config.web_token) {
        return json_error(&SyncError::Auth(
            crate::error::AuthFailure::BadEnrolmentToken,
        ));
    }
    let (Ok(Path(id)), Ok(Query(q))) = (id, q) else {
        return bad();
    };
    let Some(store) = q.store().filter(|s| s.len() <= 128) else {
        return bad();
    };
    if id.is_empty() || id.len() > 128 {
        return bad();
    }
    let server = app.server.clone();
    let r = blocking(move || {
        let now = Utc::now();
        server.with_tx(|tx| {
            let out = rgpd::export(tx, &store, &id, now)?;
            let retailer = tx.bo_store_retailer(&store)?.unwrap_or_default();
            rgpd::log(tx, &retailer, "web-api", &store, &id, "export", now)?;
            Ok(out)
        })
    })
    .await;
    match r {
        Ok(x) => json_ok(&x),
        Err(e) => json_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
