//! The server's operations counters and their Prometheus text exposition
//! (format 0.0.4).
//!
//! Every label set the hot path touches is known at compile time (route
//! families × status classes, two latency histograms), so the registry is
//! a fixed block of atomics: counting a request is a few relaxed atomic
//! adds, never a lock or an allocation. Labels whose values come from data
//! (per-store sync lag, pool state) are read from the database at scrape
//! time and passed to [`Registry::render`] as [`ScrapeGauges`].
//!
//! Why not the `prometheus-client` or `metrics` crates: both keep
//! label sets in maps behind locks and would add a dependency tree for
//! what is here a fixed table of counters; the exposition format is small
//! and is checked line by line by `tests/ops.rs`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The route families requests are counted under (a bounded label set: a
/// path never becomes a label value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `POST /v1/push`.
    Push,
    /// `POST /v1/pull`.
    Pull,
    /// `POST /v1/status` and `/v1/anchor`.
    Status,
    /// `POST /v1/enroll`.
    Enroll,
    /// The web-shop API (`/v1/web/...`).
    Web,
    /// The back office's pages and API.
    Backoffice,
    /// Everything else (receipt pages, operations endpoints, unknown paths).
    Other,
}

impl Family {
    /// Every family, in exposition order.
    pub const ALL: [Family; 7] = [
        Family::Push,
        Family::Pull,
        Family::Status,
        Family::Enroll,
        Family::Web,
        Family::Backoffice,
        Family::Other,
    ];

    /// The family of a request path (without its query).
    pub fn of(path: &str) -> Family {
        use crate::wire::paths;
        const BACKOFFICE: [&str; 9] = [
            "/login",
            "/logout",
            "/backoffice.css",
            "/backoffice.js",
            "/live",
            "/chart",
            "/closures",
            "/journal",
            "/access-log",
        ];
        const BACKOFFICE_TREES: [&str; 4] = ["/download", "/customers", "/credentials", "/api/"];
        match path {
            paths::PUSH => Family::Push,
            paths::PULL => Family::Pull,
            paths::STATUS | paths::ANCHOR => Family::Status,
            paths::ENROLL => Family::Enroll,
            "/" => Family::Backoffice,
            p if p.starts_with("/v1/web/") => Family::Web,
            p if BACKOFFICE.contains(&p) || BACKOFFICE_TREES.iter().any(|t| p.starts_with(t)) => {
                Family::Backoffice
            }
            _ => Family::Other,
        }
    }

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Family::Push => "push",
            Family::Pull => "pull",
            Family::Status => "status",
            Family::Enroll => "enroll",
            Family::Web => "web",
            Family::Backoffice => "backoffice",
            Family::Other => "other",
        }
    }

    fn index(self) -> usize {
        match self {
            Family::Push => 0,
            Family::Pull => 1,
            Family::Status => 2,
            Family::Enroll => 3,
            Family::Web => 4,
            Family::Backoffice => 5,
            Family::Other => 6,
        }
    }
}

/// Status classes `1xx` to `5xx` (anything out of range counts as `5xx`).
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

fn class_index(status: u16) -> usize {
    match status {
        100..=199 => 0,
        200..=299 => 1,
        300..=399 => 2,
        400..=499 => 3,
        _ => 4,
    }
}

/// Upper bounds of the latency buckets, in microseconds (5 ms to 10 s).
const BUCKETS_US: [u64; 11] = [
    5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
    10_000_000,
];

