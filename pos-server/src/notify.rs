//! Live notifications of committed pushes, for the back office's live feed
//! (`/live`, Server-Sent Events) instead of polling the database.
//!
//! A [`LiveFeed`] carries one small message per store whose data changed:
//! the store id and nothing else (no sale, no customer). Each open feed
//! holds a [`Subscription`] to the stores of its retailer and is woken only
//! for those; it then reads the new data itself, through the viewer's own
//! tenancy checks, so a message can never show a retailer another's sales.
//!
//! - SQLite (one server process): the storage publishes after the commit
//!   of a transaction that stored events or fiscal records.
//! - PostgreSQL (several server processes): the committing transaction
//!   issues `pg_notify` on [`PG_CHANNEL`] (delivered by PostgreSQL at
//!   commit, never for a rollback), and a dedicated connection of each
//!   process `LISTEN`s and publishes what it hears ([`PgListener`]). It
//!   reconnects by itself after a restart or failover; since notifications
//!   sent while it was away are lost, every (re)connection publishes
//!   [`Wake::Resync`] and every feed reads again.
//!
//! Feeds also re-read on a slow timer (the back office's `live_fallback`)
//! in case a message is lost anyway.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL notification channel; the payload is a store id.
pub const PG_CHANNEL: &str = "pos_live_sales";

/// Messages queued per subscriber before the slowest one lags (a lagging
/// subscriber re-reads, which covers whatever it missed).
const CAPACITY: usize = 256;

/// What woke a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// New data of this store was committed.
    Store(Arc<str>),
    /// Messages may have been lost (the listener reconnected): every feed
    /// reads again.
    Resync,
}

/// The in-process fan-out of change messages (cheap to clone).
#[derive(Debug, Clone)]
pub struct LiveFeed {
    tx: broadcast::Sender<Wake>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        LiveFeed::new()
    }
}

impl LiveFeed {
    /// A feed with no subscriber yet.
    pub fn new() -> LiveFeed {
        let (tx, _) = broadcast::channel(CAPACITY);
        LiveFeed { tx }
    }

    /// Says that `store`'s data changed (no-op without subscribers).
    pub fn publish(&self, store: &str) {
        let _ = self.tx.send(Wake::Store(Arc::from(store)));
    }

    /// Tells every feed to read again.
    pub fn publish_resync(&self) {
        let _ = self.tx.send(Wake::Resync);
    }

    /// A subscription woken by changes of `stores` only.
    pub fn subscribe(&self, stores: &[String]) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
            stores: stores.iter().cloned().collect(),
        }
    }
}

/// One feed's view of a [`LiveFeed`], filtered to its retailer's stores.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Wake>,
    stores: BTreeSet<String>,
}

impl Subscription {
    /// Waits until one of the subscribed stores changed, a resync was
    /// asked or messages were dropped for lag; queued messages are then
    /// drained, so a burst of pushes costs one read. `false` when the feed
    /// is gone (the storage was dropped).
    pub async fn changed(&mut self) -> bool {
        loop {
            match self.rx.recv().await {
                Ok(Wake::Store(s)) if !self.stores.contains(&*s) => continue,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => return false,
            }
        }
        loop {
            match self.rx.try_recv() {
                Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return true,
            }
        }
    }
}

/// The SQL a committing PostgreSQL transaction runs: one notification per
/// store it changed (`$1`: the channel, `$2`: the store ids; an id too long
/// for a payload is left to the feeds' slow timer).
pub(crate) const PG_NOTIFY_SQL: &str =
    "SELECT pg_notify($1, s) FROM unnest($2::text[]) AS s WHERE octet_length(s) < 8000";

/// The store of a device id (`store/register`); none for a device enrolled
/// before ids were namespaced (its feeds catch up on the slow timer).
pub(crate) fn store_of_device(device: &str) -> Option<&str> {
    device.split_once('/').map(|(s, _)| s)
}

/// A thread holding a `LISTEN` connection; stops when dropped.
#[derive(Debug)]
pub struct PgListener {
    stop: Arc<AtomicBool>,
}

