//! Starting `halo` or `haproxy` on a configuration and files written into a temporary
//! directory, on free ports; the process dies with its `Proxy` value (also when a test panics).
//!
//! Configuration templates use placeholders: `@DIR@` is the temporary directory (where the
//! `file`s are), `@FE@`, `@FE2@`, `@FEx@`... are free ports allocated per start (so the same
//! `Setup` can run under both engines at once), and `@NAME@` for every `var`.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::backend::Backend;
use super::client::{self, Client, Response};
use super::ports;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Halo,
    Haproxy,
}

impl Engine {
    /// The program to run. `HALO_BIN` overrides the `halo` cargo built for this test binary
    /// (to run the suites against a release build or another checkout's binary).
    pub fn program(self) -> String {
        match self {
            Engine::Halo => std::env::var("HALO_BIN")
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| env!("CARGO_BIN_EXE_halo").to_string()),
            Engine::Haproxy => "haproxy".to_string(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Halo => "halo",
            Engine::Haproxy => "haproxy",
        }
    }
}

#[derive(Clone, Default)]
pub struct Setup {
    cfg: String,
    files: Vec<(String, String)>,
    vars: Vec<(String, String)>,
}

/// The outcome of `-c`.
pub struct Checked {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The configuration file's path (messages name it).
    pub cfg_path: PathBuf,
}

impl Setup {
    pub fn new(cfg: &str) -> Setup {
        Setup {
            cfg: cfg.to_string(),
            ..Setup::default()
        }
    }

    /// A file next to the configuration (`@DIR@/name`), e.g. a Lua script.
    pub fn file(mut self, name: &str, text: &str) -> Setup {
        self.files.push((name.to_string(), text.to_string()));
        self
    }

    /// `@name@` in the configuration becomes `value`.
    pub fn var(mut self, name: &str, value: impl std::fmt::Display) -> Setup {
        self.vars.push((name.to_string(), value.to_string()));
        self
    }

    /// `@BE@` is this backend's port.
    pub fn backend(self, b: &Backend) -> Setup {
        self.var("BE", b.port)
    }

    /// Writes the files into a new temporary directory; returns it, the config path and the
    /// ports given to the `@FE...@` placeholders.
    fn render(&self) -> (tempfile::TempDir, PathBuf, BTreeMap<String, u16>) {
        let dir = tempfile::Builder::new()
            .prefix("halo-itest-")
            .tempdir()
            .expect("temporary directory");
        let mut text = self.cfg.replace("@DIR@", &dir.path().display().to_string());
        for (k, v) in &self.vars {
            text = text.replace(&format!("@{k}@"), v);
        }
        let mut fe_ports = BTreeMap::new();
        while let Some(start) = text.find("@FE") {
            let Some(len) = text[start + 1..].find('@') else {
                break;
            };
            let name = text[start + 1..start + 1 + len].to_string();
            let port = ports::free_port();
            text = text.replace(&format!("@{name}@"), &port.to_string());
            fe_ports.insert(name, port);
        }
        for (name, body) in &self.files {
            let body = body.replace("@DIR@", &dir.path().display().to_string());
            std::fs::write(dir.path().join(name), body).expect("write a test file");
        }
        let cfg = dir.path().join("test.cfg");
        std::fs::write(&cfg, text).expect("write the configuration");
        (dir, cfg, fe_ports)
    }

    /// Starts the engine and waits until every `@FE...@` port accepts; panics with the
    /// process's stderr if it does not start.
    pub fn start(&self, engine: Engine) -> Proxy {
        self.try_start(engine).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_start(&self, engine: Engine) -> Result<Proxy, String> {
        let (dir, cfg, fe_ports) = self.render();
        let program = engine.program();
        let mut child = Command::new(&program)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        let stdout = collect(child.stdout.take().expect("piped"));
        let stderr = collect(child.stderr.take().expect("piped"));
        let mut p = Proxy {
            engine,
            child,
            dir,
            ports: fe_ports,
            stdout,
            stderr,
        };
        p.wait_ready()?;
        Ok(p)
    }

    /// Runs `<engine> -c -f <config>`.
    pub fn check(&self, engine: Engine) -> Checked {
        let (_dir, cfg, _) = self.render();
        let program = engine.program();
        let out = Command::new(&program)
            .arg("-c")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        Checked {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            cfg_path: cfg,
        }
    }
}

/// Reads a pipe to its end on a thread, into a shared buffer the test can look at any time.
fn collect(mut r: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let b = buf.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            b.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

/// A running `halo` or `haproxy`, killed when dropped.
pub struct Proxy {
    pub engine: Engine,
    child: Child,
    /// Holds the configuration and files; removed after the process is gone.
    pub dir: tempfile::TempDir,
    ports: BTreeMap<String, u16>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    fn wait_ready(&mut self) -> Result<(), String> {
        // A debug build on a shared, busy machine can take a while to load its scripts.
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in self.ports.values() {
            loop {
                if let Ok(Some(st)) = self.child.try_wait() {
                    // Let the reader threads take the last of the pipes.
                    std::thread::sleep(Duration::from_millis(100));
                    return Err(format!(
                        "{} exited ({st}) before listening; stderr:\n{}",
                        self.engine.name(),
                        self.stderr()
                    ));
                }
                if TcpStream::connect(("127.0.0.1", *port)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "{} does not listen on {port}; stderr:\n{}",
                        self.engine.name(),
                        self.stderr()
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(())
    }

    /// The process id.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// The port of `@FE@`.
    pub fn port(&self) -> u16 {
        self.port_of("FE")
    }

    /// The port of `@<name>@` (e.g. "FE2").
    pub fn port_of(&self, name: &str) -> u16 {
        *self
            .ports
            .get(name)
            .unwrap_or_else(|| panic!("no @{name}@ in the configuration"))
    }

    pub fn client(&self) -> Client {
        Client::connect(self.port())
    }

    /// One request on a new connection.
    pub fn request(&self, raw: impl AsRef<[u8]>) -> Response {
        self.client().request(raw)
    }

    /// `GET path` on a new connection.
    pub fn get(&self, path: &str) -> Response {
        self.request(client::get(path))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// Waits until stderr contains `needle`; false after `wait`.
    pub fn wait_stderr(&self, needle: &str, wait: Duration) -> bool {
        let end = Instant::now() + wait;
        loop {
            if self.stderr().contains(needle) {
                return true;
            }
            if Instant::now() > end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The exit status if the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends a signal (e.g. `libc::SIGTERM`) and waits up to `wait` for the exit.
    pub fn signal(&mut self, sig: i32, wait: Duration) -> Option<ExitStatus> {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, sig) };
        let end = Instant::now() + wait;
        while Instant::now() < end {
            if let Some(st) = self.exited() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn dir_path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
