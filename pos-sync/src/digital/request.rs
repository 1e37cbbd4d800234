//! The till's side of "send this receipt", sans I/O: a signed request
//! (HMAC like the sync requests) and the decoding of the answer. Apps send
//! the request with their own HTTP stack; [`send_receipt`] does it over a
//! [`Transport`].

use super::DigitalFailure;
use crate::client::{Credentials, server_error, signed};
use crate::error::{Result, SyncError};
use crate::transport::{HttpRequest, HttpResponse, Transport};
use pos_core::customer::Channel;
use serde::{Deserialize, Serialize};

/// The path of the send endpoint.
pub const SEND_PATH: &str = "/v1/receipts/send";

/// Largest send request body the server reads.
pub const MAX_SEND_BODY: usize = 4096;

/// Asks the server to send a ticket's receipt on a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendReceiptRequest {
    /// The ticket id (as in the sale event).
    pub ticket_id: String,
    /// `email_receipt` or `sms_receipt`.
    pub channel: Channel,
}

/// What happened to a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendStatus {
    /// Handed to the mail server or SMS provider now.
    Sent,
    /// It had already been sent: nothing was sent again.
    AlreadySent,
}

/// The server's answer to a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendReceiptResponse {
    /// The ticket.
    pub ticket_id: String,
    /// The channel.
    pub channel: Channel,
    /// Sent now or already sent.
    pub status: SendStatus,
    /// Delivery attempts so far (failed ones included).
    pub attempts: u32,
}

/// Whether a channel carries receipts (not marketing).
pub fn check_receipt_channel(channel: Channel) -> Result<()> {
    match channel {
        Channel::EmailReceipt | Channel::SmsReceipt => Ok(()),
        other => Err(DigitalFailure::WrongChannel {
            channel: other.as_str(),
            purpose: "receipts",
        }
        .into()),
    }
}

/// The signed request asking to send `ticket_id`'s receipt on `channel`.
pub fn send_request(
    creds: &Credentials,
    ticket_id: &str,
    channel: Channel,
    now_ms: i64,
) -> Result<HttpRequest> {
    check_receipt_channel(channel)?;
    let body = crate::wire::encode(&SendReceiptRequest {
        ticket_id: ticket_id.to_owned(),
        channel,
    })?;
    Ok(signed(creds, "POST", SEND_PATH, body, now_ms))
}

/// Decodes a send request body (server side).
pub fn decode_send_request(body: &[u8]) -> Result<SendReceiptRequest> {
    if body.len() > MAX_SEND_BODY {
        return Err(SyncError::TooLarge {
            size: body.len(),
            limit: MAX_SEND_BODY,
        });
    }
    let req: SendReceiptRequest =
        serde_json::from_slice(body).map_err(|source| SyncError::Decode {
            message: "receipt send request",
            source,
        })?;
    if req.ticket_id.is_empty() || req.ticket_id.len() > super::token::MAX_TOKEN_LEN {
        return Err(SyncError::Invalid {
            message: "receipt send request",
            rule: "a ticket id has 1 to 200 bytes",
        });
    }
    check_receipt_channel(req.channel)?;
    Ok(req)
}

/// Reads the server's answer: the outcome, or the server's error (its code
/// in [`SyncError::Server`], e.g. `consent_refused`).
pub fn read_send_response(resp: &HttpResponse) -> Result<SendReceiptResponse> {
    if resp.status != 200 {
        return Err(server_error(resp));
    }
    serde_json::from_slice(&resp.body).map_err(|source| SyncError::Decode {
        message: "receipt send response",
        source,
    })
}

/// Sends the request over `transport` and reads the answer. After a
/// transport failure (outcome unknown) calling it again is safe: the server
/// sends at most once per ticket and channel.
pub fn send_receipt(
    transport: &mut dyn Transport,
    creds: &Credentials,
    ticket_id: &str,
    channel: Channel,
    now_ms: i64,
) -> Result<SendReceiptResponse> {
    let req = send_request(creds, ticket_id, channel, now_ms)?;
    read_send_response(&transport.send(&req)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            device: "T1".into(),
            secret: b"0123456789abcdef0123456789abcdef".to_vec(),
        }
    }

    #[test]
    fn request_is_signed_and_round_trips() {
        let req = send_request(&creds(), "tk-1", Channel::EmailReceipt, 1_700_000_000_000).unwrap();
        assert_eq!((req.method, req.path.as_str()), ("POST", SEND_PATH));
        assert_eq!(req.header(crate::auth::HEADER_DEVICE), Some("T1"));
        let sig = req.header(crate::auth::HEADER_SIGNATURE).unwrap();
        crate::auth::verify(
            &creds().secret,
            "POST",
            SEND_PATH,
            1_700_000_000_000,
            &req.body,
            sig,
            1_700_000_000_000,
        )
        .unwrap();
        let back = decode_send_request(&req.body).unwrap();
        assert_eq!(back.ticket_id, "tk-1");
        assert_eq!(back.channel, Channel::EmailReceipt);
    }

    #[test]
    fn marketing_channels_and_bad_bodies_are_refused() {
        let e = send_request(&creds(), "tk", Channel::MarketingEmail, 0).unwrap_err();
        assert_eq!(e.code(), "wrong_channel");
        let e = decode_send_request(br#"{"ticket_id":"t","channel":"marketing_sms"}"#).unwrap_err();
        assert_eq!(e.code(), "wrong_channel");
        assert!(decode_send_request(br#"{"ticket_id":"","channel":"sms_receipt"}"#).is_err());
        assert!(decode_send_request(br#"{"ticket_id":"t","channel":"fax"}"#).is_err());
        assert!(decode_send_request(&vec![b' '; 5000]).is_err());
    }

    #[test]
    fn responses() {
        let ok = HttpResponse::new(
            200,
            br#"{"ticket_id":"t","channel":"sms_receipt","status":"already_sent","attempts":1}"#
                .to_vec(),
        );
        assert_eq!(
            read_send_response(&ok).unwrap().status,
            SendStatus::AlreadySent
        );
        let refused =
            HttpResponse::new(403, br#"{"code":"consent_refused","message":"m"}"#.to_vec());
        match read_send_response(&refused).unwrap_err() {
            SyncError::Server { status, code } => {
                assert_eq!((status, code.as_str()), (403, "consent_refused"))
            }
            e => panic!("{e}"),
        }
    }
}