/// A latency histogram: one atomic per bucket (not cumulative: the
/// exposition sums them), the `+Inf` overflow, the sum and the count.
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS_US.len()],
    overflow: AtomicU64,
    sum_us: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let slot = BUCKETS_US
            .iter()
            .position(|b| us <= *b)
            .and_then(|i| self.buckets.get(i))
            .unwrap_or(&self.overflow);
        slot.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0u64;
        for (bound, n) in BUCKETS_US.iter().zip(&self.buckets) {
            cumulative = cumulative.saturating_add(n.load(Ordering::Relaxed));
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels},le=\"{}\"}} {cumulative}",
                seconds(*bound)
            );
        }
        cumulative = cumulative.saturating_add(self.overflow.load(Ordering::Relaxed));
        // The count is read after the buckets and may run ahead of them
        // under concurrent requests; `+Inf` must equal `_count`, so both
        // print the larger.
        let count = self.count.load(Ordering::Relaxed).max(cumulative);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum{{{labels}}} {}",
            seconds(self.sum_us.load(Ordering::Relaxed))
        );
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// Microseconds as decimal seconds (`0.005`, `2.5`, `10`), without floats.
fn seconds(us: u64) -> String {
    let (whole, frac) = (us / 1_000_000, us % 1_000_000);
    if frac == 0 {
        whole.to_string()
    } else {
        let digits = format!("{frac:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Escapes a label value for the text format: backslash, double quote and
/// line feed.
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Database state read at scrape time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScrapeGauges {
    /// Seconds since each store's latest push, by store.
    pub store_lag_seconds: Vec<(String, i64)>,
    /// Idle connections in the PostgreSQL pool (None: no pool).
    pub pool_idle: Option<u64>,
    /// Connections of the pool in use by a request (None: not tracked).
    pub pool_in_use: Option<u64>,
}

/// The server's counters: shared by every clone of a [`crate::Server`].
#[derive(Debug, Default)]
pub struct Registry {
    requests: [[AtomicU64; CLASSES.len()]; Family::ALL.len()],
    push_latency: Histogram,
    pull_latency: Histogram,
    events_applied: AtomicU64,
    events_rejected: AtomicU64,
    fiscal_quarantined: AtomicU64,
}

impl Registry {
    /// Counts one answered request (and its latency, for push and pull).
    pub fn observe_request(&self, family: Family, status: u16, latency: Duration) {
        if let Some(c) = self
            .requests
            .get(family.index())
            .and_then(|f| f.get(class_index(status)))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        match family {
            Family::Push => self.push_latency.observe(latency),
            Family::Pull => self.pull_latency.observe(latency),
            _ => {}
        }
    }

    /// Counts the outcome of one committed push: events applied, events
    /// the server refused (rejections) and fiscal batches quarantined.
    pub fn observe_push(&self, applied: u64, rejected: u64, quarantined: u64) {
        self.events_applied.fetch_add(applied, Ordering::Relaxed);
        self.events_rejected.fetch_add(rejected, Ordering::Relaxed);
        self.fiscal_quarantined
            .fetch_add(quarantined, Ordering::Relaxed);
    }

    /// Requests answered so far for a family and status class (tests,
    /// dashboards).
    pub fn requests(&self, family: Family, status: u16) -> u64 {
        self.request_count(family, class_index(status))
    }

    /// Requests of `family` answered with the status class at `class`
    /// (an index into `CLASSES`).
    fn request_count(&self, family: Family, class: usize) -> u64 {
        self.requests
            .get(family.index())
            .and_then(|f| f.get(class))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// One `name{family,class}` sample per route family and per status
    /// class from `CLASSES[first_class]` on.
    fn render_requests(&self, out: &mut String, name: &str, first_class: usize) {
        for fam in Family::ALL {
            for (ci, class) in CLASSES.iter().enumerate().skip(first_class) {
                let n = self.request_count(fam, ci);
                let _ = writeln!(
                    out,
                    "{name}{{family=\"{}\",class=\"{class}\"}} {n}",
                    fam.label()
                );
            }
        }
    }

    /// Events applied so far.
    pub fn events_applied(&self) -> u64 {
        self.events_applied.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of the counters and of `gauges`.
    pub fn render(&self, gauges: &ScrapeGauges) -> String {
        let mut out = String::new();
        let header = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
        };
        header(
            &mut out,
            "pos_http_requests_total",
            "counter",
            "HTTP requests answered, by route family and status class.",
        );
        self.render_requests(&mut out, "pos_http_requests_total", 0);
        header(
            &mut out,
            "pos_http_request_errors_total",
            "counter",
            "HTTP requests answered with an error (4xx or 5xx), by route family and status class.",
        );
        // 4xx and 5xx.
        self.render_requests(&mut out, "pos_http_request_errors_total", 3);
        header(
            &mut out,
            "pos_sync_request_duration_seconds",
            "histogram",
            "Time to answer push and pull requests.",
        );
        self.push_latency
            .render(&mut out, "pos_sync_request_duration_seconds", "op=\"push\"");
        self.pull_latency
            .render(&mut out, "pos_sync_request_duration_seconds", "op=\"pull\"");
        for (name, help, v) in [
            (
                "pos_sync_events_applied_total",
                "Till events stored and applied by pushes.",
                &self.events_applied,
            ),
            (
                "pos_sync_events_rejected_total",
                "Till events stored but refused by a domain rule (reported to the till as rejections).",
                &self.events_rejected,
            ),
            (
                "pos_fiscal_quarantined_total",
                "Fiscal record batches quarantined because they did not verify.",
                &self.fiscal_quarantined,
            ),
        ] {
            header(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        header(
            &mut out,
            "pos_sync_store_lag_seconds",
            "gauge",
            "Seconds since the latest push of any till of the store.",
        );
        for (store, lag) in &gauges.store_lag_seconds {
            let _ = writeln!(
                out,
                "pos_sync_store_lag_seconds{{store=\"{}\"}} {lag}",
                escape_label(store)
            );
        }
        if gauges.pool_idle.is_some() || gauges.pool_in_use.is_some() {
            header(
                &mut out,
                "pos_db_pool_connections",
                "gauge",
                "PostgreSQL pool connections by state.",
            );
            for (state, v) in [("idle", gauges.pool_idle), ("in_use", gauges.pool_in_use)] {
                if let Some(v) = v {
                    let _ = writeln!(out, "pos_db_pool_connections{{state=\"{state}\"}} {v}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_of_paths() {
        for (path, fam) in [
            ("/v1/push", Family::Push),
            ("/v1/pull", Family::Pull),
            ("/v1/status", Family::Status),
            ("/v1/anchor", Family::Status),
            ("/v1/enroll", Family::Enroll),
            ("/v1/web/stock", Family::Web),
            ("/", Family::Backoffice),
            ("/customers/S1/c1", Family::Backoffice),
            ("/download/fec", Family::Backoffice),
            ("/api/dashboard", Family::Backoffice),
            ("/r/abc", Family::Other),
            ("/metrics", Family::Other),
            ("/v1/pushx", Family::Other),
        ] {
            assert_eq!(Family::of(path), fam, "{path}");
        }
    }

    #[test]
    fn seconds_are_exact_decimals() {
        assert_eq!(seconds(5_000), "0.005");
        assert_eq!(seconds(2_500_000), "2.5");
        assert_eq!(seconds(10_000_000), "10");
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(1_234_567), "1.234567");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let r = Registry::default();
        r.observe_request(Family::Push, 200, Duration::from_millis(3));
        r.observe_request(Family::Push, 200, Duration::from_millis(30));
        r.observe_request(Family::Push, 500, Duration::from_secs(60));
        let text = r.render(&ScrapeGauges::default());
        assert!(
            text.contains("pos_sync_request_duration_seconds_bucket{op=\"push\",le=\"0.005\"} 1\n")
        );
        assert!(
            text.contains("pos_sync_request_duration_seconds_bucket{op=\"push\",le=\"0.05\"} 2\n")
        );
        assert!(
            text.contains("pos_sync_request_duration_seconds_bucket{op=\"push\",le=\"10\"} 2\n")
        );
        assert!(
            text.contains("pos_sync_request_duration_seconds_bucket{op=\"push\",le=\"+Inf\"} 3\n")
        );
        assert!(text.contains("pos_sync_request_duration_seconds_count{op=\"push\"} 3\n"));
        assert!(text.contains("pos_http_requests_total{family=\"push\",class=\"5xx\"} 1\n"));
        assert!(text.contains("pos_http_request_errors_total{family=\"push\",class=\"5xx\"} 1\n"));
    }
}
