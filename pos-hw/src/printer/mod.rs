//! Printers: model profiles, transports (TCP 9100, serial, file, memory) and
//! the print queue that reports each job's outcome and never prints a fiscal
//! original twice.

pub mod profile;
pub mod queue;
pub mod transport;

pub use profile::PrinterProfile;
pub use queue::{JobId, JobKind, JobOutcome, JobReport, MemoryLedger, PrintLedger, PrintQueue};
pub use transport::{
    FileTransport, MemoryTransport, SendFailure, SerialFlow, SerialTransport, TcpTransport,
    Transport,
};
