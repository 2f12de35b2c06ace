//! Starting an engine (`halo` or `haproxy`) on a scenario: the case's files are copied into a
//! fresh working directory with their `${NAME}` placeholders replaced (`${FE}`, `${FE2}`... free
//! ports allocated per start, `${BE}` the HTTP echo origin, `${ECHO}` the TCP echo origin,
//! `${DIR}` the working directory), then `<engine> -db -f haproxy.cfg` runs there until the
//! `Running` value is dropped (killed and waited for, also when the runner panics).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::format::Engine;
use super::origin::Origin;
use super::ports;

/// The file holding a case's exchanges (not copied to the working directory).
pub const EXCHANGES: &str = "exchanges.txt";
/// The configuration each case has.
pub const CONFIG: &str = "haproxy.cfg";

/// How long an engine may take to listen (a debug build on a busy machine is slow to start).
const START: Duration = Duration::from_secs(30);

/// Whether a program is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// `halo` to run: `HALO_BIN`, else the one cargo built next to this executable (the test and
/// the `proxy-scenario` binary both live in `target/<profile>/` or below it).
pub fn halo_program() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("HALO_BIN").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    for dir in exe.ancestors().skip(1).take(3) {
        let bin = dir.join("halo");
        if bin.is_file() {
            return Ok(bin);
        }
    }
    Err(format!(
        "no halo binary near {}: build it first (`cargo build --workspace`) or set HALO_BIN",
        exe.display()
    ))
}

pub fn program(engine: Engine) -> Result<PathBuf, String> {
    match engine {
        Engine::Halo => halo_program(),
        Engine::Haproxy => Ok(PathBuf::from("haproxy")),
    }
}

/// A temporary directory removed when dropped.
pub struct WorkDir {
    pub path: PathBuf,
}

impl WorkDir {
    fn new(case: &str, engine: Engine) -> Result<WorkDir, String> {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "halo-scenario-{}-{}-{case}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            engine.name()
        ));
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(WorkDir { path })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The `${NAME}` placeholders of a text, in order of first appearance.
fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        if !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !out.iter().any(|n| n == name)
        {
            out.push(name.to_string());
        }
        rest = &rest[end + 1..];
    }
    out
}

fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("${{{k}}}"), v);
    }
    out
}

/// Reads a pipe to its end on a thread, into a buffer the runner can look at any time.
fn collect(mut r: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let b = buf.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            b.lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

/// An engine running a case, with the origins it uses.
pub struct Running {
    pub engine: Engine,
    child: Child,
    /// Port of every `${FE...}` placeholder.
    pub ports: BTreeMap<String, u16>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stdout: Arc<Mutex<Vec<u8>>>,
    _origins: Vec<Origin>,
    pub dir: WorkDir,
}

impl Running {
    /// Copies the case into a working directory and starts `engine` there. A start that fails
    /// is tried again twice on new ports: the range is shared with other test runs, and a
    /// port found free may be taken before the engine binds it.
    pub fn start(case_dir: &Path, engine: Engine) -> Result<Running, String> {
        let mut result = Running::start_once(case_dir, engine);
        for _ in 0..2 {
            if result.is_ok() {
                break;
            }
            result = Running::start_once(case_dir, engine);
        }
        result
    }

    fn start_once(case_dir: &Path, engine: Engine) -> Result<Running, String> {
        let name = case_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = WorkDir::new(&name, engine)?;
        let mut files = Vec::new();
        let entries =
            std::fs::read_dir(case_dir).map_err(|e| format!("{}: {e}", case_dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let fname = entry.file_name().to_string_lossy().into_owned();
            if fname == EXCHANGES || !entry.path().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            files.push((fname, text));
        }
        let Some((_, cfg)) = files.iter().find(|(n, _)| n == CONFIG) else {
            return Err(format!("{} has no {CONFIG}", case_dir.display()));
        };
        let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
        let mut vars = BTreeMap::new();
        let mut fe = BTreeMap::new();
        let mut origins = Vec::new();
        vars.insert("DIR".to_string(), dir.path.display().to_string());
        for name in placeholders(cfg) {
            if name.starts_with("FE") {
                let port = ports::free_port()?;
                fe.insert(name.clone(), port);
                vars.insert(name, port.to_string());
            }
        }
        for name in placeholders(&all) {
            let origin = match name.as_str() {
                "BE" => Origin::http()?,
                "ECHO" => Origin::tcp()?,
                "DIR" => continue,
                n if fe.contains_key(n) => continue,
                n => {
                    return Err(format!(
                        "unknown placeholder ${{{n}}} (FE..., BE, ECHO, DIR; FE ports must appear in {CONFIG})"
                    ));
                }
            };
            vars.insert(name, origin.port.to_string());
            origins.push(origin);
        }
        for (fname, text) in &files {
            let path = dir.path.join(fname);
            std::fs::write(&path, substitute(text, &vars))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let program = program(engine)?;
        let mut child = Command::new(&program)
            .args(["-db", "-f", CONFIG])
            .current_dir(&dir.path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let stdout = collect(child.stdout.take().ok_or("no stdout pipe")?);
        let stderr = collect(child.stderr.take().ok_or("no stderr pipe")?);
        let mut r = Running {
            engine,
            child,
            ports: fe,
            stderr,
            stdout,
            _origins: origins,
            dir,
        };
        r.wait_listening()?;
        Ok(r)
    }

    /// Waits until every frontend port listens. Looks at /proc/net/tcp rather than connecting,
    /// so no probe connection reaches the scripts (a TCP service would see an empty session).
    fn wait_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START;
        let ports: Vec<u16> = self.ports.values().copied().collect();
        for port in ports {
            loop {
                if let Ok(Some(st)) = self.child.try_wait() {
                    std::thread::sleep(Duration::from_millis(100));
                    return Err(format!(
                        "{} exited ({st}) before listening; stderr:\n{}",
                        self.engine,
                        self.stderr()
                    ));
                }
                if listening(port, self.child.id()) {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "{} does not listen on {port}; stderr:\n{}",
                        self.engine,
                        self.stderr()
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(())
    }

    pub fn port(&self, name: &str) -> Result<u16, String> {
        self.ports
            .get(name)
            .copied()
            .ok_or_else(|| format!("no ${{{name}}} in {CONFIG}"))
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// The exit status if the engine has ended.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the process `pid` listens on `port`, per /proc/net/tcp and the process's open
/// sockets (so a port someone else grabbed in the meantime is not taken for the engine's);
/// without procfs, whether a connection is accepted.
fn listening(port: u16, pid: u32) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return TcpStream::connect(("127.0.0.1", port)).is_ok();
    };
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let local_port = cols
                .get(1)?
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok())?;
            (local_port == port && *cols.get(3)? == "0A")
                .then(|| cols.get(9).map(|s| s.to_string()))?
        })
        .collect();
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return true;
    };
    fds.filter_map(Result::ok).any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            let t = target.to_string_lossy();
            inodes.iter().any(|i| t == format!("socket:[{i}]"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_in_order() {
        assert_eq!(
            placeholders("a ${FE} b ${BE} ${FE} ${} ${x-y} ${FE2}"),
            vec!["FE", "BE", "FE2"]
        );
    }
}
