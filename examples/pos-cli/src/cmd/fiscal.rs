//! `pos verify | close | archive | export fec | journal`: the NF525 admin
//! commands over a till's SQLite file (or an archive file for `verify`).
//!
//! This is an edge: it reads the clock (UTC now, Europe/Paris offset unless
//! `--utc-offset` is given) and the key file, and passes them in. The till's
//! signing key is read from `--key` or `<db>.key.pem` (PKCS#8 PEM), else from
//! the software key the pos-sdk facade keeps in the file (`meta` table).
//! Exit codes: 0 success / intact, 1 defects found, 2 unusable input or a
//! refused operation.

use chrono::{Datelike, NaiveDate, Offset, TimeZone, Utc};
use pos_fiscal::store::{self, VerifyOptions};
use pos_fiscal::{PublicKey, Series, SoftwareSigner, Stamp};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options shared by the commands that write to a till.
#[derive(Debug, Clone, clap::Args)]
pub struct TillArgs {
    /// The till's SQLite file.
    #[arg(long)]
    pub db: PathBuf,
    /// The till's PKCS#8 PEM key file (default: `<db>.key.pem`).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Operator recorded in the JET.
    #[arg(long, default_value = "admin")]
    pub operator: String,
    /// Local UTC offset in minutes (default: Europe/Paris at the current time).
    #[arg(long, allow_hyphen_values = true)]
    pub utc_offset: Option<i32>,
}

/// Arguments of `pos verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A till's SQLite file, an archive file (.tar) or a `pos journal`
    /// JSON-lines file. Opened read-only: verifying never writes.
    pub path: PathBuf,
    /// The register's registered public key (SPKI PEM) to trust (required
    /// for a JSON-lines journal, which carries no key of its own).
    #[arg(long)]
    pub pubkey: Option<PathBuf>,
    /// The sync server the till is enrolled with (`http://host:port`): its
    /// registered public keys are trusted (unless `--pubkey` is given) and
    /// the file must hold every record the server accepted from this till
    /// (a cut tail or an old backup put back is reported). Asked with the
    /// till's own sync credentials; the file is still only read.
    #[arg(long)]
    pub server: Option<String>,
    /// Mirrored head counter kept outside the file (detects an old backup).
    #[arg(long, requires = "known_head_hash")]
    pub known_head_seq: Option<u64>,
    /// Mirrored head hash kept outside the file.
    #[arg(long)]
    pub known_head_hash: Option<String>,
}

/// Arguments of `pos audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Till options.
    #[command(flatten)]
    pub till: TillArgs,
    /// The register's registered public key (SPKI PEM) to trust.
    #[arg(long)]
    pub pubkey: Option<PathBuf>,
}

/// Which period `pos close` closes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Level {
    /// A local day (default: today).
    Day,
    /// The month containing `--date` (default: last month).
    Month,
    /// The year containing `--date` (default: last year).
    Year,
}

/// Arguments of `pos close`.
#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// day, month or year.
    pub level: Level,
    /// Till options.
    #[command(flatten)]
    pub till: TillArgs,
    /// A date inside the period (YYYY-MM-DD).
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

/// Arguments of `pos archive`.
#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// Till options.
    #[command(flatten)]
    pub till: TillArgs,
    /// First local day (YYYY-MM-DD).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last local day (YYYY-MM-DD).
    #[arg(long)]
    pub to: NaiveDate,
    /// Output file (or an existing directory to put `<register>_<from>_<to>.tar` in).
    #[arg(long)]
    pub out: PathBuf,
}

/// What `pos export` exports.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// The FEC accounting file.
    Fec,
}

/// Arguments of `pos export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The format.
    pub format: ExportFormat,
    /// Till options.
    #[command(flatten)]
    pub till: TillArgs,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// SIREN (9 digits); default: the one recorded in the till.
    #[arg(long)]
    pub siren: Option<String>,
}

/// Arguments of `pos journal`.
#[derive(Debug, clap::Args)]
pub struct JournalArgs {
    /// The till's SQLite file.
    #[arg(long)]
    pub db: PathBuf,
    /// Only this series (T, I, C, Z, E, X, B, A).
    #[arg(long)]
    pub series: Option<String>,
}

fn fail(what: &str, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("pos: {what}: {e}");
    ExitCode::from(2)
}

fn paris_offset_min(now: chrono::DateTime<Utc>) -> i32 {
    let off = chrono_tz::Europe::Paris
        .offset_from_utc_datetime(&now.naive_utc())
        .fix();
    off.local_minus_utc() / 60
}

