//! `-c` output of the configuration module against recorded expectations.
//!
//! `tests/config_cases/same/*.cfg`: configurations where Halo must print exactly what
//! `haproxy -c` (2.6) prints; their `.out` files were recorded from haproxy, and when haproxy
//! 2.6 is installed the test also runs it and compares live.
//! A `NAME.d/` directory is a case with several files: its `args` file lists the `-f`
//! arguments (relative to it).
//! `tests/config_cases/halo/*.cfg`: Halo's own messages (keywords HAProxy has and Halo does not).
//!
//! Output is normalized: the pid becomes `PID` and the two `[NOTICE]` banner lines (which name
//! the program) are dropped. `HALO_BLESS=1` rewrites the `.out` files (from haproxy for `same/`,
//! from Halo for `halo/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use halo::config::{Banner, Env, load_paths, load_texts};

/// The environment both programs run with.
fn env_pairs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("HOME", "/home/test"),
        ("FOO", "a b  c"),
        ("PATH", "/usr/sbin:/usr/bin:/bin"),
    ]
}

fn normalize(stdout: &str, stderr: &str, code: i32) -> String {
    let mut err = String::new();
    for line in stderr.lines() {
        // The banner names the program; `.notice` messages are kept.
        if line.starts_with("[NOTICE]") && !line.contains(" : config : ") {
            continue;
        }
        // "(12345) :" -> "(PID) :"
        let line = match (line.find('('), line.find(") :")) {
            (Some(a), Some(b)) if a < b && line[a + 1..b].bytes().all(|c| c.is_ascii_digit()) => {
                format!("{}(PID{}", &line[..a], &line[b..])
            }
            _ => line.to_string(),
        };
        err.push_str(&line);
        err.push('\n');
    }
    format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{err}")
}

/// The `-f` arguments of a case: `NAME.cfg` alone, or the words of `NAME.d/args` (paths
/// relative to `NAME.d`, which is then the working directory).
fn case_args(dir: &Path, name: &str) -> (PathBuf, Vec<String>) {
    match name.strip_suffix(".d") {
        Some(_) => {
            let cwd = dir.join(name);
            let args = std::fs::read_to_string(cwd.join("args")).unwrap();
            (cwd, args.split_whitespace().map(str::to_string).collect())
        }
        None => (dir.to_path_buf(), vec![name.to_string()]),
    }
}

/// What HAProxy's libc resolution does at start-up, for the cases that name servers by host.
fn resolve(host: &str) -> Option<std::net::IpAddr> {
    use std::net::ToSocketAddrs;
    (host, 0).to_socket_addrs().ok()?.next().map(|a| a.ip())
}

fn halo_output(dir: &Path, name: &str) -> String {
    let banner = Banner {
        pid: 1,
        version_line: "halo version".into(),
        path_line: "path".into(),
    };
    if name.ends_with(".d") {
        // Real files: paths are made absolute, then the prefix is taken out of the messages.
        let (cwd, args) = case_args(dir, name);
        let paths: Vec<PathBuf> = args.iter().map(|a| cwd.join(a)).collect();
        let mut outcome = load_paths(&paths, Env::from_pairs(env_pairs()));
        outcome.resolve_servers(&mut resolve);
        let out = outcome.render_check(&banner);
        let prefix = format!("{}/", cwd.display());
        return normalize(
            &out.stdout.replace(&prefix, ""),
            &out.stderr.replace(&prefix, ""),
            out.exit_code,
        );
    }
    let text = std::fs::read(dir.join(name)).unwrap();
    let mut outcome = load_texts(&[(name.to_string(), text)], Env::from_pairs(env_pairs()));
    outcome.resolve_servers(&mut resolve);
    let out = outcome.render_check(&banner);
    normalize(&out.stdout, &out.stderr, out.exit_code)
}

fn haproxy_26() -> bool {
    Command::new("haproxy")
        .arg("-v")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("version 2.6."))
        .unwrap_or(false)
}

fn haproxy_output(dir: &Path, name: &str) -> String {
    let (cwd, args) = case_args(dir, name);
    let mut cmd = Command::new("haproxy");
    cmd.arg("-c");
    for a in &args {
        cmd.args(["-f", a]);
    }
    let out = cmd
        .current_dir(cwd)
        .env_clear()
        .envs(env_pairs())
        .output()
        .unwrap();
    normalize(
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

fn cases(sub: &str) -> (PathBuf, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/config_cases")
        .join(sub);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            (n.ends_with(".cfg") || n.ends_with(".d")).then_some(n)
        })
        .collect();
    names.sort();
    (dir, names)
}

fn run(sub: &str, reference_is_haproxy: bool) {
    let (dir, names) = cases(sub);
    assert!(!names.is_empty());
    let bless = std::env::var_os("HALO_BLESS").is_some();
    let live = reference_is_haproxy && haproxy_26();
    let mut failures = Vec::new();
    for name in &names {
        let stem = name
            .strip_suffix(".cfg")
            .or(name.strip_suffix(".d"))
            .unwrap();
        let expected_path = dir.join(format!("{stem}.out"));
        let ours = halo_output(&dir, name);
        if bless {
            let reference = if reference_is_haproxy {
                haproxy_output(&dir, name)
            } else {
                ours.clone()
            };
            std::fs::write(&expected_path, &reference).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
        if ours != expected {
            failures.push(format!(
                "{name}: differs from {}\n--- expected\n{expected}--- got\n{ours}",
                expected_path.display()
            ));
        }
        if live {
            let theirs = haproxy_output(&dir, name);
            if theirs != expected {
                failures.push(format!(
                    "{name}: haproxy now prints\n{theirs}\nbut {} says\n{expected}",
                    expected_path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn same_as_haproxy() {
    run("same", true);
}

#[test]
fn halo_messages() {
    run("halo", false);
}
