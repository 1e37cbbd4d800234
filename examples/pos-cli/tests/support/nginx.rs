//! Debian's nginx as the load balancer in front of several `pos
//! sync-server` processes: its own config, pid file, logs and temp dirs in
//! a test dir, run in the foreground (`daemon off`) and killed on drop.

use super::{free_port, wait_listening};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running nginx; killed when dropped.
pub struct Nginx {
    child: Child,
    /// Where the tills connect: `http://127.0.0.1:PORT`.
    pub url: String,
    /// The access log: `status|upstream address(es)|upstream status(es)|method path`.
    pub access_log: PathBuf,
    error_log: PathBuf,
}

/// The nginx binary, or a failure that says how to install it.
pub fn nginx_bin() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("nginx not found (the failover test runs its load balancer): run `apt-get install -y nginx`")
        })
}

/// The configuration the test runs (and docs/DEPLOY.md shows): round
/// robin over the servers, and a request a server could not take (refused
/// connection, timeout, 502, 503) goes to the next one.
pub fn config(dir: &Path, listen: u16, upstreams: &[String]) -> String {
    let d = dir.display();
    let servers: String = upstreams
        .iter()
        .map(|u| format!("        server {u} max_fails=0;\n"))
        .collect();
    format!(
        r#"daemon off;
worker_processes 1;
user root;
pid {d}/nginx.pid;
error_log {d}/error.log notice;
events {{ worker_connections 512; }}
http {{
    log_format upstreams '$status|$upstream_addr|$upstream_status|$request_method $uri';
    access_log {d}/access.log upstreams;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream pos_sync {{
{servers}        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size 64m;
        location / {{
            proxy_pass http://pos_sync;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"#
    )
}

impl Nginx {
    /// Starts nginx in `dir` (a fresh dir) in front of `upstreams`
    /// (`127.0.0.1:PORT` each) and waits until it listens.
    pub fn start(dir: &Path, upstreams: &[String]) -> Nginx {
        let bin = nginx_bin();
        let port = free_port();
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(dir, port, upstreams)).unwrap();
        let error_log = dir.join("error.log");
        // `-e` sends the messages of start-up to our log, not /var/log/nginx.
        let child = Command::new(&bin)
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(&error_log)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut nginx = Nginx {
            child,
            url: format!("http://127.0.0.1:{port}"),
            access_log: dir.join("access.log"),
            error_log,
        };
        if let Some(status) = nginx.child.try_wait().unwrap() {
            panic!("nginx exited at once ({status}): {}", nginx.errors());
        }
        wait_listening("nginx", port);
        nginx
    }

    /// nginx's error log so far.
    pub fn errors(&self) -> String {
        std::fs::read_to_string(&self.error_log).unwrap_or_default()
    }

    /// The access log's lines so far.
    pub fn access_lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.access_log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Whether nginx is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its worker and exits (fast shutdown).
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
