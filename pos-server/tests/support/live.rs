//! The back office over real HTTP: signing in and an open `/live` stream
//! (Server-Sent Events) read from a raw socket. Std and `ureq` only:
//! `benches/live_feed.rs` includes this file with `#[path]`.

use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc;

/// Signs `user` in with `password`; returns the session cookie
/// (`name=value`).
pub fn sign_in(url: &str, user: &str, password: &str) -> String {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent
        .post(&format!("{url}/login"))
        .send_form(&[("username", user), ("password", password)])
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.header("set-cookie").unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// Opens `/live` for 2026-01-01 with the session `cookie`. A thread reads
/// the stream and sends `on_data(payload)` for each `data:` line, until
/// the stream ends or the receiver is dropped. The returned socket is the
/// stream's, to shut it down.
pub fn open_feed<T: Send + 'static>(
    url: &str,
    cookie: &str,
    on_data: impl Fn(&str) -> T + Send + 'static,
) -> (std::net::TcpStream, mpsc::Receiver<T>) {
    let addr = url.trim_start_matches("http://").to_owned();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        sock,
        "GET /live?day=2026-01-01 HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let kept = sock.try_clone().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(sock).lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data: ")
                && tx.send(on_data(data)).is_err()
            {
                return;
            }
        }
    });
    (kept, rx)
}
