//! Downloads: FEC, signed journal (JSON lines), the day's sales (CSV).

use super::St;
use super::dashboard::*;
use super::respond::*;
use super::session::*;
use crate::Storage;
use crate::backoffice::pages;
use crate::backoffice::service::{self};
use crate::error::ServerError;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

pub(super) async fn downloads<S: Storage>(
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

pub(super) async fn download_fec<S: Storage>(
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

pub(super) async fn download_journal<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        let till = q.till.clone().unwrap_or_default();
        let server = app.server.clone();
        let t = till.clone();
        Ok::<_, ServerError>((
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

pub(super) async fn download_sales<S: Storage>(
    State(app): St<S>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let run = async {
        let v = viewer_of(&app, &headers).await?;
        let d = dashboard_of(&app, &v, &q).await?;
        Ok::<_, ServerError>(d)
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
