//! Proxy scenarios: the cases under `compat-tests/proxy/<case>/` (a `haproxy.cfg` with
//! placeholder ports, its Lua scripts, an `exchanges.txt` of requests and expected responses)
//! run against `halo` and, when it is installed, `haproxy`. See `compat-tests/README.md` for
//! the format.

pub mod format;
pub mod origin;
pub mod ports;
pub mod process;
pub mod run;
pub mod wire;

use std::path::{Path, PathBuf};

/// `compat-tests/proxy/`.
pub fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proxy")
}

/// Every case directory (one holding an `exchanges.txt`), sorted by name.
pub fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(cases_root())
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join(process::EXCHANGES).is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A case given by name (a directory under `compat-tests/proxy/`) or by path.
pub fn find_case(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.join(process::EXCHANGES).is_file() {
        return Some(p.to_path_buf());
    }
    let p = cases_root().join(name);
    p.join(process::EXCHANGES).is_file().then_some(p)
}
