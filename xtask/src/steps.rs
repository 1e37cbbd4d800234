//! The suites `cargo xtask test` runs, and the tools they need.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Command-line options.
#[derive(Debug, Default)]
pub struct Options {
    lint: bool,
    only: Option<String>,
}

impl Options {
    /// Parses `--no-lint` and `--only FAMILY`.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            lint: true,
            only: None,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--no-lint" => o.lint = false,
                "--only" => o.only = it.next().cloned(),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        Ok(o)
    }

    fn wants(&self, family: &str) -> bool {
        self.only.as_deref().is_none_or(|f| f == family)
    }
}

/// The repository root (the parent of `xtask/`).
pub(crate) fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// Whether `tool` is on the PATH.
pub(crate) fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool} >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs one command from the repository root, echoing it.
pub(crate) fn run(
    label: &str,
    program: &str,
    args: &[&str],
    envs: &[(&str, String)],
) -> Result<(), String> {
    run_in(&root(), label, program, args, envs)
}

fn run_in(
    dir: &Path,
    label: &str,
    program: &str,
    args: &[&str],
    envs: &[(&str, String)],
) -> Result<(), String> {
    println!("\n==> {label}: {program} {}", args.join(" "));
    let started = Instant::now();
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("{label}: cannot start `{program}`: {e}"))?;
    println!(
        "<== {label}: {} in {:.1} s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("{label} failed ({status})"))
    }
}

/// Every directory named `name` two levels below the root (`crate/pytests`).
pub(crate) fn suites_named(name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root()) else {
        return found;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        for candidate in [dir.join(name), dir.join("python").join(name)] {
            if candidate.is_dir() {
                found.push(candidate);
            }
        }
    }
    found
}

/// Runs every step the options select.
pub fn run_all(o: &Options) -> Result<(), String> {
    let started = Instant::now();
    prerequisites(o)?;
    if o.lint && o.wants("rust") {
        run("rustfmt", "cargo", &["fmt", "--all", "--", "--check"], &[])?;
        run(
            "clippy",
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )?;
    }
    if o.wants("rust") {
        rust_tests()?;
    }
    if o.wants("python") {
        python_tests()?;
    }
    if o.wants("node") {
        node_tests()?;
    }
    if o.wants("bindings") {
        binding_scripts()?;
    }
    println!(
        "\nxtask: every selected suite is green ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn prerequisites(o: &Options) -> Result<(), String> {
    let mut missing: Vec<String> = Vec::new();
    if o.wants("python") && !suites_named("pytests").is_empty() && !have("python3") {
        missing.push("python3 (apt-get install -y python3 python3-venv)".into());
    }
    if o.wants("node") && !suites_named("nodetests").is_empty() && !(have("node") && have("npm")) {
        missing.push("node and npm (apt-get install -y nodejs npm)".into());
    }
    // The failover test (examples/pos-cli/tests/failover.rs) puts two sync
    // servers behind nginx; a non-root PATH often lacks /usr/sbin.
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"];
    if root().join("examples/pos-cli/tests/failover.rs").is_file()
        && !have("nginx")
        && !nginx.iter().any(|p| std::path::Path::new(p).is_file())
    {
        missing.push("nginx (apt-get update && apt-get install -y nginx)".into());
    }
    for (tool, package) in system_tools() {
        if !have(tool) {
            missing.push(format!(
                "{tool} (apt-get update && apt-get install -y {package})"
            ));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missing tools; install them (as root) and run again:\n  - {}",
            missing.join("\n  - ")
        ))
    }
}

/// System tools that suites need, with the Debian package that brings them.
fn system_tools() -> Vec<(&'static str, &'static str)> {
    let mut tools = Vec::new();
    if root().join("pos-hw/src/receipt").is_dir() {
        tools.push(("zbarimg", "zbar-tools"));
    }
    tools
}

fn rust_tests() -> Result<(), String> {
    if have("cargo-nextest") {
        run(
            "rust tests",
            "cargo",
            &["nextest", "run", "--workspace", "--no-fail-fast"],
            &[],
        )?;
        run("doctests", "cargo", &["test", "--workspace", "--doc"], &[])
    } else {
        println!(
            "(cargo-nextest not found: using cargo test; `cargo install cargo-nextest` for a faster run)"
        );
        run(
            "rust tests",
            "cargo",
            &["test", "--workspace", "--no-fail-fast"],
            &[],
        )
    }
}

fn python_tests() -> Result<(), String> {
    let suites = suites_named("pytests");
    if suites.is_empty() {
        return Ok(());
    }
    let py = python_venv(&suites)?;
    build_binaries()?;
    let envs = suite_envs();
    let mut args: Vec<String> = vec!["-m".into(), "pytest".into(), "-q".into()];
    args.extend(suites.iter().map(|s| s.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("python tests", &py, &args, &envs)
}

/// The project-local `.venv` with each suite's `requirements.txt` and pytest
/// installed; returns the path of its Python.
pub(crate) fn python_venv(suites: &[PathBuf]) -> Result<String, String> {
    let root = root();
    let venv = root.join(".venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run("python venv", "python3", &["-m", "venv", ".venv"], &[])?;
    }
    let py = python.to_string_lossy().into_owned();
    for suite in suites {
        let req = suite.join("requirements.txt");
        if req.exists() {
            let req = req.to_string_lossy().into_owned();
            run(
                "pip install",
                &py,
                &[
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    "-r",
                    &req,
                ],
                &[],
            )?;
        }
    }
    run(
        "pip install pytest",
        &py,
        &[
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "pytest",
        ],
        &[],
    )?;
    Ok(py)
}

/// Suites call the workspace's binaries and examples: build them once.
pub(crate) fn build_binaries() -> Result<(), String> {
    run(
        "build binaries",
        "cargo",
        &["build", "--workspace", "--bins", "--examples"],
        &[],
    )
}

/// Each binding ships a `run-tests.sh` that builds it, generates the foreign
/// code and runs that language's tests (Python, Kotlin, Swift header checks,
/// wasm in Node and headless Chromium).
fn binding_scripts() -> Result<(), String> {
    let root = root();
    for name in ["ffi", "wasm"] {
        let script = root.join("bindings").join(name).join("run-tests.sh");
        if script.exists() {
            let script = script.to_string_lossy().into_owned();
            run(&format!("bindings/{name}"), "bash", &[&script], &[])?;
        }
    }
    Ok(())
}

/// Where the suites find the workspace's binaries and examples.
pub(crate) fn suite_envs() -> [(&'static str, String); 2] {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| root().join("target").to_string_lossy().into_owned());
    [
        ("POS_TARGET_DIR", format!("{target}/debug")),
        ("POS_HW_EXAMPLES_DIR", format!("{target}/debug/examples")),
    ]
}

fn node_tests() -> Result<(), String> {
    let suites = suites_named("nodetests");
    if suites.is_empty() {
        return Ok(());
    }
    // Suites drive the `pos` binary (sync server, tills): build it once.
    build_binaries()?;
    let envs = suite_envs();
    for suite in suites {
        let label = suite
            .strip_prefix(root())
            .unwrap_or(&suite)
            .to_string_lossy()
            .into_owned();
        if suite.join("package.json").exists() {
            let install = if suite.join("package-lock.json").exists() {
                "ci"
            } else {
                "install"
            };
            run_in(
                &suite,
                &format!("npm {install} ({label})"),
                "npm",
                &[install, "--no-audit", "--no-fund"],
                &[],
            )?;
        }
        run_in(
            &suite,
            &format!("node tests ({label})"),
            "node",
            &["--test"],
            &envs,
        )?;
    }
    Ok(())
}
