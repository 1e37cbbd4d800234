//! The server core: authenticates a request, runs it in one storage
//! transaction and returns the response. It does no network I/O itself, so
//! the HTTP front ([`super::http`]), tests and in-process demos all call
//! [`Server::handle`].

use super::apply::apply_event;
use super::store::{Device, Storage, Tx};
use super::{credentials, fiscal, web};
use crate::auth;
use crate::error::{AuthFailure, Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use crate::wire::{
    self, ChangeKind, DeviceStatus, EnrollResponse, ErrorBody, HeadEntry, PullResponse,
    PushResponse, RegisteredKey, Rejection, ServerAnchor, paths,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The sync server over a storage back end.
pub struct Server<S: Storage> {
    storage: Arc<S>,
    webhook_secret: Option<Vec<u8>>,
    metrics: Arc<crate::metrics::Registry>,
    metrics_token: Option<Arc<str>>,
}

/// Tokens and secrets stay out of logs.
impl<S: Storage> std::fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("webhook_signatures", &self.webhook_secret.is_some())
            .field("metrics_token", &self.metrics_token.is_some())
            .finish_non_exhaustive()
    }
}

impl<S: Storage> Clone for Server<S> {
    fn clone(&self) -> Self {
        Server {
            storage: Arc::clone(&self.storage),
            webhook_secret: self.webhook_secret.clone(),
            metrics: Arc::clone(&self.metrics),
            metrics_token: self.metrics_token.clone(),
        }
    }
}

pub(crate) fn json_response<T: serde::Serialize>(status: u16, v: &T) -> HttpResponse {
    HttpResponse::new(status, serde_json::to_vec(v).unwrap_or_default())
}

/// The error body and status of an error; a 503 (the database is
/// unavailable) says in `Retry-After` when to try again.
pub fn error_response(e: &ServerError) -> HttpResponse {
    let mut resp = json_response(
        e.http_status(),
        &ErrorBody {
            code: e.code().to_owned(),
            message: e.to_string(),
        },
    );
    if let Some(s) = e.retry_after_s() {
        resp.headers.push((
            crate::transport::HEADER_RETRY_AFTER.to_owned(),
            s.to_string(),
        ));
    }
    resp
}

impl<S: Storage> Server<S> {
    /// A server over `storage`. Tills enrol with single-use codes and the
    /// web shop calls with keys, both issued per retailer
    /// ([`Server::enrolment_code`], [`Server::web_key`]); there is no
    /// server-wide secret.
    pub fn new(storage: S) -> Server<S> {
        Server {
            storage: Arc::new(storage),
            webhook_secret: None,
            metrics: Arc::default(),
            metrics_token: None,
        }
    }

    /// Serves `/metrics` to callers presenting `token` as a bearer token
    /// (without a token the route does not exist).
    pub fn with_metrics_token(mut self, token: &str) -> Server<S> {
        self.metrics_token = Some(Arc::from(token));
        self
    }

    /// The operator token of `/metrics`, if one is configured.
    pub fn metrics_token(&self) -> Option<&str> {
        self.metrics_token.as_deref()
    }

    /// The operations counters (shared by every clone of this server).
    pub fn metrics(&self) -> &crate::metrics::Registry {
        &self.metrics
    }

