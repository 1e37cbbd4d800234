//! Raw TCP, port 9100 ("JetDirect"): the usual network receipt printer.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::{SendFailure, Transport, exchange, write_counting};

/// A TCP printer connection, opened on first use and reopened after a failure.
#[derive(Debug)]
pub struct TcpTransport {
    addr: SocketAddr,
    timeout: Duration,
    stream: Option<TcpStream>,
}

impl TcpTransport {
    /// The usual raw printing port.
    pub const PORT: u16 = 9100;

    /// A transport to `addr` with one timeout for connect, read and write.
    pub fn new(addr: SocketAddr, timeout: Duration) -> TcpTransport {
        TcpTransport {
            addr,
            timeout,
            stream: None,
        }
    }

    fn stream(&mut self) -> Result<&mut TcpStream, SendFailure> {
        if self.stream.is_none() {
            let fail = |e: std::io::Error| SendFailure {
                accepted: 0,
                kind: e.kind(),
            };
            let s = TcpStream::connect_timeout(&self.addr, self.timeout).map_err(fail)?;
            s.set_read_timeout(Some(self.timeout)).map_err(fail)?;
            s.set_write_timeout(Some(self.timeout)).map_err(fail)?;
            s.set_nodelay(true).map_err(fail)?;
            self.stream = Some(s);
        }
        self.stream.as_mut().ok_or(SendFailure {
            accepted: 0,
            kind: std::io::ErrorKind::NotConnected,
        })
    }

    /// Closes the connection (the next use reconnects).
    pub fn close(&mut self) {
        self.stream = None;
    }
}

impl Transport for TcpTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), SendFailure> {
        let result = write_counting(self.stream()?, bytes);
        if result.is_err() {
            self.close();
        }
        result
    }

    fn query(&mut self, request: &[u8]) -> Result<Option<u8>, SendFailure> {
        let result = exchange(self.stream()?, request);
        if result.is_err() {
            self.close();
        }
        result.map(Some)
    }
}
