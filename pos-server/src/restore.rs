//! Restoring a till whose disk died (issue 17): the same register, on a new
//! tablet, from what the server holds.
//!
//! [`Server::restore_enroll`] re-enrols the device itself (not a new one):
//! the single-use enrolment code must name it in `replaces`, so only the
//! retailer owning its store can authorise it; the device's HMAC secret is
//! rotated (the lost tablet, if it turns up, can no longer push) and the new
//! tablet's public key is registered as the key that signs the register's
//! records from the next E number on (the old key was lost with the disk;
//! the till logs the takeover as a JET 310 signed by the new key, which this
//! registration is what makes trusted). [`Server::restore_page`] then hands
//! back, to the device's own signed request only, its journal copy page by
//! page with the event sequence the server acknowledged.

use super::fiscal;
use super::store::{Device, DeviceKey, Storage};
use super::{Server, credentials};
use crate::error::{AuthFailure, Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use crate::wire::{self, EnrollResponse};
use chrono::{DateTime, Utc};
use pos_fiscal::{PublicKey, Series};
use pos_sync::restore::{RestoreResponse, decode_restore_request};

fn invalid(rule: &'static str) -> ServerError {
    ServerError::from(SyncError::Invalid {
        message: "restore request",
        rule,
    })
}

impl<S: Storage> Server<S> {
    /// Re-enrols the device a lost till was (`{store}/{register}` of the
    /// request, which the code must name in `replaces`) with the new
    /// tablet's public key and a new `secret`. The code is consumed in the
    /// same transaction; nothing is written when it is refused.
    pub fn restore_enroll(
        &self,
        code: &str,
        body: &[u8],
        secret: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<EnrollResponse> {
        let req = wire::decode_enroll_request(body)?;
        if req.device.contains('/') {
            return Err(invalid("a register id holds no `/`"));
        }
        let id = Device::id_for(&req.store, &req.device);
        // A restore re-enrols the very device it replaces; anything else
        // is not what a restore code authorises.
        if req.replaces.as_deref() != Some(id.as_str()) {
            return Err(AuthFailure::ReplacesNotAuthorised.into());
        }
        let key = hex::decode(&req.public_key)
            .ok()
            .and_then(|b| PublicKey::from_sec1(&b).ok())
            .ok_or(invalid("the public key is a SEC1 P-256 key, hex"))?;
        self.with_tx(|tx| {
            credentials::consume_code(
                tx,
                code,
                &req.store,
                Some(&id),
                &id,
                now.timestamp_millis(),
            )?;
            let dev = tx.device(&id)?.ok_or(SyncError::NotFound {
                what: "replaced device",
            })?;
            if dev.store != req.store || dev.replaced_by.is_some() {
                return Err(AuthFailure::ReplacesNotAuthorised.into());
            }
            let before = super::handler::device_status(tx, &dev.id, None)?;
            let keys = fiscal::registered_keys(tx, &dev)?;
            if keys.iter().any(|k| k.key_id == key.key_id()) {
                return Err(invalid("a restored till signs with a new key"));
            }
            let next_e = before
                .fiscal_heads
                .get(&Series::E)
                .copied()
                .unwrap_or(0)
                .checked_add(1)
                .ok_or(SyncError::Overflow {
                    what: "fiscal number",
                })?;
            tx.add_device_key(
                &id,
                &DeviceKey {
                    since: next_e,
                    key_id: key.key_id(),
                    public_key: hex::encode(key.sec1()),
                },
            )?;
            tx.set_device_secret(&id, &secret)?;
            Ok(EnrollResponse {
                device: id.clone(),
                secret: hex::encode(&secret),
                replaced: Some(before),
            })
        })
    }

    /// One page of `device`'s journal copy: the records accepted after
    /// position `after`, at most `limit`, with its keys, heads and
    /// acknowledged event sequence.
    pub fn restore_page(&self, device: &str, after: u64, limit: u32) -> Result<RestoreResponse> {
        let after_i = i64::try_from(after).map_err(|_| invalid("after is below 2^63"))?;
        let mut page = self.storage().journal_reader()?.records_after(
            device,
            after_i,
            limit.saturating_add(1),
        )?;
        let more = page.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        page.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = match page.last() {
            Some((at, _)) => u64::try_from(*at).map_err(|_| SyncError::Corrupt {
                what: "journal position",
            })?,
            None => after,
        };
        self.with_tx(|tx| {
            let dev = tx
                .device(device)?
                .ok_or(SyncError::NotFound { what: "device" })?;
            let status = super::handler::device_status(tx, &dev.id, None)?;
            let anchor = super::handler::server_anchor(tx, &dev)?;
            Ok(RestoreResponse {
                device: dev.id.clone(),
                records: page.iter().map(|(_, r)| r.clone()).collect(),
                next,
                more,
                public_keys: anchor.public_keys,
                heads: anchor.heads,
                acked_seq: status.acked_seq,
                last_push: status.last_push,
            })
        })
    }

    /// `POST /v1/restore/enroll`: [`Server::restore_enroll`] with the
    /// enrolment code header and a fresh random secret.
    pub(crate) fn restore_enroll_route(
        &self,
        req: &HttpRequest,
        now: DateTime<Utc>,
    ) -> Result<HttpResponse> {
        let code = req
            .header(crate::auth::HEADER_ENROLMENT_CODE)
            .filter(|c| !c.is_empty() && c.len() <= 256)
            .ok_or(AuthFailure::MissingHeader {
                header: crate::auth::HEADER_ENROLMENT_CODE,
            })?;
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut secret);
        let resp = self.restore_enroll(code, &req.body, secret.to_vec(), now)?;
        Ok(super::handler::json_response(200, &resp))
    }

    /// `POST /v1/restore`: a page of the asking device's own journal copy
    /// (signed with its secret: no device reads another's).
    pub(crate) fn restore_route(
        &self,
        req: &HttpRequest,
        now: DateTime<Utc>,
    ) -> Result<HttpResponse> {
        let body = decode_restore_request(&req.body)?;
        let dev = self.device_for(req, now)?;
        let page = self.restore_page(&dev.id, body.after, body.limit)?;
        Ok(super::handler::json_response(200, &page))
    }
}
