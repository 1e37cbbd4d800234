//! `cargo xtask certify`: the certifier's kit.
//!
//! Runs, and records each case with its verdict and duration:
//! 1. the NF525.md section 9 cases (`pos-fiscal/tests/nf525/s9_*`, one test
//!    per case, numbered from the test's name);
//! 2. the tamper campaign: every Rust test whose name holds `tamper`, across
//!    the workspace (the §9 tests of 1. excepted);
//! 3. the property suites at a raised case count (`PROPTEST_CASES`): every
//!    test whose name holds `prop` or that a `proptest!` block declares,
//!    across the workspace (tests of 1. and 2. excepted);
//! 4. the published vectors and the till files through the independent
//!    checker (pytest in `pos-fiscal/pytests`); the test modules that run the
//!    tamper campaign count in its group;
//! 5. each fuzz target of `fuzz/Cargo.toml` for a set time.
//!
//! Every Rust test runs with `PROPTEST_CASES` set, so a §9 case that is a
//! property (random baskets) runs at the raised count too. The report goes
//! to `build/certify/<UTC date-time>/report.md` and `report.json`, beside
//! the JUnit files and fuzz logs it was made from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::steps;

const USAGE: &str = "usage: cargo xtask certify [--fuzz-seconds N (default 60)] [--proptest-cases N (default 2048)]";

/// Command-line options of `certify`.
#[derive(Debug)]
pub struct Options {
    fuzz_seconds: u64,
    proptest_cases: u32,
}

impl Options {
    /// Parses `--fuzz-seconds N` and `--proptest-cases N`.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            fuzz_seconds: 60,
            proptest_cases: 2048,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let value = |v: Option<&String>| {
                v.cloned()
                    .ok_or_else(|| format!("`{a}` needs a number; {USAGE}"))
            };
            match a.as_str() {
                "--fuzz-seconds" => {
                    o.fuzz_seconds = value(it.next())?
                        .parse()
                        .map_err(|e| format!("--fuzz-seconds: {e}"))?;
                }
                "--proptest-cases" => {
                    o.proptest_cases = value(it.next())?
                        .parse()
                        .map_err(|e| format!("--proptest-cases: {e}"))?;
                }
                other => return Err(format!("unknown option `{other}`; {USAGE}")),
            }
        }
        if o.fuzz_seconds == 0 || o.proptest_cases == 0 {
            return Err(format!(
                "the fuzz time and case count must be above 0; {USAGE}"
            ));
        }
        Ok(o)
    }
}

/// What became of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    /// The suite skipped it (reported, never counted as a pass).
    Skip,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skipped",
        }
    }
}

/// One recorded case.
#[derive(Debug)]
struct Case {
    group: Group,
    name: String,
    verdict: Verdict,
    seconds: f64,
    /// NF525.md section 9 item, for the §9 group.
    s9: Option<u32>,
    /// libFuzzer's executed units, for fuzz targets.
    executions: Option<u64>,
    /// Failure or skip message (first lines), or where to look.
    note: Option<String>,
}

/// The groups of the report, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Nf525,
    Tamper,
    Property,
    Checker,
    Fuzz,
}

impl Group {
    const ALL: [Group; 5] = [
        Group::Nf525,
        Group::Tamper,
        Group::Property,
        Group::Checker,
        Group::Fuzz,
    ];

    fn id(self) -> &'static str {
        match self {
            Group::Nf525 => "nf525-s9",
            Group::Tamper => "tamper-campaign",
            Group::Property => "property",
            Group::Checker => "independent-checker",
            Group::Fuzz => "fuzz",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Group::Nf525 => "NF525.md section 9 cases",
            Group::Tamper => "Tamper campaign (Rust and Python)",
            Group::Property => "Property suites",
            Group::Checker => "Published vectors and till files through the independent checker",
            Group::Fuzz => "Fuzz targets",
        }
    }
}

/// Everything a run gathers.
#[derive(Debug, Default)]
struct Run {
    cases: Vec<Case>,
    /// Wall time of each step (builds included), in run order.
    steps: Vec<(String, f64)>,
}

impl Run {
    fn fail(&mut self, group: Group, name: &str, note: String) {
        self.cases.push(Case {
            group,
            name: name.to_owned(),
            verdict: Verdict::Fail,
            seconds: 0.0,
            s9: None,
            executions: None,
            note: Some(note),
        });
    }
}

/// Totals the caller prints and exits on.
#[derive(Debug)]
pub struct Outcome {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases a suite skipped.
    pub skipped: usize,
    /// The report's folder.
    pub dir: PathBuf,
}