impl Drop for PgListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// How long one wait for a notification blocks before the thread checks
/// whether it should stop.
const LISTEN_TICK: Duration = Duration::from_millis(500);
/// The longest wait between two connection attempts.
const RECONNECT_MAX: Duration = Duration::from_secs(5);

impl PgListener {
    /// Starts listening on [`PG_CHANNEL`] with `config` (the storage's own
    /// connection settings: hosts, timeouts, keepalives) and publishing to
    /// `feed`, reconnecting with capped backoff whenever the connection
    /// breaks.
    pub fn spawn(config: postgres::Config, feed: LiveFeed) -> std::io::Result<PgListener> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("pos-pg-listen".into())
            .spawn(move || listen_loop(&config, &feed, &flag))?;
        Ok(PgListener { stop })
    }
}

fn listen_loop(config: &postgres::Config, feed: &LiveFeed, stop: &AtomicBool) {
    use postgres::fallible_iterator::FallibleIterator;
    let mut backoff = Duration::from_millis(50);
    while !stop.load(Ordering::Relaxed) {
        let client = config.connect(postgres::NoTls).and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {PG_CHANNEL}"))?;
            Ok(c)
        });
        let Ok(mut client) = client else {
            // Down, starting up, or a standby not yet promoted (LISTEN is
            // refused during recovery): try again.
            std::thread::sleep(backoff);
            backoff = backoff.saturating_mul(2).min(RECONNECT_MAX);
            continue;
        };
        backoff = Duration::from_millis(50);
        tracing::info!("live feed listening on PostgreSQL");
        // Whatever committed while nobody listened is read again.
        feed.publish_resync();
        while !stop.load(Ordering::Relaxed) {
            let heard = client.notifications().timeout_iter(LISTEN_TICK).next();
            match heard {
                Ok(Some(n)) => feed.publish(n.payload()),
                Ok(None) if !client.is_closed() => {}
                _ => {
                    tracing::warn!("live feed lost its PostgreSQL connection; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    async fn woken(sub: &mut Subscription) -> bool {
        tokio::time::timeout(Duration::from_millis(50), sub.changed())
            .await
            .unwrap_or(false)
    }

    #[test]
    fn a_subscription_wakes_for_its_own_stores_only() {
        rt().block_on(async {
            let feed = LiveFeed::new();
            let mut r1 = feed.subscribe(&["S1".into(), "S2".into()]);
            let mut r2 = feed.subscribe(&["S3".into()]);
            feed.publish("S3");
            assert!(!woken(&mut r1).await, "another retailer's store");
            assert!(woken(&mut r2).await);
            feed.publish("S2");
            assert!(woken(&mut r1).await);
            assert!(!woken(&mut r2).await);
            // A store whose id starts like one of ours is another store.
            feed.publish("S1x");
            assert!(!woken(&mut r1).await);
        });
    }

    #[test]
    fn a_burst_costs_one_wake_and_a_resync_wakes_everyone() {
        rt().block_on(async {
            let feed = LiveFeed::new();
            let mut r1 = feed.subscribe(&["S1".into()]);
            let mut r2 = feed.subscribe(&["S3".into()]);
            for _ in 0..10 {
                feed.publish("S1");
            }
            assert!(woken(&mut r1).await);
            assert!(!woken(&mut r1).await, "drained by the first wake");
            feed.publish_resync();
            assert!(woken(&mut r1).await);
            assert!(woken(&mut r2).await);
            // Lagging past the capacity still wakes (once).
            for _ in 0..(CAPACITY * 2) {
                feed.publish("S1");
            }
            assert!(woken(&mut r1).await);
            assert!(!woken(&mut r1).await);
        });
    }

    #[test]
    fn a_dropped_feed_ends_its_subscriptions() {
        rt().block_on(async {
            let feed = LiveFeed::new();
            let mut r1 = feed.subscribe(&["S1".into()]);
            drop(feed);
            assert!(!r1.changed().await);
        });
    }

    #[test]
    fn device_ids_name_their_store() {
        assert_eq!(store_of_device("S1/CAISSE-A1"), Some("S1"));
        assert_eq!(store_of_device("LEGACY"), None);
    }
}
