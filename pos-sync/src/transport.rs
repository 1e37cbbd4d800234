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
}

/// Sends a request and returns the response. A failure means the outcome
/// is unknown: the request may or may not have been applied, and sending
/// it again is safe.
pub trait Transport {
    /// Sends one request.
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse>;
}