/// The clock, read here at the edge.
fn now(offset: Option<i32>) -> Option<Stamp> {
    let t = Utc::now();
    Stamp::new(t, offset.unwrap_or_else(|| paris_offset_min(t)))
}

fn key_path(db: &Path, key: Option<&PathBuf>) -> PathBuf {
    key.cloned().unwrap_or_else(|| {
        let mut p = db.as_os_str().to_owned();
        p.push(".key.pem");
        PathBuf::from(p)
    })
}

fn load_signer(path: &Path) -> Result<SoftwareSigner, String> {
    let pem = std::fs::read_to_string(path)
        .map_err(|_| format!("cannot read key file {}", path.display()))?;
    SoftwareSigner::from_pkcs8_pem(&pem).map_err(|e| e.to_string())
}

/// The till key: `--key`, else the key file the pos-sdk facade keeps beside
/// the till, `<db>.key.pem`. Never a key inside the till file (older builds
/// kept one in `meta`; the facade moves it out when it opens such a file).
fn till_signer(db: &Path, key: Option<&PathBuf>) -> Option<Result<SoftwareSigner, String>> {
    let kp = key_path(db, key);
    (key.is_some() || kp.is_file()).then(|| load_signer(&kp))
}

fn has_journal(conn: &Connection) -> Result<(), String> {
    let ok: bool = conn
        .query_row(
            "SELECT COUNT(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'fiscal_meta'",
            [],
            |r| r.get(0),
        )
        .map_err(|_| "not a SQLite database".to_string())?;
    if ok {
        Ok(())
    } else {
        Err("no fiscal journal in this file".into())
    }
}

fn open_till(db: &Path) -> Result<Connection, String> {
    if !db.is_file() {
        return Err(format!("{} is not a file", db.display()));
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| e.to_string())?;
    has_journal(&conn)?;
    store::migrate(&conn).map_err(|e| e.to_string())?;
    Ok(conn)
}

fn is_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head == b"SQLite format 3\0")
}

fn trusted_keys(pubkey: Option<&PathBuf>) -> Result<Vec<PublicKey>, String> {
    match pubkey {
        None => Ok(vec![]),
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|s| PublicKey::from_spki_pem(&s).map_err(|e| e.to_string()))
            .map(|k| vec![k]),
    }
}

/// Verifies a till file read-only: the journal and everything beside it,
/// the business copy of each ticket included.
fn verify_till(path: &Path, opts: &VerifyOptions) -> Result<pos_fiscal::verify::Report, String> {
    let conn = store::open_read_only(path).map_err(|e| e.to_string())?;
    has_journal(&conn)?;
    pos_sdk::verify::verify_connection(&conn, opts).map_err(|e| e.to_string())
}

