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
            Err(ureq::Error::Transport(_)) => {
                return Err(SyncError::Transport { kind: "connection" });
            }
        };
        let status = resp.status();
        let mut body = Vec::new();
        resp.into_reader()
            .take(u64::try_from(crate::wire::MAX_MESSAGE_BYTES).unwrap_or(u64::MAX))
            .read_to_end(&mut body)
            .map_err(|_| SyncError::Transport { kind: "read" })?;
        Ok(HttpResponse { status, body })
    }
}
