//! Line reader for serial and USB-CDC scanners over any `std::io::Read`:
//! codes end with CR, LF or CRLF; reads may stop mid-code; a read timeout is
//! reported (and may end an unterminated code).

use std::collections::VecDeque;
use std::io::{ErrorKind, Read};

use crate::HwError;

/// What one call to [`LineReader::next_event`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    /// A complete code (terminator removed; bytes read as Latin-1).
    Line(String),
    /// The port's read timeout expired with no complete code.
    Timeout,
    /// The stream ended.
    Eof,
}

/// Settings of a [`LineReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineConfig {
    /// Longest accepted code in bytes; longer lines are dropped with an error.
    pub max_len: usize,
    /// On a timeout, deliver buffered bytes as a code (scanners set to send
    /// no terminator).
    pub flush_on_timeout: bool,
}

impl Default for LineConfig {
    fn default() -> Self {
        Self {
            max_len: 4096,
            flush_on_timeout: false,
        }
    }
}

/// Splits a byte stream into scanned codes.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    config: LineConfig,
    partial: Vec<u8>,
    ready: VecDeque<Result<String, HwError>>,
    after_cr: bool,
    overflowed: bool,
    eof: bool,
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

impl<R: Read> LineReader<R> {
    /// Wraps a reader (a serial port with a read timeout, a socket, a file).
    pub fn new(inner: R, config: LineConfig) -> Self {
        Self {
            inner,
            config,
            partial: Vec::new(),
            ready: VecDeque::new(),
            after_cr: false,
            overflowed: false,
            eof: false,
        }
    }

    /// Gives back the wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn end_line(&mut self) {
        if self.overflowed {
            self.ready.push_back(Err(HwError::LineTooLong {
                max: self.config.max_len,
            }));
        } else if !self.partial.is_empty() {
            self.ready.push_back(Ok(latin1(&self.partial)));
        }
        self.partial.clear();
        self.overflowed = false;
    }

    fn push_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => self.end_line(),
                _ if self.partial.len() >= self.config.max_len => self.overflowed = true,
                _ => self.partial.push(byte),
            }
        }
    }

    /// Reads until a code, a timeout or the end of the stream. A line longer
    /// than `max_len` gives `Err(LineTooLong)` once; reading can continue.
    pub fn next_event(&mut self) -> Result<LineEvent, HwError> {
        let mut chunk = [0u8; 256];
        loop {
            if let Some(ready) = self.ready.pop_front() {
                return ready.map(LineEvent::Line);
            }
            if self.eof {
                return Ok(LineEvent::Eof);
            }
            match self.inner.read(&mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    self.end_line();
                }
                Ok(n) => self.push_bytes(chunk.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    if self.config.flush_on_timeout && (!self.partial.is_empty() || self.overflowed)
                    {
                        self.end_line();
                        continue;
                    }
                    return Ok(LineEvent::Timeout);
                }
                Err(e) => return Err(HwError::InputIo { kind: e.kind() }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    /// Replays scripted read results: data chunks and errors.
    struct Script(VecDeque<io::Result<Vec<u8>>>);

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.pop_front() {
                None => Ok(0),
                Some(Err(e)) => Err(e),
                Some(Ok(mut data)) => {
                    let n = data.len().min(buf.len());
                    buf[..n].copy_from_slice(&data[..n]);
                    if n < data.len() {
                        self.0.push_front(Ok(data.split_off(n)));
                    }
                    Ok(n)
                }
            }
        }
    }

    fn reader(steps: Vec<io::Result<&[u8]>>, config: LineConfig) -> LineReader<Script> {
        LineReader::new(
            Script(steps.into_iter().map(|s| s.map(<[u8]>::to_vec)).collect()),
            config,
        )
    }

    fn line(s: &str) -> Result<LineEvent, HwError> {
        Ok(LineEvent::Line(s.into()))
    }

    #[test]
    fn cr_lf_and_crlf_split_across_reads() {
        let mut r = reader(
            vec![Ok(b"4006381"), Ok(b"333931\r"), Ok(b"\n96385074\n123\r456")],
            LineConfig::default(),
        );
        assert_eq!(r.next_event(), line("4006381333931"));
        assert_eq!(r.next_event(), line("96385074"));
        assert_eq!(r.next_event(), line("123"));
        assert_eq!(r.next_event(), line("456"));
        assert_eq!(r.next_event(), Ok(LineEvent::Eof));
    }

    #[test]
    fn timeouts_keep_or_flush_partial_codes() {
        let timeout = || Err(io::Error::from(ErrorKind::TimedOut));
        let mut keep = reader(
            vec![Ok(b"1234"), timeout(), Ok(b"5\n")],
            LineConfig::default(),
        );
        assert_eq!(keep.next_event(), Ok(LineEvent::Timeout));
        assert_eq!(keep.next_event(), line("12345"));
        let config = LineConfig {
            flush_on_timeout: true,
            ..LineConfig::default()
        };
        let mut flush = reader(vec![Ok(b"1234"), timeout(), timeout()], config);
        assert_eq!(flush.next_event(), line("1234"));
        assert_eq!(flush.next_event(), Ok(LineEvent::Timeout));
    }

    #[test]
    fn too_long_lines_and_io_errors_are_typed() {
        let config = LineConfig {
            max_len: 4,
            ..LineConfig::default()
        };
        let mut r = reader(
            vec![
                Ok(b"123456\nabc\n"),
                Err(io::Error::from(ErrorKind::BrokenPipe)),
            ],
            config,
        );
        assert_eq!(r.next_event(), Err(HwError::LineTooLong { max: 4 }));
        assert_eq!(r.next_event(), line("abc"));
        assert_eq!(
            r.next_event(),
            Err(HwError::InputIo {
                kind: ErrorKind::BrokenPipe
            })
        );
    }
}