/// Verifies `pos journal` output: each line one complete stored record.
fn verify_jsonl(bytes: &[u8], keys: Vec<PublicKey>) -> Result<pos_fiscal::verify::Report, String> {
    if keys.is_empty() {
        return Err("a JSON-lines journal carries no key: pass --pubkey".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut records = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let r: pos_fiscal::record::StoredRecord = serde_json::from_str(line)
            .map_err(|e| format!("line {}: not a stored record: {e}", i.saturating_add(1)))?;
        records.push(r);
    }
    let ctx = pos_fiscal::verify::VerifyContext {
        source: "jsonl".into(),
        keys,
        ..Default::default()
    };
    Ok(pos_fiscal::verify::verify_records(&records, &ctx))
}

/// Runs `pos verify`.
pub fn verify(args: &VerifyArgs) -> ExitCode {
    let trusted = match trusted_keys(args.pubkey.as_ref()) {
        Ok(k) => k,
        Err(e) => return fail("public key", e),
    };
    let report = if is_sqlite(&args.path) {
        let known_head = match (args.known_head_seq, &args.known_head_hash) {
            (Some(head_seq), Some(hash)) => Some(pos_fiscal::head::HeadMark {
                head_seq,
                hash: hash.clone(),
            }),
            _ => None,
        };
        let mut opts = VerifyOptions {
            keys: trusted,
            known_head,
            ..Default::default()
        };
        if let Some(url) = &args.server {
            let anchor = match super::server_anchor::fetch(&args.path, url) {
                Ok(a) => a,
                Err(e) => return fail("server", e),
            };
            if opts.keys.is_empty() {
                for k in &anchor.public_keys {
                    match hex::decode(&k.public_key)
                        .ok()
                        .and_then(|b| PublicKey::from_sec1(&b).ok())
                    {
                        Some(key) => opts.keys.push(key),
                        None => return fail("server", "registered key is not a P-256 key"),
                    }
                }
            }
            opts.mirrored_heads = anchor
                .heads
                .into_iter()
                .map(|(s, h)| {
                    (
                        s,
                        pos_fiscal::payload::HeadEntry {
                            last: h.last,
                            hash: h.hash,
                        },
                    )
                })
                .collect();
        }
        match verify_till(&args.path, &opts) {
            Ok(r) => r,
            Err(e) => return fail("verify", e),
        }
    } else {
        let bytes = match std::fs::read(&args.path) {
            Ok(b) => b,
            Err(e) => return fail("read", e),
        };
        let looks_json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        let r = if looks_json {
            verify_jsonl(&bytes, trusted)
        } else {
            pos_fiscal::archive::verify_archive(&bytes, &trusted).map_err(|e| e.to_string())
        };
        match r {
            Ok(r) => r,
            Err(e) => return fail("not a till file, an archive nor a journal", e),
        }
    };
    println!("{}", report.to_json());
    if report.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs `pos audit`: verifies the till like `pos verify`, then records the
/// tax audit in the journal (JET 280, and JET 90 when defects were found).
pub fn audit(args: &AuditArgs) -> ExitCode {
    let trusted = match trusted_keys(args.pubkey.as_ref()) {
        Ok(k) => k,
        Err(e) => return fail("public key", e),
    };
    let opts = VerifyOptions {
        keys: trusted,
        ..Default::default()
    };
    let report = match verify_till(&args.till.db, &opts) {
        Ok(r) => r,
        Err(e) => return fail("verify", e),
    };
    let logged = with_till(&args.till, |c, s, now| {
        store::record_audit(c, s, now, &args.till.operator, &report)
    });
    if let Err(e) = logged {
        return fail("audit not logged (JET 280)", e);
    }
    println!("{}", report.to_json());
    if report.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn with_till<T>(
    till: &TillArgs,
    f: impl FnOnce(&Connection, &SoftwareSigner, Stamp) -> pos_fiscal::Result<T>,
) -> Result<T, String> {
    let conn = open_till(&till.db)?;
    let signer = till_signer(&till.db, till.key.as_ref()).ok_or("no till key: pass --key")??;
    let now = now(till.utc_offset).ok_or("clock or offset out of range")?;
    let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
    let v = f(&tx, &signer, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(v)
}

fn previous_month(d: NaiveDate) -> (i32, u32) {
    if d.month() == 1 {
        (d.year().saturating_sub(1), 12)
    } else {
        (d.year(), d.month().saturating_sub(1))
    }
}

/// Runs `pos close`.
pub fn close(args: &CloseArgs) -> ExitCode {
    let r = with_till(&args.till, |c, s, now| {
        let today = now.local_date().unwrap_or_default();
        let op = &args.till.operator;
        match args.level {
            Level::Day => store::close_day(c, s, now, args.date.unwrap_or(today), None, op),
            Level::Month => {
                let (y, m) = args
                    .date
                    .map_or_else(|| previous_month(today), |d| (d.year(), d.month()));
                store::close_month(c, s, now, y, m, op)
            }
            Level::Year => {
                let y = args
                    .date
                    .map_or_else(|| today.year().saturating_sub(1), |d| d.year());
                store::close_year(c, s, now, y, op)
            }
        }
    });
    match r {
        Ok(docs) => {
            for d in docs {
                println!("closed: {}{}", d.series, d.number);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail("close", e),
    }
}

/// Runs `pos archive`.
pub fn archive(args: &ArchiveArgs) -> ExitCode {
    let r = with_till(&args.till, |c, s, now| {
        pos_fiscal::archive::make_archive(c, s, now, args.from, args.to, &args.till.operator)
    });
    match r {
        Ok(a) => {
            let out = if args.out.is_dir() {
                args.out.join(&a.file_name)
            } else {
                args.out.clone()
            };
            if let Err(e) = std::fs::write(&out, &a.bytes) {
                return fail(
                    "write archive (the A record is committed; re-export is not possible)",
                    e,
                );
            }
            println!(
                "archive: {} ({} bytes, manifest sha256 {}, verification {})",
                out.display(),
                a.bytes.len(),
                a.manifest_sha256,
                a.report.verdict
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail("archive", e),
    }
}

/// Runs `pos export fec`.
pub fn export(args: &ExportArgs) -> ExitCode {
    let ExportFormat::Fec = args.format;
    if !args.out.is_dir() {
        return fail("export", "--out must be an existing directory");
    }
    let r = with_till(&args.till, |c, s, now| {
        let siren = match &args.siren {
            Some(x) => x.clone(),
            None => store::rows::meta_get(c, "siren")?.ok_or(
                pos_fiscal::FiscalError::InvalidExport {
                    rule: "no SIREN recorded: pass --siren",
                },
            )?,
        };
        store::export_fec(c, s, now, &siren, &args.till.operator)
    });
    match r {
        Ok((name, bytes)) => match std::fs::write(args.out.join(&name), &bytes) {
            Ok(()) => {
                println!("fec: {}", args.out.join(&name).display());
                ExitCode::SUCCESS
            }
            Err(e) => fail("write FEC", e),
        },
        Err(e) => fail("export", e),
    }
}

/// Runs `pos journal`: one JSON line per record, in stored order, each a
/// complete stored record (envelope fields, payload, signed string,
/// previous hash, signature, hash): the output verifies alone with the
/// register's public key (`pos verify FILE --pubkey KEY.pem`).
pub fn journal(args: &JournalArgs) -> ExitCode {
    let series = match args.series.as_deref().map(|s| Series::parse(s).ok_or(s)) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(s)) => return fail("unknown series", s),
    };
    let conn = match store::open_read_only(&args.db)
        .map_err(|e| e.to_string())
        .and_then(|c| has_journal(&c).map(|()| c))
    {
        Ok(c) => c,
        Err(e) => return fail("journal", e),
    };
    let records = match store::rows::load_records(&conn) {
        Ok(r) => r,
        Err(e) => return fail("journal", e),
    };
    let mut out = std::io::stdout().lock();
    for r in records
        .iter()
        .filter(|r| series.is_none_or(|s| r.series == s))
    {
        let line = match serde_json::to_string(r) {
            Ok(l) => l,
            Err(e) => return fail("journal", e),
        };
        if std::io::Write::write_all(&mut out, line.as_bytes())
            .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
            .is_err()
        {
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use pos_fiscal::ticket::{
        LineInput, Operation, PaymentInput, PaymentMethod, TicketInput, TicketMode, VatAmounts,
    };
    use std::collections::BTreeMap;

    fn sale() -> TicketInput {
        let mut vat = BTreeMap::new();
        vat.insert(
            2000,
            VatAmounts {
                net: 1000,
                vat: 200,
                gross: 1200,
            },
        );
        TicketInput {
            establishment: "S".into(),
            operator: "a".into(),
            mode: TicketMode::Ticket,
            operation: Operation::Sale,
            original: None,
            original_register: None,
            currency: "EUR".into(),
            lines: vec![LineInput {
                label: "x".into(),
                qty_milli: 1000,
                unit_price: 1200,
                discount: 0,
                amount: 1200,
                vat_bps: 2000,
            }],
            vat,
            total: 1200,
            payments: vec![PaymentInput {
                method: PaymentMethod::Card,
                amount: 1200,
            }],
            change: 0,
            customer: None,
        }
    }

    /// A till created a few days ago with sales on two past days.
    fn till(dir: &Path) -> PathBuf {
        let db = dir.join("till.sqlite");
        let conn = Connection::open(&db).unwrap();
        store::migrate(&conn).unwrap();
        let signer = SoftwareSigner::from_secret(&[5u8; 32]).unwrap();
        std::fs::write(key_path(&db, None), signer.to_pkcs8_pem().unwrap()).unwrap();
        let base = Utc::now() - chrono::Duration::days(3);
        let at = |d: i64| Stamp::new(base + chrono::Duration::days(d), 60).unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        store::init(&tx, &signer, "R9", at(0)).unwrap();
        store::record_ticket(&tx, &signer, at(0), &sale()).unwrap();
        store::record_ticket(&tx, &signer, at(1), &sale()).unwrap();
        store::set_siren(&tx, &signer, at(1), "123456789", "a").unwrap();
        tx.commit().unwrap();
        db
    }

    fn till_args(db: &Path) -> TillArgs {
        TillArgs {
            db: db.to_path_buf(),
            key: None,
            operator: "admin".into(),
            utc_offset: Some(60),
        }
    }

    #[test]
    fn verify_close_archive_export_journal_on_a_real_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = till(dir.path());
        let v = VerifyArgs {
            path: db.clone(),
            pubkey: None,
            server: None,
            known_head_seq: None,
            known_head_hash: None,
        };
        let before = std::fs::read(&db).unwrap();
        assert_eq!(verify(&v), ExitCode::SUCCESS);
        assert_eq!(std::fs::read(&db).unwrap(), before, "verify never writes");
        let audit_args = AuditArgs {
            till: till_args(&db),
            pubkey: None,
        };
        assert_eq!(audit(&audit_args), ExitCode::SUCCESS);
        let conn = Connection::open(&db).unwrap();
        let jets: i64 = conn.query_row("SELECT COUNT(*) FROM fiscal_record WHERE series='E' AND payload LIKE '%\"code\":280%'", [], |r| r.get(0)).unwrap();
        assert_eq!(jets, 1, "pos audit logs JET 280");
        let yesterday = (Utc::now() - chrono::Duration::days(1)).date_naive();
        assert_eq!(
            close(&CloseArgs {
                level: Level::Day,
                till: till_args(&db),
                date: Some(yesterday)
            }),
            ExitCode::SUCCESS
        );
        assert_eq!(
            close(&CloseArgs {
                level: Level::Day,
                till: till_args(&db),
                date: Some(yesterday)
            }),
            ExitCode::from(2)
        );
        let from = (Utc::now() - chrono::Duration::days(5)).date_naive();
        let out = dir.path().join("a.tar");
        assert_eq!(
            archive(&ArchiveArgs {
                till: till_args(&db),
                from,
                to: yesterday,
                out: out.clone()
            }),
            ExitCode::SUCCESS
        );
        let va = VerifyArgs {
            path: out.clone(),
            pubkey: None,
            server: None,
            known_head_seq: None,
            known_head_hash: None,
        };
        assert_eq!(verify(&va), ExitCode::SUCCESS);
        let mut bytes = std::fs::read(&out).unwrap();
        let p = bytes.windows(7).position(|w| w == b"\"kind\":").unwrap() + 9;
        bytes[p] ^= 1;
        std::fs::write(&out, &bytes).unwrap();
        assert_eq!(verify(&va), ExitCode::from(1));
        let fec_dir = dir.path().join("fec");
        std::fs::create_dir(&fec_dir).unwrap();
        let e = ExportArgs {
            format: ExportFormat::Fec,
            till: till_args(&db),
            out: fec_dir.clone(),
            siren: None,
        };
        assert_eq!(export(&e), ExitCode::SUCCESS);
        assert_eq!(std::fs::read_dir(&fec_dir).unwrap().count(), 1);
        assert_eq!(
            journal(&JournalArgs {
                db: db.clone(),
                series: Some("T".into())
            }),
            ExitCode::SUCCESS
        );
        assert_eq!(
            journal(&JournalArgs {
                db: db.clone(),
                series: Some("Q".into())
            }),
            ExitCode::from(2)
        );
        // Tamper: verify exits 1.
        conn.execute_batch("DROP TRIGGER fiscal_record_no_update; UPDATE fiscal_record SET payload = replace(payload, '1200', '1300') WHERE series='T' AND number=1;").unwrap();
        let v = VerifyArgs {
            path: db.clone(),
            pubkey: None,
            server: None,
            known_head_seq: None,
            known_head_hash: None,
        };
        assert_eq!(verify(&v), ExitCode::from(1));
    }

    #[test]
    fn a_key_left_in_the_till_file_is_never_used() {
        let dir = tempfile::tempdir().unwrap();
        let db = till(dir.path());
        let pem = std::fs::read_to_string(key_path(&db, None)).unwrap();
        std::fs::remove_file(key_path(&db, None)).unwrap();
        let args = CloseArgs {
            level: Level::Day,
            till: till_args(&db),
            date: None,
        };
        assert_eq!(close(&args), ExitCode::from(2), "no key anywhere");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .unwrap();
        conn.execute("INSERT INTO meta VALUES ('software_key_pem', ?1)", [pem])
            .unwrap();
        assert_eq!(
            close(&args),
            ExitCode::from(2),
            "an old build's key in `meta` does not sign"
        );
    }

    #[test]
    fn unusable_input_exits_2() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.bin");
        std::fs::write(&junk, b"hello").unwrap();
        let v = VerifyArgs {
            path: junk,
            pubkey: None,
            server: None,
            known_head_seq: None,
            known_head_hash: None,
        };
        assert_eq!(verify(&v), ExitCode::from(2));
        let empty = dir.path().join("empty.sqlite");
        Connection::open(&empty)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        let v = VerifyArgs {
            path: empty,
            pubkey: None,
            server: None,
            known_head_seq: None,
            known_head_hash: None,
        };
        assert_eq!(verify(&v), ExitCode::from(2));
    }
}