/// Runs the whole kit and writes the report.
pub fn run(o: &Options) -> Result<Outcome, String> {
    let started = Instant::now();
    let started_utc = chrono::Utc::now();
    let root = steps::root();
    let dir = root
        .join("build/certify")
        .join(started_utc.format("%Y-%m-%dT%H-%M-%SZ").to_string());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    println!("certify: report in {}", dir.display());

    // Tools first, so a missing one stops the run before anything long.
    if !steps::have("cargo-nextest") {
        return Err(
            "cargo-nextest is missing (it records each case's verdict and time); \
             install it with `cargo install cargo-nextest --locked` and run again"
                .into(),
        );
    }
    if !steps::have("python3") {
        return Err("python3 is missing; apt-get install -y python3 python3-venv".into());
    }
    let tools_path = ensure_cargo_fuzz()?;

    let metadata = cargo_json(&["metadata", "--no-deps", "--format-version", "1"], &root)?;
    let mut run = Run::default();
    let started_text = started_utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Written after each phase, so an interrupted run leaves what it did.
    let save = |run: &Run, versions: &BTreeMap<String, String>, complete: bool| {
        let report = Report {
            options: o,
            started_utc: started_text.clone(),
            wall_seconds: started.elapsed().as_secs_f64(),
            complete,
            versions: versions.clone(),
            run,
        };
        write(&dir.join("report.json"), &report.json())?;
        write(&dir.join("report.md"), &report.markdown())
    };
    let venv_python = root.join(".venv/bin/python").to_string_lossy().into_owned();
    let mut found = versions(&metadata, Some(&venv_python), &tools_path);
    save(&run, &found, false)?;

    rust_groups(o, &root, &dir, &metadata, &mut run)?;
    save(&run, &found, false)?;
    let python = checker_groups(&root, &dir, &mut run);
    // The venv may be new: read Python's and cryptography's versions again.
    found = versions(&metadata, python.as_deref(), &tools_path);
    save(&run, &found, false)?;
    fuzz_targets(o, &root, &dir, &tools_path, &mut run);
    save(&run, &found, true)?;
    println!("\ncertify: {}", dir.join("report.md").display());
    let count = |v: Verdict| run.cases.iter().filter(|c| c.verdict == v).count();
    Ok(Outcome {
        passed: count(Verdict::Pass),
        failed: count(Verdict::Fail),
        skipped: count(Verdict::Skip),
        dir,
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

// ------------------------------------------------------------------ tools

/// Makes `cargo fuzz` available: already installed, or installed into
/// `target/tools`. Returns the PATH the fuzz commands run with.
fn ensure_cargo_fuzz() -> Result<String, String> {
    let tools = target_dir().join("tools");
    let path = format!(
        "{}:{}",
        tools.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let works = |path: &str| {
        Command::new("cargo")
            .args(["fuzz", "--version"])
            .env("PATH", path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works(&path) {
        return Ok(path);
    }
    let root = tools.to_string_lossy().into_owned();
    let installed = steps::run(
        "install cargo-fuzz",
        "cargo",
        &["install", "cargo-fuzz", "--root", &root],
        &[],
    );
    if installed.is_ok() && works(&path) {
        Ok(path)
    } else {
        Err(format!(
            "cargo-fuzz is missing and could not be installed into {root}; \
             install it with `cargo install cargo-fuzz` and run again"
        ))
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| steps::root().join("target"))
}

fn cargo_json(args: &[&str], dir: &Path) -> Result<Value, String> {
    let out = Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start cargo {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!("cargo {} failed ({})", args.join(" "), out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo {}: {e}", args.join(" ")))
}

/// First line of a command's standard output, if it ran.
fn first_line(program: &str, args: &[&str], path: Option<&str>) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.args(args).stderr(Stdio::null());
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_owned())
}

/// Runs a command with inherited output; returns success and seconds.
fn timed(label: &str, cmd: &mut Command, run: &mut Run) -> (bool, f64) {
    println!("\n==> {label}");
    let started = Instant::now();
    let ok = cmd.status().is_ok_and(|s| s.success());
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "<== {label}: {} in {seconds:.1} s",
        if ok { "ok" } else { "FAILED" }
    );
    run.steps.push((label.to_owned(), seconds));
    (ok, seconds)
}

// ------------------------------------------------------------------ Rust groups

/// The §9 tests: `s9_NN_...` in pos-fiscal's `nf525` test binary.
const S9: &str = "(package(pos-fiscal) & binary(nf525) & test(/(^|::)s9_[0-9]+_/))";

fn rust_groups(
    o: &Options,
    root: &Path,
    dir: &Path,
    metadata: &Value,
    run: &mut Run,
) -> Result<(), String> {
    let config = dir.join("nextest.toml");
    // A tool profile: no fail-fast, a JUnit file with each test's time.
    write(
        &config,
        "[profile.certify]\nfail-fast = false\n\n[profile.certify.junit]\npath = \"junit.xml\"\n",
    )?;
    let props = proptest_filter(root, metadata);
    let groups = [
        (Group::Nf525, S9.to_owned()),
        (Group::Tamper, format!("test(tamper) & not {S9}")),
        (
            Group::Property,
            format!("(test(prop){props}) & not {S9} & not test(tamper)"),
        ),
    ];
    // One build for the three runs, so a broken tree is said once and fast.
    let mut build = Command::new("cargo");
    build
        .current_dir(root)
        .args(["nextest", "run", "--workspace", "--no-run"]);
    let (built, _) = timed("build the workspace's tests", &mut build, run);
    for (group, filter) in groups {
        if built {
            nextest_group(o, root, dir, &config, group, &filter, run);
        } else {
            run.fail(
                group,
                "(not run)",
                "the workspace's tests did not build (`cargo nextest run --workspace --no-run`); \
                 see the console output"
                    .into(),
            );
        }
    }
    Ok(())
}

fn nextest_group(
    o: &Options,
    root: &Path,
    dir: &Path,
    config: &Path,
    group: Group,
    filter: &str,
    run: &mut Run,
) {
    let junit = target_dir().join("nextest/certify/junit.xml");
    // A stale file from an earlier run must not pass for this one.
    let _ = std::fs::remove_file(&junit);
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root)
        .args(["nextest", "run", "--workspace", "--profile", "certify"])
        .arg("--tool-config-file")
        .arg(format!("xtask:{}", config.display()))
        .args(["--no-tests", "warn", "-E", filter])
        .env("PROPTEST_CASES", o.proptest_cases.to_string());
    println!("(filter: {filter})");
    let (ok, _) = timed(
        &format!("{} (PROPTEST_CASES={})", group.id(), o.proptest_cases),
        &mut cmd,
        run,
    );
    let Ok(text) = std::fs::read_to_string(&junit) else {
        run.fail(
            group,
            "(build and run)",
            "nextest wrote no JUnit file: the test binaries did not build or the run broke; \
             see the console output"
                .into(),
        );
        return;
    };
    let copy = dir.join(format!("junit-{}.xml", group.id()));
    let _ = std::fs::write(&copy, &text);
    let cases = junit_cases(&text);
    if cases.is_empty() {
        run.fail(group, "(no test)", format!("no test matched `{filter}`"));
        return;
    }
    let mut all_passed = true;
    for c in cases {
        let name = format!("{} {}", c.classname, c.name);
        all_passed &= c.verdict != Verdict::Fail;
        run.cases.push(Case {
            group,
            s9: if group == Group::Nf525 {
                s9_number(&c.name)
            } else {
                None
            },
            name,
            verdict: c.verdict,
            seconds: c.seconds,
            executions: None,
            note: c.message,
        });
    }
    if !ok && all_passed {
        run.fail(
            group,
            "(nextest)",
            "nextest failed although every recorded test passed; see the console output".into(),
        );
    }
}

/// `s9_tamper::s9_01_one_changed_byte` -> 1.
fn s9_number(test: &str) -> Option<u32> {
    let last = test.rsplit("::").next()?;
    let digits: String = last
        .strip_prefix("s9_")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// ` | (package(P) & test(/(^|::)(a|b)$/)) | ...` for the tests every
/// `proptest!` block of each workspace package declares.
fn proptest_filter(root: &Path, metadata: &Value) -> String {
    let mut packages: Vec<(PathBuf, String)> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            let manifest = PathBuf::from(p["manifest_path"].as_str()?);
            Some((manifest.parent()?.to_path_buf(), name.to_owned()))
        })
        .collect();
    // Longest folder first: a file belongs to the innermost package.
    packages.sort_by_key(|(d, _)| std::cmp::Reverse(d.as_os_str().len()));
    let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(root) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Some((_, package)) = packages.iter().find(|(d, _)| file.starts_with(d)) else {
            continue;
        };
        for name in proptest_fns(&text) {
            names.entry(package.clone()).or_default().insert(name);
        }
    }
    let mut out = String::new();
    for (package, fns) in names {
        let alternatives: Vec<&str> = fns.iter().map(String::as_str).collect();
        let _ = write!(
            out,
            " | (package({package}) & test(/(^|::)({})$/))",
            alternatives.join("|")
        );
    }
    out
}

/// Every `.rs` file below the root, outside build output and other workspaces.
fn rust_files(root: &Path) -> Vec<PathBuf> {
    const SKIP: [&str; 7] = [
        "target",
        ".git",
        "build",
        "node_modules",
        ".venv",
        "fuzz",
        "benches/target",
    ];
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            if p.is_dir() {
                if !SKIP.contains(&rel.as_str()) && !rel.ends_with("/target") {
                    todo.push(p);
                }
            } else if rel.ends_with(".rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Names of the functions declared at the top level of each `proptest! { }`
/// block of a source file (comments and literals skipped).
fn proptest_fns(src: &str) -> Vec<String> {
    let code = strip_comments_and_literals(src);
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("proptest!") {
        let Some(after) = rest.get(at.saturating_add("proptest!".len())..) else {
            break;
        };
        let Some(open) = after.find(['{', '(']) else {
            break;
        };
        let mut depth = 0usize;
        let mut tokens = String::new();
        let mut body_end = after.len();
        for (i, ch) in after.char_indices().skip(open) {
            match ch {
                '{' | '(' | '[' => depth = depth.saturating_add(1),
                '}' | ')' | ']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        body_end = i;
                        break;
                    }
                }
                _ => {}
            }
            // Only the block's own level: `fn name` of each test.
            let own_level = depth == 1 && !matches!(ch, '{' | '(' | '[');
            tokens.push(if own_level { ch } else { ' ' });
        }
        let words: Vec<&str> = tokens.split_whitespace().collect();
        for pair in words.windows(2) {
            if let [first, second] = pair
                && *first == "fn"
            {
                let name: String = second
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
        rest = after.get(body_end..).unwrap_or("");
    }
    out
}

/// The source with comments, strings and char literals blanked out, so the
/// brace counting above sees code only.
fn strip_comments_and_literals(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut out = String::with_capacity(src.len());
    let mut i = 0usize;
    let next = |i: usize| i.saturating_add(1);
    while let Some(c) = at(i) {
        let c1 = at(next(i));
        if c == '/' && c1 == Some('/') {
            while at(i).is_some_and(|c| c != '\n') {
                i = next(i);
            }
        } else if c == '/' && c1 == Some('*') {
            i = i.saturating_add(2);
            while at(i).is_some() && !(at(i) == Some('*') && at(next(i)) == Some('/')) {
                i = next(i);
            }
            i = i.saturating_add(2);
            out.push(' ');
        } else if c == 'r' && (c1 == Some('"') || c1 == Some('#')) {
            // Raw string: r"..." or r#"..."#.
            let mut j = next(i);
            let mut hashes = 0usize;
            while at(j) == Some('#') {
                hashes = hashes.saturating_add(1);
                j = next(j);
            }
            if at(j) != Some('"') {
                out.push(c);
                i = next(i);
                continue;
            }
            j = next(j);
            loop {
                match at(j) {
                    None => break,
                    Some('"') => {
                        let closes = (1..=hashes).all(|k| at(j.saturating_add(k)) == Some('#'));
                        if closes {
                            j = j.saturating_add(hashes).saturating_add(1);
                            break;
                        }
                        j = next(j);
                    }
                    Some(_) => j = next(j),
                }
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i = next(i);
            while let Some(d) = at(i) {
                i = next(i);
                if d == '\\' {
                    i = next(i);
                } else if d == '"' {
                    break;
                }
            }
            out.push_str("\"\"");
        } else if c == '\'' && (at(i.saturating_add(2)) == Some('\'') || c1 == Some('\\')) {
            // A char literal ('{' or '\n'); a lifetime has no closing quote.
            i = next(i);
            if at(i) == Some('\\') {
                i = next(i);
            }
            i = next(i);
            while at(i).is_some_and(|d| d != '\'') {
                i = next(i);
            }
            i = next(i);
            out.push_str("' '");
        } else {
            out.push(c);
            i = next(i);
        }
    }
    out
}

// ------------------------------------------------------------------ JUnit

/// One `<testcase>` of a JUnit file (nextest's or pytest's).
#[derive(Debug)]
struct JunitCase {
    classname: String,
    name: String,
    seconds: f64,
    verdict: Verdict,
    message: Option<String>,
}

/// Reads every `<testcase>` element: a `<failure>` or `<error>` child fails
/// it, a `<skipped>` child skips it.
fn junit_cases(xml: &str) -> Vec<JunitCase> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some((_, after)) = rest.split_once("<testcase") {
        let (tag, self_closed, tail) = read_tag(after);
        let attrs = attributes(tag);
        let get = |k: &str| attrs.get(k).cloned().unwrap_or_default();
        let (body, next) = if self_closed {
            ("", tail)
        } else {
            tail.split_once("</testcase>").unwrap_or((tail, ""))
        };
        let (verdict, message) =
            if let Some(m) = child(body, "failure").or_else(|| child(body, "error")) {
                (Verdict::Fail, Some(m))
            } else if let Some(m) = child(body, "skipped") {
                (Verdict::Skip, Some(m))
            } else {
                (Verdict::Pass, None)
            };
        out.push(JunitCase {
            classname: get("classname"),
            name: get("name"),
            seconds: get("time").parse().unwrap_or(0.0),
            verdict,
            message,
        });
        rest = next;
    }
    out
}

/// Splits `attrs...>` or `attrs.../>` off the text after a tag name.
fn read_tag(after: &str) -> (&str, bool, &str) {
    let mut quote: Option<char> = None;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, '>') => {
                let tag = after.get(..i).unwrap_or("");
                let tail = after.get(i.saturating_add(1)..).unwrap_or("");
                return match tag.strip_suffix('/') {
                    Some(t) => (t, true, tail),
                    None => (tag, false, tail),
                };
            }
            _ => {}
        }
    }
    (after, true, "")
}

/// `k="v"` pairs of a tag, unescaped.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().to_owned();
        let after = after.trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some((value, tail)) = after.get(1..).and_then(|v| v.split_once(q)) else {
            break;
        };
        out.insert(key, unescape(value));
        rest = tail;
    }
    out
}

