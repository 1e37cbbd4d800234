//! Requests and responses as plain values, and the [`Transport`] that
//! carries them. The protocol core only builds and reads these; apps bring
//! their own HTTP stack (URLSession, OkHttp, fetch) or use [`crate::http`].

use crate::error::Result;

/// An HTTP request the protocol wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path on the server, e.g. `/v1/push`.
    pub path: String,
    /// Headers (lowercase names).
    pub headers: Vec<(String, String)>,
    /// Body bytes (JSON).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes (JSON).
    pub body: Vec<u8>,
    /// Headers the protocol reads (lowercase names), such as `retry-after`
    /// on a 503; usually empty.
    pub headers: Vec<(String, String)>,
}

/// The header a server sets on a 503: whole seconds to wait.
pub const HEADER_RETRY_AFTER: &str = "retry-after";

impl HttpResponse {
    /// A response without headers.
    pub fn new(status: u16, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Retry-After` delay in whole seconds, when the server gave one
    /// (the HTTP-date form is not used by this protocol and reads as none).
    pub fn retry_after_s(&self) -> Option<u64> {
        self.header(HEADER_RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
    }
}

/// Sends a request and returns the response. A failure means the outcome
/// is unknown: the request may or may not have been applied, and sending
/// it again is safe.
pub trait Transport {
    /// Sends one request.
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse>;
}
