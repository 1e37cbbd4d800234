//! Passwords (Argon2id, PHC strings), session and CSRF tokens, login
//! throttling per account and per client address ([`LoginCounter`]).
//! Randomness comes in as arguments (salts, token bytes) so the rules are
//! testable; [`random_bytes`] is the edge that draws them.

use super::model::{BackOfficeFailure, BoSession};
use crate::error::Result;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::Digest;

/// Minimum password length.
pub const MIN_PASSWORD: usize = 10;
/// Failed logins allowed before the account is locked for a while.
pub const FREE_FAILURES: u32 = 5;
/// First lock duration; it doubles with each further failure.
pub const LOCK_BASE_MS: i64 = 30_000;
/// Longest lock.
pub const LOCK_MAX_MS: i64 = 900_000;
/// Session lifetime.
pub const SESSION_MS: i64 = 8 * 3_600_000;
/// The session cookie's name.
pub const COOKIE: &str = "pos_bo";

/// Draws `N` random bytes from the OS generator (the I/O edge).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::Rng::fill(&mut rand::rng(), &mut b[..]);
    b
}

/// Hashes a password with Argon2id (default memory-hard parameters) under
/// a 16-byte salt; returns the PHC string.
pub fn hash_password(password: &str, salt: [u8; 16]) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(BackOfficeFailure::WeakPassword { min: MIN_PASSWORD }.into());
    }
    let salt = SaltString::encode_b64(&salt).map_err(|_| BackOfficeFailure::Hashing)?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| BackOfficeFailure::Hashing)?
        .to_string())
}

/// Whether `password` matches a PHC string (false on a malformed hash).
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A PHC string no password matches, verified when the user is unknown so
/// that a login takes as long whether or not the name exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no password matches this one", [0; 16]).unwrap_or_default())
}

/// SHA-256 hex of a session id: only this is stored, so a leaked
/// database does not hand out live sessions.
pub fn hash_session_id(id: &str) -> String {
    hex::encode(sha2::Sha256::digest(id.as_bytes()))
}

/// Failed logins allowed from one client address (over every user name)
/// before the address is locked for a while.
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// A counter with no failure for this long and no running lock starts
/// again from zero (and its row may be deleted).
pub const FORGET_MS: i64 = 24 * 3_600_000;

/// The key of an account's failed-login counter as seen from one client
/// address. Any name has one, known or not, so an unknown name locks
/// exactly like a real one; the name and address are hashed so the table
/// holds no typed identifiers and keys stay short.
///
/// The account is counted per address so that someone else's wrong
/// passwords (another retailer on the same server, anyone on the
/// internet) cannot lock a user out of the back office from their own
/// address: guessing from one address is still stopped after
/// [`FREE_FAILURES`] per account and [`ADDRESS_FREE_FAILURES`] in all, and
/// each further failure doubles the lock.
pub fn account_key(username: &str, address: std::net::IpAddr) -> String {
    let mut h = sha2::Sha256::new();
    h.update(username.as_bytes());
    h.update([0u8]);
    h.update(client_network(address).as_bytes());
    format!("user:{}", hex::encode(h.finalize()))
}

/// The key of a client address's failed-login counter (the IP, without
/// the port: each connection has its own port; see [`client_network`]).
pub fn address_key(address: std::net::IpAddr) -> String {
    format!("addr:{}", client_network(address))
}

/// What counts as one client: an IPv4 address (also when mapped into
/// IPv6), or an IPv6 /64 network, since one subscriber usually holds a
/// whole /64 and could otherwise draw a fresh address, and fresh counts,
/// for every attempt.
pub fn client_network(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

/// Failed logins of one account or one client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCounter {
    /// [`account_key`] or [`address_key`].
    pub key: String,
    /// Attempts counted since the last success (or since forgotten).
    pub failures: u32,
    /// Locked until then (ms since the epoch; 0: not locked).
    pub locked_until_ms: i64,
    /// When the last attempt was counted (ms since the epoch).
    pub last_failure_ms: i64,
}

impl LoginCounter {
    /// A counter with nothing counted.
    pub fn fresh(key: &str) -> LoginCounter {
        LoginCounter {
            key: key.to_owned(),
            failures: 0,
            locked_until_ms: 0,
            last_failure_ms: 0,
        }
    }

    /// Refuses an attempt while locked.
    pub fn check_not_locked(&self, now_ms: i64) -> Result<()> {
        if self.locked_until_ms > now_ms {
            let wait = self.locked_until_ms.saturating_sub(now_ms);
            return Err(BackOfficeFailure::Throttled {
                retry_after_seconds: wait.saturating_add(999) / 1000,
            }
            .into());
        }
        Ok(())
    }

    /// The counter with one more attempt counted (before its password is
    /// checked), locked for an exponentially growing time once `free`
    /// attempts are counted. A counter quiet for [`FORGET_MS`] restarts.
    pub fn after_attempt(&self, now_ms: i64, free: u32) -> LoginCounter {
        let forgotten = self.locked_until_ms <= now_ms
            && now_ms.saturating_sub(self.last_failure_ms) > FORGET_MS;
        let before = if forgotten { 0 } else { self.failures };
        let failures = before.saturating_add(1);
        let mut out = self.clone();
        out.failures = failures;
        out.last_failure_ms = now_ms;
        if failures >= free {
            let doublings = failures.saturating_sub(free).min(16);
            let lock = LOCK_BASE_MS
                .saturating_mul(1i64 << doublings)
                .min(LOCK_MAX_MS);
            out.locked_until_ms = now_ms.saturating_add(lock);
        }
        out
    }

