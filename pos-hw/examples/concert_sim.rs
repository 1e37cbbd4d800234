//! A Concert V2 payment terminal simulator on stdin/stdout.
//!
//! Give it one end of a serial line or pseudo-terminal as stdin and stdout
//! (e.g. the master side of `os.openpty()`) and drive it from the other end
//! with any Concert cash-register implementation. Logs go to stderr.
//!
//! Options: `--decline-from CENTS` declines amounts from CENTS up;
//! `--drop-answer` processes the first transaction without answering.

use pos_hw::payment::concert::{ConcertSimulator, LinkTimings, Served, SimConfig, SimFault};
use std::io::{self, Read, Write};
use std::time::Duration;

/// stdin and stdout as one byte stream, flushed after every write.
struct StdioStream {
    input: io::Stdin,
    output: io::Stdout,
}

impl Read for StdioStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for StdioStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.output.write(buf)?;
        self.output.flush()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }
}

fn main() -> io::Result<()> {
    let mut config = SimConfig::default();
    let mut faults = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--decline-from" => {
                let value = args.next().and_then(|v| v.parse().ok());
                config.decline_from_cents = value;
            }
            "--drop-answer" => faults.push(SimFault::DropAnswer),
            other => {
                eprintln!("concert_sim: unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    let timings = LinkTimings {
        ack_timeout: Duration::from_secs(2),
        ..LinkTimings::default()
    };
    let mut simulator = ConcertSimulator::new(config, timings);
    for fault in faults {
        simulator.inject(fault);
    }
    eprintln!("concert_sim: ready");
    let mut stream = StdioStream {
        input: io::stdin(),
        output: io::stdout(),
    };
    loop {
        match simulator.serve_one(stream, Duration::from_secs(3600)) {
            Ok((served, back)) => {
                stream = back;
                match served {
                    Served::Transaction(entry) => eprintln!(
                        "concert_sim: {:?} {} cents approved={}",
                        entry.transaction_type, entry.amount_cents, entry.approved
                    ),
                    Served::Probe => eprintln!("concert_sim: probe"),
                    Served::Idle => {}
                }
            }
            Err(e) => {
                eprintln!("concert_sim: link closed ({e})");
                return Ok(());
            }
        }
    }
}