    /// Issues a single-use enrolment code for a store of a retailer (and,
    /// with `replaces`, for replacing that till of the store), valid for
    /// `ttl_ms`. The code is returned once; only its digest is kept.
    pub fn enrolment_code(
        &self,
        retailer: &str,
        store: &str,
        replaces: Option<&str>,
        ttl_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<(credentials::Fresh, credentials::EnrolmentCode)> {
        let fresh = credentials::fresh(credentials::CODE_PREFIX);
        let req = credentials::CodeRequest {
            retailer: retailer.to_owned(),
            store: store.to_owned(),
            replaces: replaces.map(str::to_owned),
            ttl_ms,
        };
        let code =
            self.with_tx(|tx| credentials::issue_code(tx, &fresh, &req, now.timestamp_millis()))?;
        Ok((fresh, code))
    }

    /// Issues a web-shop API key for `stores` of a retailer (empty: every
    /// store of the retailer). The key is returned once.
    pub fn web_key(
        &self,
        retailer: &str,
        stores: &[String],
        now: DateTime<Utc>,
    ) -> Result<(credentials::Fresh, credentials::WebKey)> {
        let fresh = credentials::fresh(credentials::KEY_PREFIX);
        let key = self.with_tx(|tx| {
            credentials::issue_web_key(tx, &fresh, retailer, stores, now.timestamp_millis())
        })?;
        Ok((fresh, key))
    }

    /// The scope of a web-shop bearer key (401 when unknown or revoked).
    pub fn web_scope(&self, bearer: &str) -> Result<credentials::WebScope> {
        self.with_tx(|tx| credentials::web_scope(tx, bearer))
    }

    /// Requires incoming stock webhooks (`POST /v1/web/stock`) to be signed
    /// with `secret` (see [`super::webhooks`]), on top of the bearer token.
    pub fn with_webhook_secret(mut self, secret: &[u8]) -> Server<S> {
        self.webhook_secret = Some(secret.to_vec());
        self
    }

    /// Checks an incoming webhook's signature, window and replay (when a
    /// webhook secret is set).
    pub(super) fn check_webhook(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<()> {
        let Some(secret) = &self.webhook_secret else {
            return Ok(());
        };
        super::webhooks::verify(secret, req, now.timestamp_millis())?;
        // Keyed on the decoded bytes: the same signature spelled in other
        // hex (upper case) is the same signature.
        let sig = req
            .header(super::webhooks::HEADER_SIGNATURE)
            .and_then(|s| hex::decode(s).ok())
            .ok_or(AuthFailure::MissingHeader {
                header: super::webhooks::HEADER_SIGNATURE,
            })?;
        let key = format!("webhook:{}", hex::encode(sig));
        if !self.with_tx(|tx| tx.remember_signature(&key, now.timestamp_millis()))? {
            return Err(AuthFailure::Replayed.into());
        }
        Ok(())
    }

    /// The storage (for audits and tests).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Runs `f` in one transaction and returns its value.
    pub fn with_tx<R>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<R>) -> Result<R> {
        let mut out = None;
        self.storage.transact(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or(ServerError::from(SyncError::Corrupt {
            what: "transaction result",
        }))
    }

    /// Handles one request at server time `now`.
    pub fn handle(&self, req: &HttpRequest, now: DateTime<Utc>) -> HttpResponse {
        let path = req.path.split('?').next().unwrap_or("");
        let r = match (req.method, path) {
            ("GET", "/openapi.json") => {
                Ok(HttpResponse::new(200, super::OPENAPI.as_bytes().to_vec()))
            }
            ("POST", paths::ENROLL) => self.enroll(req, now),
            ("POST", paths::PUSH) => self.push(req, now),
            ("POST", paths::PULL) => self.pull(req, now),
            ("POST", paths::STATUS) => self.status(req, now),
            ("POST", paths::ANCHOR) => self.anchor(req, now),
            ("POST", pos_sync::restore::paths::RESTORE_ENROLL) => {
                self.restore_enroll_route(req, now)
            }
            ("POST", pos_sync::restore::paths::RESTORE) => self.restore_route(req, now),
            ("POST", pos_sync::archive::paths::ARCHIVE) => self.archive_route(req, now),
            (_, p) if p.starts_with("/v1/web/") => self.web(req, path, now),
            (_, p) if p.starts_with("/v1/refunds/") => self.refunds_route(req, path, now),
            (_, p) if p.starts_with("/v1/retail/") => self.retail_route(req, path, now),
            _ => Err(ServerError::from(SyncError::NotFound { what: "route" })),
        };
        r.unwrap_or_else(|e| error_response(&e))
    }

    /// Enrols a device (or a replacement for a lost one) with a
    /// single-use enrolment `code` and returns its id and secret. The code
    /// must be valid, for the request's store, and name the replaced till
    /// exactly when the request replaces one; it is consumed in the same
    /// transaction, and nothing is written when it is refused.
    pub fn enroll_device(
        &self,
        code: &str,
        body: &[u8],
        secret: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<EnrollResponse> {
        let req = wire::decode_enroll_request(body)?;
        if req.device.contains('/') {
            return Err(ServerError::from(SyncError::Invalid {
                message: "enrolment request",
                rule: "a register id holds no `/`",
            }));
        }
        let id = Device::id_for(&req.store, &req.device);
        self.with_tx(|tx| {
            credentials::consume_code(
                tx,
                code,
                &req.store,
                req.replaces.as_deref(),
                &id,
                now.timestamp_millis(),
            )?;
            if tx.device(&id)?.is_some() {
                return Err(ServerError::from(SyncError::Invalid {
                    message: "enrolment request",
                    rule: "a device id is enrolled once",
                }));
            }
            let mut replaced = None;
            if let Some(old) = &req.replaces {
                // The code named this till of this store (checked above).
                let od = tx.device(old)?.ok_or(SyncError::NotFound {
                    what: "replaced device",
                })?;
                if od.store != req.store || od.replaced_by.is_some() {
                    return Err(AuthFailure::ReplacesNotAuthorised.into());
                }
                tx.retire_device(old, &id)?;
                replaced = Some(device_status(tx, old, None)?);
            }
            tx.insert_device(&Device {
                id: id.clone(),
                store: req.store.clone(),
                register: req.device.clone(),
                location: req.location.clone(),
                secret: secret.clone(),
                public_key: req.public_key.clone(),
                replaced_by: None,
                genesis: None,
            })?;
            Ok(EnrollResponse {
                device: id.clone(),
                secret: hex::encode(&secret),
                replaced,
            })
        })
    }

    fn enroll(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<HttpResponse> {
        let code = req
            .header(auth::HEADER_ENROLMENT_CODE)
            .filter(|c| !c.is_empty() && c.len() <= 256)
            .ok_or(AuthFailure::MissingHeader {
                header: auth::HEADER_ENROLMENT_CODE,
            })?;
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut secret);
        let resp = self.enroll_device(code, &req.body, secret.to_vec(), now)?;
        Ok(json_response(200, &resp))
    }

    /// Checks the signature, the clock window and replay; returns the device.
    fn authenticate(
        &self,
        tx: &mut dyn Tx,
        req: &HttpRequest,
        now: DateTime<Utc>,
    ) -> Result<Device> {
        let h = |name: &'static str| {
            req.header(name)
                .ok_or(SyncError::Auth(AuthFailure::MissingHeader { header: name }))
        };
        let device = h(auth::HEADER_DEVICE)?;
        let ts: i64 =
            h(auth::HEADER_TIMESTAMP)?
                .parse()
                .map_err(|_| AuthFailure::MissingHeader {
                    header: auth::HEADER_TIMESTAMP,
                })?;
        let sig = h(auth::HEADER_SIGNATURE)?;
        let dev = tx.device(device)?.ok_or(AuthFailure::UnknownDevice)?;
        if dev.replaced_by.is_some() {
            return Err(AuthFailure::UnknownDevice.into());
        }
        auth::verify(
            &dev.secret,
            req.method,
            &req.path,
            ts,
            &req.body,
            sig,
            now.timestamp_millis(),
        )?;
        // Keyed on the decoded bytes: the same signature in upper-case hex
        // is the same signature (verify accepted it, so it decodes).
        let raw = hex::decode(sig).map_err(|_| AuthFailure::MissingHeader {
            header: auth::HEADER_SIGNATURE,
        })?;
        if !tx.remember_signature(&hex::encode(raw), now.timestamp_millis())? {
            return Err(AuthFailure::Replayed.into());
        }
        Ok(dev)
    }

    /// Authenticates in its own transaction, so a refused replay is not
    /// rolled back with the request's own failure.
    pub(crate) fn device_for(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<Device> {
        self.with_tx(|tx| self.authenticate(tx, req, now))
    }

    fn push(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<HttpResponse> {
        let body = wire::decode_push_request(&req.body)?;
        let dev0 = self.device_for(req, now)?;
        let mut stored = 0u64;
        let resp = self.with_tx(|tx| {
            stored = 0;
            let mut dev = dev0.clone();
            let mut acked = tx.progress_for_update(&dev.id)?;
            let mut rejections = Vec::new();
            // One look-up for the whole batch (ids of new events only).
            let ids: Vec<&str> = body
                .events
                .iter()
                .filter(|e| e.seq > acked)
                .map(|e| e.event_id.as_str())
                .collect();
            let mut taken = tx.known_event_ids(&ids)?;
            for e in &body.events {
                if e.seq <= acked {
                    match tx.event_id_at(&dev.id, e.seq)? {
                        Some(id) if id == e.event_id => continue,
                        Some(_) => {
                            return Err(ServerError::from(SyncError::SequenceConflict {
                                seq: e.seq,
                            }));
                        }
                        None => {
                            return Err(ServerError::from(SyncError::Corrupt {
                                what: "event log",
                            }));
                        }
                    }
                }
                if Some(e.seq) != acked.checked_add(1) {
                    // A gap: wait for the missing events (acked tells the till).
                    break;
                }
                if !taken.insert(e.event_id.clone()) {
                    return Err(ServerError::from(SyncError::EventIdConflict));
                }
                tx.insert_event(&dev.id, &dev.store, e)?;
                stored = stored.saturating_add(1);
                if let Err(err) = apply_event(tx, &dev, e) {
                    if err.is_storage() {
                        return Err(err);
                    }
                    rejections.push(Rejection {
                        seq: e.seq,
                        code: err.code().to_owned(),
                    });
                }
                acked = e.seq;
            }
            tx.set_progress(&dev.id, acked, now)?;
            let quarantine = fiscal::accept(tx, &mut dev, &body.fiscal)?;
            let heads = tx
                .fiscal_heads(&dev.id)?
                .into_iter()
                .map(|(s, h)| (s, h.number))
                .collect();
            Ok(PushResponse {
                acked_seq: acked,
                fiscal_heads: heads,
                quarantined: quarantine.into_iter().collect(),
                rejections,
            })
        })?;
        let rejected = u64::try_from(resp.rejections.len()).unwrap_or(u64::MAX);
        self.metrics.observe_push(
            stored.saturating_sub(rejected),
            rejected,
            u64::try_from(resp.quarantined.len()).unwrap_or(u64::MAX),
        );
        Ok(json_response(200, &resp))
    }

    fn pull(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<HttpResponse> {
        let body = wire::decode_pull_request(&req.body)?;
        let dev = self.device_for(req, now)?;
        let limit = body.limit.min(5000);
        let resp = self.with_tx(|tx| {
            let mut changes = tx.changes_since(&dev.store, body.cursor, limit.saturating_add(1))?;
            let more = changes.len() > usize::try_from(limit).unwrap_or(usize::MAX);
            changes.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let cursor = changes.last().map_or(body.cursor, |c| c.cursor);
            Ok(PullResponse {
                changes,
                cursor,
                more,
            })
        })?;
        Ok(json_response(200, &resp))
    }

    fn status(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<HttpResponse> {
        let dev = self.device_for(req, now)?;
        let s = self.with_tx(|tx| device_status(tx, &dev.id, None))?;
        Ok(json_response(200, &s))
    }

    fn anchor(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<HttpResponse> {
        let dev = self.device_for(req, now)?;
        let a = self.with_tx(|tx| server_anchor(tx, &dev))?;
        Ok(json_response(200, &a))
    }

    /// The registered keys and mirrored fiscal heads of a device.
    pub fn server_anchor(&self, device: &str) -> Result<ServerAnchor> {
        self.with_tx(|tx| {
            let dev = tx
                .device(device)?
                .ok_or(SyncError::NotFound { what: "device" })?;
            server_anchor(tx, &dev)
        })
    }

    /// A device's sync status as the server sees it.
    pub fn device_status(&self, device: &str) -> Result<DeviceStatus> {
        self.with_tx(|tx| device_status(tx, device, None))
    }

    /// Publishes a new catalog version for a store (server-authoritative):
    /// tills get it at their next pull.
    pub fn publish_catalog(&self, store: &str, version: u64, catalog_json: &str) -> Result<u64> {
        // Tills import it with pos-core: one that would not import is refused here.
        pos_core::catalog::Catalog::from_json(catalog_json).map_err(|_| {
            crate::validate::refuse(
                crate::validate::Field::Catalog,
                "imports as pos-core's catalog",
            )
        })?;
        let doc: serde_json::Value =
            serde_json::from_str(catalog_json).map_err(|source| SyncError::Decode {
                message: "catalog",
                source,
            })?;
        let data = serde_json::json!({ "version": version, "catalog": doc }).to_string();
        self.with_tx(|tx| {
            if let Some((_, v)) = tx.document("catalog", store, "current")? {
                let current: u64 = v.parse().unwrap_or(0);
                if version <= current {
                    return Err(ServerError::from(SyncError::Invalid {
                        message: "catalog",
                        rule: "catalog versions increase",
                    }));
                }
            }
            tx.put_document("catalog", store, "current", &data, &version.to_string())?;
            tx.add_change(
                store,
                ChangeKind::Catalog,
                &version.to_string(),
                None,
                &data,
            )
        })
    }

    /// Stock per (sku, location): the kept level and the sum of every
    /// movement, for audits (they must be equal).
    #[allow(clippy::type_complexity)]
    pub fn stock_audit(
        &self,
        store: &str,
    ) -> Result<(
        BTreeMap<(String, String), (Decimal, Decimal)>,
        BTreeMap<(String, String), Decimal>,
    )> {
        self.with_tx(|tx| Ok((tx.stock_levels(store)?, tx.stock_movement_sums(store)?)))
    }

    /// Receives stock movements from the back office or the web shop.
    pub fn add_stock(
        &self,
        store: &str,
        movements: &[pos_core::stock::StockMovement],
    ) -> Result<usize> {
        self.with_tx(|tx| super::apply::add_stock(tx, store, None, movements))
    }

    /// Creates a web / click & collect order, reserving its stock (its
    /// pickup time checked as RFC 3339 between the years 2000 and 2100).
    pub fn create_order(
        &self,
        store: &str,
        o: &web::WebOrder,
    ) -> Result<super::store::StoredOrder> {
        self.with_tx(|tx| web::create_order(tx, store, o, None))
    }

    /// Creates an order at server time `now` (which bounds its pickup time).
    pub fn create_order_at(
        &self,
        store: &str,
        o: &web::WebOrder,
        now: DateTime<Utc>,
    ) -> Result<super::store::StoredOrder> {
        self.with_tx(|tx| web::create_order(tx, store, o, Some(now)))
    }

    /// Moves an order to a state (state machine checked).
    pub fn set_order_state(&self, store: &str, order: &str, state: &str) -> Result<()> {
        let payload = serde_json::json!({ "order": order, "state": state });
        self.with_tx(|tx| super::apply::apply_order_state(tx, store, None, &payload))
    }

    /// Transfers stock between locations (or to another store), both legs
    /// in one transaction; idempotent by the transfer's id. Returns the
    /// transfer document and whether it was new.
    pub fn transfer_stock(
        &self,
        store: &str,
        t: &super::transfer::Transfer,
        now: DateTime<Utc>,
    ) -> Result<(serde_json::Value, bool)> {
        self.with_tx(|tx| super::transfer::transfer(tx, store, t, now))
    }

    fn web(&self, req: &HttpRequest, path: &str, now: DateTime<Utc>) -> Result<HttpResponse> {
        let key = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let scope = self.web_scope(key)?;
        super::web_api::route(self, &scope, req, path, now)
    }
}

pub(crate) fn device_status(tx: &mut dyn Tx, device: &str, _: Option<()>) -> Result<DeviceStatus> {
    let acked = tx.progress_for_update(device)?;
    Ok(DeviceStatus {
        device: device.to_owned(),
        acked_seq: acked,
        fiscal_heads: tx
            .fiscal_heads(device)?
            .into_iter()
            .map(|(s, h)| (s, h.number))
            .collect(),
        quarantined: tx.quarantine_count(device)?,
        last_push: tx.last_push(device)?,
    })
}

pub(crate) fn server_anchor(tx: &mut dyn Tx, dev: &Device) -> Result<ServerAnchor> {
    Ok(ServerAnchor {
        device: dev.id.clone(),
        public_keys: fiscal::registered_keys(tx, dev)?
            .into_iter()
            .map(|k| RegisteredKey {
                key_id: k.key_id,
                public_key: k.public_key,
                since: k.since,
            })
            .collect(),
        heads: tx
            .fiscal_heads(&dev.id)?
            .into_iter()
            .map(|(s, h)| {
                (
                    s,
                    HeadEntry {
                        last: h.number,
                        hash: h.hash,
                    },
                )
            })
            .collect(),
    })
}
