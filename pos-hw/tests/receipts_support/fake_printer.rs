//! A fake ESC/POS printer on a real TCP socket (127.0.0.1): records the bytes
//! it is sent and answers `DLE EOT n` with configured status bytes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the fake printer saw.
#[derive(Debug, Default)]
pub struct Received {
    /// Bytes to print (status requests removed).
    pub print_bytes: Vec<u8>,
    /// Number of `DLE EOT n` requests answered.
    pub status_requests: usize,
}

/// A running fake printer.
pub struct FakePrinter {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Received>,
}

impl FakePrinter {
    /// Starts a printer answering `status[n-1]` to `DLE EOT n`.
    pub fn start(status: [u8; 4]) -> FakePrinter {
        Self::spawn(status, None)
    }

    /// Starts a printer that hangs up after receiving `limit` print bytes.
    pub fn start_hanging_up_after(status: [u8; 4], limit: usize) -> FakePrinter {
        Self::spawn(status, Some(limit))
    }

    fn spawn(status: [u8; 4], limit: Option<usize>) -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut got = Received::default();
            loop {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, status, limit, &mut got),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if stop2.load(Ordering::SeqCst) {
                            return got;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => panic!("accept: {e}"),
                }
            }
        });
        FakePrinter { addr, stop, thread }
    }

    /// Stops listening (after the client closed) and returns what was received.
    pub fn finish(self) -> Received {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

/// Serves one connection until the client closes it (or the limit is hit).
fn serve(mut stream: TcpStream, status: [u8; 4], limit: Option<usize>, got: &mut Received) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        // Pull out complete `DLE EOT n` requests; keep a partial one for later.
        let mut i = 0;
        while i < pending.len() {
            if pending[i] == 0x10 {
                if i + 2 >= pending.len() {
                    break;
                }
                if pending[i + 1] == 0x04 && (1..=4).contains(&pending[i + 2]) {
                    let reply = status[usize::from(pending[i + 2] - 1)];
                    stream.write_all(&[reply]).unwrap();
                    got.status_requests += 1;
                    i += 3;
                    continue;
                }
            }
            got.print_bytes.push(pending[i]);
            i += 1;
        }
        pending.drain(..i);
        if let Some(limit) = limit
            && got.print_bytes.len() >= limit
        {
            return; // hang up: dropping the stream with unread data resets it
        }
    }
}