/// The `message` of a `<name ...>` child, else its first lines of text.
fn child(body: &str, name: &str) -> Option<String> {
    let (_, after) = body.split_once(&format!("<{name}"))?;
    // `<skipped` must not match `<skippedFoo`.
    if !after.starts_with([' ', '>', '/', '\n', '\t']) {
        return None;
    }
    let (tag, self_closed, tail) = read_tag(after);
    let attrs = attributes(tag);
    let text = if self_closed {
        String::new()
    } else {
        unescape(
            tail.split_once(&format!("</{name}>"))
                .map_or(tail, |(t, _)| t),
        )
    };
    let message = attrs.get("message").cloned().unwrap_or_default();
    let mut lines: Vec<&str> = message.lines().collect();
    if lines.is_empty() || text.contains("assert") {
        lines.extend(text.lines().filter(|l| !l.trim().is_empty()).take(12));
    }
    Some(lines.join("\n"))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((before, after)) = rest.split_once('&') {
        out.push_str(before);
        let Some((entity, tail)) = after.split_once(';').filter(|(e, _)| e.len() <= 8) else {
            out.push('&');
            rest = after;
            continue;
        };
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = tail;
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------------------ Python checker

/// Runs pos-fiscal's pytest suite once; tests of the modules that run the
/// tamper campaign go to that group, the others to the checker group.
/// Returns the venv's Python.
fn checker_groups(root: &Path, dir: &Path, run: &mut Run) -> Option<String> {
    let suite = root.join("pos-fiscal/pytests");
    if !suite.is_dir() {
        run.fail(
            Group::Checker,
            "(suite)",
            format!("{} does not exist", suite.display()),
        );
        return None;
    }
    let started = Instant::now();
    let prepared = steps::python_venv(std::slice::from_ref(&suite)).and_then(|py| {
        steps::build_binaries()?;
        Ok(py)
    });
    run.steps.push((
        "python venv and binaries".into(),
        started.elapsed().as_secs_f64(),
    ));
    let py = match prepared {
        Ok(py) => py,
        Err(e) => {
            run.fail(Group::Checker, "(setup)", e);
            return None;
        }
    };
    let junit = dir.join("junit-pytest.xml");
    let mut cmd = Command::new(&py);
    cmd.current_dir(root)
        .args(["-m", "pytest", "-q", "-rs"])
        .arg(format!("--junitxml={}", junit.display()))
        .arg(&suite)
        .envs(steps::suite_envs());
    let (ok, _) = timed(
        "independent checker (pytest pos-fiscal/pytests)",
        &mut cmd,
        run,
    );
    let Ok(text) = std::fs::read_to_string(&junit) else {
        run.fail(
            Group::Checker,
            "(pytest)",
            "pytest wrote no JUnit file; see the console output".into(),
        );
        return Some(py);
    };
    let cases = junit_cases(&text);
    if cases.is_empty() {
        run.fail(
            Group::Checker,
            "(no test)",
            "pytest collected no test".into(),
        );
    }
    let mut tamper_modules: BTreeMap<String, bool> = BTreeMap::new();
    let mut all_passed = true;
    for c in cases {
        let module = c.classname.rsplit('.').next().unwrap_or("").to_owned();
        let is_tamper = *tamper_modules.entry(module.clone()).or_insert_with(|| {
            std::fs::read_to_string(suite.join(format!("{module}.py")))
                .is_ok_and(|t| t.to_lowercase().contains("tamper"))
        });
        all_passed &= c.verdict != Verdict::Fail;
        run.cases.push(Case {
            group: if is_tamper {
                Group::Tamper
            } else {
                Group::Checker
            },
            name: format!("pos-fiscal/pytests {}::{}", c.classname, c.name),
            verdict: c.verdict,
            seconds: c.seconds,
            s9: None,
            executions: None,
            note: c.message,
        });
    }
    if !ok && all_passed {
        run.fail(
            Group::Checker,
            "(pytest)",
            "pytest failed although every recorded test passed; see the console output".into(),
        );
    }
    Some(py)
}

// ------------------------------------------------------------------ fuzz

fn fuzz_targets(o: &Options, root: &Path, dir: &Path, path: &str, run: &mut Run) {
    let fuzz = root.join("fuzz");
    let targets: Vec<String> = match Command::new("cargo")
        .args(["fuzz", "list"])
        .current_dir(&fuzz)
        .env("PATH", path)
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
        Ok(out) => {
            run.fail(
                Group::Fuzz,
                "(list)",
                format!(
                    "cargo fuzz list failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            );
            return;
        }
        Err(e) => {
            run.fail(
                Group::Fuzz,
                "(list)",
                format!("cannot run cargo fuzz list: {e}"),
            );
            return;
        }
    };
    if targets.is_empty() {
        run.fail(
            Group::Fuzz,
            "(list)",
            "fuzz/Cargo.toml lists no target".into(),
        );
        return;
    }
    // One build of every target, so no run pays for it.
    let mut build = Command::new("cargo");
    build
        .args(["fuzz", "build", "-s", "none"])
        .current_dir(&fuzz)
        .env("PATH", path)
        .env("RUSTC_BOOTSTRAP", "1");
    let (built, _) = timed("fuzz build (every target)", &mut build, run);
    if !built {
        // Each run below still builds its own target, so the others run.
        run.fail(
            Group::Fuzz,
            "(build every target)",
            "cargo fuzz build -s none failed; see the console output".into(),
        );
    }
    let max_time = format!("-max_total_time={}", o.fuzz_seconds);
    for t in targets {
        let log = dir.join(format!("fuzz-{t}.log"));
        let (stdout, stderr) = match File::create(&log).and_then(|f| Ok((f.try_clone()?, f))) {
            Ok(pair) => pair,
            Err(e) => {
                run.fail(
                    Group::Fuzz,
                    &t,
                    format!("cannot create {}: {e}", log.display()),
                );
                continue;
            }
        };
        // New finds go to corpus/<t>; the kept inputs of regressions/<t>
        // (crashes replayed as tests, seeds) start the run.
        let mut corpora = vec![format!("corpus/{t}")];
        let _ = std::fs::create_dir_all(fuzz.join("corpus").join(&t));
        if fuzz.join("regressions").join(&t).is_dir() {
            corpora.push(format!("regressions/{t}"));
        }
        println!(
            "\n==> fuzz {t} for {} s (log: {})",
            o.fuzz_seconds,
            log.display()
        );
        let started = Instant::now();
        let ok = Command::new("cargo")
            .args(["fuzz", "run", "-s", "none", &t])
            .args(&corpora)
            .arg("--")
            .args([max_time.as_str(), "-print_final_stats=1"])
            .current_dir(&fuzz)
            .env("PATH", path)
            .env("RUSTC_BOOTSTRAP", "1")
            .stdout(stdout)
            .stderr(stderr)
            .status()
            .is_ok_and(|s| s.success());
        let seconds = started.elapsed().as_secs_f64();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let executions = executed_units(&text);
        let note = if ok {
            None
        } else {
            Some(
                crash_note(&text)
                    .unwrap_or_else(|| format!("cargo fuzz run failed; see {}", log.display())),
            )
        };
        println!(
            "<== fuzz {t}: {} in {seconds:.1} s, {} executions",
            if ok { "ok" } else { "FAILED" },
            executions.map_or_else(|| "?".into(), |n| n.to_string())
        );
        run.steps.push((format!("fuzz {t}"), seconds));
        run.cases.push(Case {
            group: Group::Fuzz,
            name: t,
            verdict: if ok { Verdict::Pass } else { Verdict::Fail },
            seconds,
            s9: None,
            executions,
            note,
        });
    }
}

/// libFuzzer's count of executed inputs: `stat::number_of_executed_units: N`
/// (with `-print_final_stats=1`), else the last `#N DONE` or `#N ...` line.
fn executed_units(log: &str) -> Option<u64> {
    let stat = log.lines().rev().find_map(|l| {
        l.strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    stat.or_else(|| {
        log.lines().rev().find_map(|l| {
            let (count, rest) = l.strip_prefix('#')?.split_once(char::is_whitespace)?;
            if rest.trim_start().starts_with("DONE") {
                count.parse().ok()
            } else {
                None
            }
        })
    })
}

/// The libFuzzer lines that say what crashed and where the input was kept.
fn crash_note(log: &str) -> Option<String> {
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.starts_with("==") && l.contains("ERROR")
                || l.contains("panicked at")
                || l.contains("Test unit written to")
                || l.contains("deadly signal")
                || l.starts_with("error")
        })
        .take(6)
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

// ------------------------------------------------------------------ versions

fn versions(metadata: &Value, python: Option<&str>, fuzz_path: &str) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    for p in metadata["packages"].as_array().into_iter().flatten() {
        if let (Some(name), Some(version)) = (p["name"].as_str(), p["version"].as_str()) {
            v.insert(format!("crate {name}"), version.to_owned());
        }
    }
    let root = steps::root();
    let root = root.to_string_lossy();
    let tools: [(&str, &str, Vec<&str>); 6] = [
        (
            "git describe",
            "git",
            vec!["-C", &root, "describe", "--always", "--dirty"],
        ),
        ("rustc", "rustc", vec!["--version"]),
        ("cargo", "cargo", vec!["--version"]),
        (
            "cargo-nextest",
            "cargo-nextest",
            vec!["nextest", "--version"],
        ),
        ("cargo-fuzz", "cargo", vec!["fuzz", "--version"]),
        ("python3 (system)", "python3", vec!["--version"]),
    ];
    for (key, program, args) in tools {
        let path = (program == "cargo").then_some(fuzz_path);
        if let Some(line) = first_line(program, &args, path) {
            v.insert(key.to_owned(), line);
        }
    }
    if let Some(py) = python {
        let script = "import sys, cryptography, pytest; \
                      print(sys.version.split()[0], cryptography.__version__, pytest.__version__)";
        if let Some(line) = first_line(py, &["-c", script], None) {
            let mut parts = line.split_whitespace();
            for key in ["python", "cryptography", "pytest"] {
                if let Some(p) = parts.next() {
                    v.insert(key.to_owned(), p.to_owned());
                }
            }
        }
    }
    v
}

// ------------------------------------------------------------------ report

#[derive(Debug)]
struct Report<'a> {
    options: &'a Options,
    started_utc: String,
    wall_seconds: f64,
    /// False while the run is still going (or was interrupted).
    complete: bool,
    versions: BTreeMap<String, String>,
    run: &'a Run,
}

impl Report<'_> {
    fn cases(&self, group: Option<Group>) -> impl Iterator<Item = &Case> {
        self.run
            .cases
            .iter()
            .filter(move |c| group.is_none_or(|g| c.group == g))
    }

    fn count(&self, group: Option<Group>, verdict: Verdict) -> usize {
        self.cases(group).filter(|c| c.verdict == verdict).count()
    }

    fn seconds(&self, group: Option<Group>) -> f64 {
        // fold from +0.0: an empty f64 sum is -0.0.
        self.cases(group).map(|c| c.seconds).fold(0.0, |a, b| a + b)
    }

    /// §9 items (1..=18) that no recorded case covers.
    fn s9_uncovered(&self) -> Vec<u32> {
        let covered: BTreeSet<u32> = self
            .cases(Some(Group::Nf525))
            .filter_map(|c| c.s9)
            .collect();
        (1..=18).filter(|n| !covered.contains(n)).collect()
    }

    fn json(&self) -> String {
        let cases: Vec<Value> = self
            .run
            .cases
            .iter()
            .map(|c| {
                let mut v = json!({
                    "group": c.group.id(),
                    "name": c.name,
                    "verdict": c.verdict.word(),
                    "duration_seconds": round3(c.seconds),
                });
                if let Some(map) = v.as_object_mut() {
                    if let Some(n) = c.s9 {
                        map.insert("nf525_s9".into(), json!(n));
                    }
                    if let Some(n) = c.executions {
                        map.insert("executions".into(), json!(n));
                    }
                    if let Some(note) = &c.note {
                        map.insert("message".into(), json!(note));
                    }
                }
                v
            })
            .collect();
        let groups: Vec<Value> = Group::ALL
            .iter()
            .map(|g| {
                json!({
                    "group": g.id(),
                    "title": g.title(),
                    "cases": self.cases(Some(*g)).count(),
                    "passed": self.count(Some(*g), Verdict::Pass),
                    "failed": self.count(Some(*g), Verdict::Fail),
                    "skipped": self.count(Some(*g), Verdict::Skip),
                    "case_seconds": round3(self.seconds(Some(*g))),
                })
            })
            .collect();
        let steps: Vec<Value> = self
            .run
            .steps
            .iter()
            .map(|(s, t)| json!({"step": s, "wall_seconds": round3(*t)}))
            .collect();
        let report = json!({
            "started_utc": self.started_utc,
            "complete": self.complete,
            "versions": self.versions,
            "options": {
                "fuzz_seconds": self.options.fuzz_seconds,
                "proptest_cases": self.options.proptest_cases,
            },
            "totals": {
                "cases": self.run.cases.len(),
                "passed": self.count(None, Verdict::Pass),
                "failed": self.count(None, Verdict::Fail),
                "skipped": self.count(None, Verdict::Skip),
                "case_seconds": round3(self.seconds(None)),
                "wall_seconds": round3(self.wall_seconds),
            },
            "nf525_s9_items_without_a_test": self.s9_uncovered(),
            "groups": groups,
            "steps": steps,
            "cases": cases,
        });
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    }

    fn markdown(&self) -> String {
        let mut md = String::new();
        let failed = self.count(None, Verdict::Fail);
        let _ = writeln!(md, "# pos-sdk certification report\n");
        if !self.complete {
            let _ = writeln!(
                md,
                "**Incomplete: the run is still going or was interrupted; the cases below are the ones done.**\n"
            );
        }
        let _ = writeln!(
            md,
            "Started {} (UTC), {:.0} s wall time. Verdict: **{}** — {} passed, {} failed, {} skipped.\n",
            self.started_utc,
            self.wall_seconds,
            if failed == 0 { "PASS" } else { "FAIL" },
            self.count(None, Verdict::Pass),
            failed,
            self.count(None, Verdict::Skip),
        );
        let _ = writeln!(
            md,
            "Made by `cargo xtask certify --fuzz-seconds {} --proptest-cases {}`: every Rust test ran \
             with `PROPTEST_CASES={}`; each fuzz target ran {} s on plain stable (`-s none`). \
             Each case is recorded once, in the first group that claims it.\n",
            self.options.fuzz_seconds,
            self.options.proptest_cases,
            self.options.proptest_cases,
            self.options.fuzz_seconds
        );
        let _ = writeln!(md, "## Versions\n\n| what | version |\n|---|---|");
        for (k, v) in &self.versions {
            let _ = writeln!(md, "| {k} | `{v}` |");
        }
        let _ = writeln!(
            md,
            "\n## Summary\n\n| group | cases | passed | failed | skipped | time in cases (s) |\n|---|---:|---:|---:|---:|---:|"
        );
        for g in Group::ALL {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {:.1} |",
                g.title(),
                self.cases(Some(g)).count(),
                self.count(Some(g), Verdict::Pass),
                self.count(Some(g), Verdict::Fail),
                self.count(Some(g), Verdict::Skip),
                self.seconds(Some(g)),
            );
        }
        let _ = writeln!(
            md,
            "\nWall time per step (builds included):\n\n| step | s |\n|---|---:|"
        );
        for (s, t) in &self.run.steps {
            let _ = writeln!(md, "| {s} | {t:.1} |");
        }
        let uncovered = self.s9_uncovered();
        if !uncovered.is_empty() {
            let list: Vec<String> = uncovered.iter().map(u32::to_string).collect();
            let _ = writeln!(
                md,
                "\nNF525.md section 9 items with no `s9_NN_` test recorded: {}.",
                list.join(", ")
            );
        }
        for g in Group::ALL {
            let _ = writeln!(md, "\n## {}\n", g.title());
            match g {
                Group::Nf525 => {
                    let _ = writeln!(md, "| §9 | test | verdict | s |\n|---:|---|---|---:|");
                }
                Group::Fuzz => {
                    let _ = writeln!(
                        md,
                        "| target | verdict | s | executions | per second |\n|---|---|---:|---:|---:|"
                    );
                }
                _ => {
                    let _ = writeln!(md, "| test | verdict | s |\n|---|---|---:|");
                }
            }
            let mut cases: Vec<&Case> = self.cases(Some(g)).collect();
            if g == Group::Nf525 {
                cases.sort_by_key(|c| (c.s9, c.name.clone()));
            }
            for c in cases {
                let verdict = match c.verdict {
                    Verdict::Fail => "**FAIL**",
                    v => v.word(),
                };
                match g {
                    Group::Nf525 => {
                        let n = c.s9.map_or_else(String::new, |n| n.to_string());
                        let _ =
                            writeln!(md, "| {n} | `{}` | {verdict} | {:.2} |", c.name, c.seconds);
                    }
                    Group::Fuzz => {
                        let (execs, rate) = match c.executions {
                            Some(n) if c.seconds > 0.0 => {
                                (n.to_string(), format!("{:.0}", n as f64 / c.seconds))
                            }
                            Some(n) => (n.to_string(), String::new()),
                            None => ("?".into(), String::new()),
                        };
                        let _ = writeln!(
                            md,
                            "| `{}` | {verdict} | {:.1} | {execs} | {rate} |",
                            c.name, c.seconds
                        );
                    }
                    _ => {
                        let _ = writeln!(md, "| `{}` | {verdict} | {:.2} |", c.name, c.seconds);
                    }
                }
            }
        }
        let notes: Vec<&Case> = self
            .run
            .cases
            .iter()
            .filter(|c| c.verdict != Verdict::Pass && c.note.is_some())
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(md, "\n## Failures and skips\n");
            for c in notes {
                let _ = writeln!(
                    md,
                    "### {} — {} `{}`\n\n```\n{}\n```\n",
                    c.verdict.word(),
                    c.group.id(),
                    c.name,
                    c.note.as_deref().unwrap_or("")
                );
            }
        }
        md
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn junit_from_nextest_and_pytest() {
        let xml = r#"<testsuites><testsuite name="x">
<testcase name="more::quick" classname="scratch" time="0.062"/>
<testcase name="more::prop_fails" classname="pos-fiscal::nf525" time="0.394">
  <failure message="thread &apos;x&apos; panicked at a &lt;b&gt;" type="t">text</failure>
</testcase>
<testcase classname="pytests.test_till" name="test_a[x&gt;y]" time="1.5"><skipped type="pytest.skip" message="no key">why</skipped></testcase>
</testsuite></testsuites>"#;
        let cases = junit_cases(xml);
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].name, "more::quick");
        assert_eq!(cases[0].classname, "scratch");
        assert_eq!(cases[0].verdict, Verdict::Pass);
        assert!((cases[0].seconds - 0.062).abs() < 1e-9);
        assert_eq!(cases[1].verdict, Verdict::Fail);
        assert_eq!(
            cases[1].message.as_deref(),
            Some("thread 'x' panicked at a <b>")
        );
        assert_eq!(cases[2].name, "test_a[x>y]");
        assert_eq!(cases[2].verdict, Verdict::Skip);
        assert_eq!(cases[2].message.as_deref(), Some("no key"));
    }

    #[test]
    fn test_fns_of_each_block() {
        let src = r##"
// proptest! { fn not_me(x in 0..1) {} }
proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn first(a in 0..10u32, s in "[a-z{]") {
        let c = '{';
        fn inner() {}
        prop_assert!(a < 10, "{}", r#"}"#);
    }
    #[test]
    fn second(v in prop::collection::vec(any::<u8>(), 0..4)) { let _: &'static str = "x"; }
}
fn after() {}
"##;
        assert_eq!(proptest_fns(src), vec!["first", "second"]);
    }

    #[test]
    fn s9_numbers_and_fuzz_counts() {
        assert_eq!(s9_number("s9_tamper::s9_01_one_changed_byte"), Some(1));
        assert_eq!(s9_number("s9_archive::s9_13_archive"), Some(13));
        assert_eq!(s9_number("util::helper"), None);
        let log = "#1024\tpulse  cov: 10\n#52311\tDONE   cov: 220 ft: 400 corp: 30/1b exec/s: 17437 rss: 40Mb\n";
        assert_eq!(executed_units(log), Some(52311));
        let log = "#9\tDONE x\nstat::number_of_executed_units: 52312\nstat::peak_rss_mb: 40\n";
        assert_eq!(executed_units(log), Some(52312));
    }
}
