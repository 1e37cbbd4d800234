//! A blocking HTTP [`Transport`] over ureq, for the CLI and tests.

use crate::error::{Result, SyncError};
use crate::transport::{HttpRequest, HttpResponse, Transport};
use std::io::Read;
use std::time::Duration;

/// Sends protocol requests to a server base URL (`http://host:port`).
#[derive(Debug)]
pub struct UreqTransport {
    base: String,
    agent: ureq::Agent,
}

impl UreqTransport {
    /// A transport with a 30 s timeout.
    pub fn new(base_url: &str) -> UreqTransport {
        UreqTransport {
            base: base_url.trim_end_matches('/').to_owned(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .build(),
        }
    }
}

impl Transport for UreqTransport {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse> {
        let mut r = self
            .agent
            .request(req.method, &format!("{}{}", self.base, req.path));
        for (k, v) in &req.headers {
            r = r.set(k, v);
        }
        let resp = match r.send_bytes(&req.body) {
            Ok(resp) => resp,
            Err(ureq::Error::Status(_, resp)) => resp,
            Err(ureq::Error::Transport(t)) => return Err(transport_failure(t.kind())),
        };
        let status = resp.status();
        let headers = resp
            .header(crate::transport::HEADER_RETRY_AFTER)
            .map(|v| {
                vec![(
                    crate::transport::HEADER_RETRY_AFTER.to_owned(),
                    v.to_owned(),
                )]
            })
            .unwrap_or_default();
        let mut body = Vec::new();
        resp.into_reader()
            .take(u64::try_from(crate::wire::MAX_MESSAGE_BYTES).unwrap_or(u64::MAX))
            .read_to_end(&mut body)
            .map_err(|_| SyncError::Transport { kind: "read" })?;
        Ok(HttpResponse {
            status,
            body,
            headers,
        })
    }
}

/// A failure to reach the server or to read its answer is transient
/// ([`SyncError::Transport`]: try again); a URL this transport cannot use
/// is a mistake to fix ([`SyncError::Invalid`]), not something to retry.
fn transport_failure(kind: ureq::ErrorKind) -> SyncError {
    use ureq::ErrorKind as K;
    let kind = match kind {
        K::InvalidUrl | K::UnknownScheme | K::InsecureRequestHttpsOnly | K::InvalidProxyUrl => {
            return SyncError::Invalid {
                message: "server URL",
                rule: "an http://host:port or https://host:port URL",
            };
        }
        K::Dns => "dns",
        K::ConnectionFailed | K::ProxyConnect => "connection_failed",
        // Reset, timeout or a cut answer.
        _ => "connection",
    };
    SyncError::Transport { kind }
}
