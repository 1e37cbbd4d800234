//! The dashboard, its live feed (Server-Sent Events), charts, closures
//! and journal pages, and the static files.

use super::App;
use super::St;
use super::respond::*;
use super::session::*;
use crate::Storage;
use crate::backoffice::model::BackOfficeFailure;
use crate::backoffice::service::{self, Viewer};
use crate::backoffice::{assets, pages};
use crate::error::{Result, ServerError, SyncError};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// Query parameters of the pages.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PageQuery {
    pub(super) day: Option<String>,
    pub(super) store: Option<String>,
    pub(super) by: Option<String>,
    pub(super) till: Option<String>,
    pub(super) id: Option<String>,
}

impl PageQuery {
    pub(super) fn day(&self) -> Result<NaiveDate> {
        match self.day.as_deref().filter(|d| !d.is_empty()) {
            None => Ok(super::paris_today(Utc::now())),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ServerError::from(SyncError::Invalid {
                    message: "back-office request",
                    rule: "day is YYYY-MM-DD",
                })
            }),
        }
    }

    pub(super) fn store(&self) -> Option<String> {
        self.store.clone().filter(|s| !s.is_empty())
    }
}

pub(super) async fn css() -> Response {
    secure_headers(
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            assets::CSS,
        )
            .into_response(),
    )
}

pub(super) async fn js() -> Response {
    secure_headers(
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            assets::JS,
        )
            .into_response(),
    )
}

pub(super) async fn home<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(ServerError::BackOffice(BackOfficeFailure::NoSession)) => {
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
        Ok::<_, ServerError>(pages::dashboard(
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

pub(super) async fn dashboard_of<S: Storage>(
    app: &Arc<App<S>>,
    v: &Viewer,
    q: &PageQuery,
) -> Result<crate::backoffice::report::Dashboard> {
    let day = q.day()?;
    let store = q.store();
    let (server, vv) = (app.server.clone(), v.clone());
    blocking(move || service::dashboard(&server, &vv, store.as_deref(), day)).await
}

pub(super) fn live_json(
    d: &crate::backoffice::report::Dashboard,
    now: DateTime<Utc>,
) -> serde_json::Value {
    use crate::backoffice::html::eur;
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
        "at": now.checked_add_signed(chrono::Duration::minutes(i64::from(super::paris_offset_min(now))))
            .unwrap_or(now).format("%H:%M:%S").to_string(),
    })
}

pub(super) async fn api_dashboard<S: Storage>(
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
            o.insert(
                "total_fr".into(),
                crate::backoffice::html::eur(d.total).into(),
            );
        }
        Ok::<_, ServerError>(j)
    };
    match run.await {
        Ok(j) => json_ok(&j),
        Err(e) => json_error(&e),
    }
}

pub(super) async fn live<S: Storage>(
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
    // Subscribe before the first read: a push committing in between wakes
    // the feed instead of being missed.
    let wake = match app.config.live_poll {
        Some(every) => Wake::Poll(every),
        None => match app.server.storage().live_feed() {
            Some(feed) => Wake::Notified(feed.subscribe(&v.stores), app.config.live_fallback),
            None => Wake::Poll(app.config.live_fallback.min(LEGACY_POLL)),
        },
    };
    let state = (app, v, q, String::new(), true, wake);
    let stream = futures_util::stream::unfold(
        state,
        move |(app, v, q, last, first, mut wake)| async move {
            loop {
                if !first {
                    wake.wait().await;
                }
                // The cursor: the feed reads the dashboard only when its
                // retailer's stores hold new events or fiscal records.
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
                    (app, v, q, fp, false, wake),
                ));
            }
        },
    );
    secure_headers(
        Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response(),
    )
}

/// The polling interval of a storage that cannot notify.
const LEGACY_POLL: std::time::Duration = std::time::Duration::from_millis(700);

/// What makes a live feed read again.
enum Wake {
    /// A push of one of the viewer's stores committed, or the fallback
    /// interval passed without one.
    Notified(crate::notify::Subscription, std::time::Duration),
    /// Every interval.
    Poll(std::time::Duration),
}

impl Wake {
    async fn wait(&mut self) {
        match self {
            Wake::Notified(sub, fallback) => {
                let fallback = *fallback;
                match tokio::time::timeout(fallback, sub.changed()).await {
                    Ok(true) | Err(_) => {}
                    // The storage is gone: keep the slow timer only.
                    Ok(false) => *self = Wake::Poll(fallback),
                }
            }
            Wake::Poll(every) => tokio::time::sleep(*every).await,
        }
    }
}

pub(super) async fn chart<S: Storage>(
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
        return page_error(
            Some(&v),
            &ServerError::from(SyncError::NotFound { what: "chart" }),
        );
    }
    match dashboard_of(&app, &v, &q).await {
        Ok(d) => html(StatusCode::OK, pages::chart_page(&v, &d, &by)),
        Err(e) => page_error(Some(&v), &e),
    }
}

pub(super) async fn closures<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
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

pub(super) async fn refund_flags<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    let (server, vv) = (app.server.clone(), v.clone());
    match blocking(move || service::refund_flags(&server, &vv)).await {
        Ok(list) => html(StatusCode::OK, pages::refund_flags(&v, &list)),
        Err(e) => page_error(Some(&v), &e),
    }
}

pub(super) async fn journal<S: Storage>(State(app): St<S>, headers: HeaderMap) -> Response {
    let v = match viewer_of(&app, &headers).await {
        Ok(v) => v,
        Err(e) => return page_error(None, &e),
    };
    let (server, vv, jobs) = (app.server.clone(), v.clone(), Arc::clone(&app.jobs));
    match blocking(move || service::journal_status(&server, &vv, &jobs)).await {
        Ok(list) => html(StatusCode::OK, pages::journal(&v, &list)),
        Err(e) => page_error(Some(&v), &e),
    }
}