    /// The counter with one counted attempt taken back (it succeeded);
    /// drops a lock that attempt alone set.
    pub fn after_success(&self, free: u32) -> LoginCounter {
        let mut out = self.clone();
        out.failures = self.failures.saturating_sub(1);
        if out.failures < free {
            out.locked_until_ms = 0;
        }
        out
    }
}

/// A new session for `user`: `id` goes in the cookie, `csrf` in the pages.
pub fn new_session(username: &str, id: &str, csrf: &str, now_ms: i64) -> BoSession {
    BoSession {
        id_hash: hash_session_id(id),
        username: username.to_owned(),
        csrf: csrf.to_owned(),
        expires_ms: now_ms.saturating_add(SESSION_MS),
    }
}

/// Constant-time equality of two tokens (false if either is empty).
pub fn same_token(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() || a.len() != b.len() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The `Set-Cookie` value of a session; `Secure` unless served on loopback
/// (plain-HTTP development and tests).
pub fn session_cookie(id: &str, secure: bool) -> String {
    let max_age = SESSION_MS / 1000;
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// Whether a `Host` header names the loopback interface.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// Checks a name or id: 1 to 64 of `[A-Za-z0-9._-]` (and `@` for users).
pub fn check_name(field: &'static str, s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(BackOfficeFailure::BadName { field }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_password_round_trips_through_its_phc_string() {
        let h = hash_password("correct horse battery", [7; 16]).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
        assert!(dummy_hash().starts_with("$argon2id$"));
        assert!(!verify_password(dummy_hash(), ""));
    }

    #[test]
    fn short_passwords_are_refused() {
        let e = hash_password("short", [1; 16]).unwrap_err();
        assert_eq!(e.code(), "weak_password");
    }

    #[test]
    fn an_ipv6_client_is_its_64_network() {
        assert_eq!(
            client_network(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            address_key(ip("::ffff:192.0.2.7")),
            address_key(ip("192.0.2.7"))
        );
        assert_eq!(
            account_key("alice", ip("2001:db8::1")),
            account_key("alice", ip("2001:db8::2"))
        );
        assert_eq!(address_key(ip("192.0.2.7")), "addr:192.0.2.7");
    }

    #[test]
    fn five_failures_lock_and_the_lock_doubles() {
        let mut c = LoginCounter::fresh(&account_key("alice", ip("192.0.2.1")));
        for _ in 0..4 {
            c = c.after_attempt(1_000, FREE_FAILURES);
            assert!(c.check_not_locked(1_000).is_ok());
        }
        c = c.after_attempt(1_000, FREE_FAILURES);
        let e = c.check_not_locked(1_000).unwrap_err();
        assert_eq!(e.code(), "throttled");
        assert_eq!(e.http_status(), 429);
        assert!(c.check_not_locked(31_000).is_ok());
        c = c.after_attempt(31_000, FREE_FAILURES);
        assert_eq!(c.locked_until_ms, 31_000 + 60_000);
        for _ in 0..20 {
            c = c.after_attempt(0, FREE_FAILURES);
        }
        assert_eq!(c.locked_until_ms, LOCK_MAX_MS);
    }

    #[test]
    fn a_success_takes_its_own_attempt_back_and_quiet_counters_are_forgotten() {
        let mut c = LoginCounter::fresh(&address_key([10, 0, 0, 1].into()));
        for _ in 0..4 {
            c = c.after_attempt(1_000, 5);
        }
        // The fifth attempt locks before its password is checked ...
        let fifth = c.after_attempt(1_000, 5);
        assert!(fifth.check_not_locked(1_000).is_err());
        // ... and, when it succeeds, the lock it set goes with it.
        let back = fifth.after_success(5);
        assert_eq!(back.failures, 4);
        assert!(back.check_not_locked(1_000).is_ok());
        let later = back.after_attempt(1_000 + FORGET_MS + 1, 5);
        assert_eq!(later.failures, 1, "a day without failures starts again");
        let here = ip("192.0.2.1");
        assert_eq!(account_key("alice", here).len(), 5 + 64);
        assert_ne!(account_key("alice", here), account_key("Alice", here));
        assert_ne!(
            account_key("alice", here),
            account_key("alice", ip("192.0.2.2")),
            "another address has its own count for the same account"
        );
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_off_loopback() {
        let c = session_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("abc", false).contains("Secure"));
        assert!(is_loopback_host("127.0.0.1:8080"));
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("[::1]:80"));
        assert!(!is_loopback_host("shop.example:443"));
        assert!(!is_loopback_host("127.0.0.1.evil.example"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abcd", "abcd"));
        assert!(!same_token("abcd", "abce"));
        assert!(!same_token("", ""));
        assert!(!same_token("abc", "abcd"));
        assert_eq!(hash_session_id("x").len(), 64);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("user", "alice@shop.fr").is_ok());
        assert!(check_name("user", "").is_err());
        assert!(check_name("user", "a b").is_err());
        assert!(check_name("user", "<script>").is_err());
    }
}
