//! The Lua compatibility suite: every script in `compat-tests/lua/` runs under `halo-lua`; when
//! `lua5.4` is on PATH it runs there too and stdout and exit status must be identical.
//! Scripts listed in `KNOWN_FAILURES` must still fail (so the list stays honest).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `halo-lua` from the same target directory as this test binary.
fn halo_lua() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("halo-lua");
    assert!(
        bin.exists(),
        "{} not found: build it first (`cargo build --workspace`)",
        bin.display()
    );
    bin
}

/// Runs `cmd script`; `None` when it had to be killed (a hang is a failure, whatever it printed).
fn run(cmd: &Path, script: &Path) -> Option<Output> {
    use std::io::Read;
    let mut child = Command::new(cmd)
        .arg(script)
        .current_dir(repo_root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cmd.display()));
    // Drain both pipes while waiting: a script printing more than a pipe holds must not block.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    // A hung script must not hang the suite.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut killed = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            killed = true;
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (!killed).then_some(output)
}

fn known_failures() -> Vec<String> {
    let text =
        std::fs::read_to_string(repo_root().join("compat-tests/lua/KNOWN_FAILURES")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').next().unwrap().trim().to_string())
        .collect()
}

fn have_lua54() -> bool {
    Command::new("lua5.4").arg("-v").output().is_ok()
}

#[test]
fn lua_compat_suite() {
    let halo = halo_lua();
    let reference = have_lua54();
    if !reference {
        eprintln!("lua5.4 not on PATH: checking exit status only (CI installs lua5.4)");
    }
    let known = known_failures();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(repo_root().join("compat-tests/lua"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 30, "the suite lost scripts");
    let (mut passed, mut failed, mut expected) = (0, Vec::new(), 0);
    let mut unexpected_pass = Vec::new();
    for script in &scripts {
        let name = script.file_name().unwrap().to_string_lossy().to_string();
        let got = run(&halo, script);
        let ok = match &got {
            None => false,
            Some(got) if reference => match run(Path::new("lua5.4"), script) {
                Some(want) => got.stdout == want.stdout && got.status.code() == want.status.code(),
                None => false,
            },
            Some(got) => got.status.success(),
        };
        let is_known = known.contains(&name);
        match (ok, is_known) {
            (true, false) => passed += 1,
            (true, true) => unexpected_pass.push(name),
            (false, true) => expected += 1,
            (false, false) => {
                let first = match &got {
                    None => "(timed out)".to_string(),
                    Some(got) => String::from_utf8_lossy(&got.stderr)
                        .lines()
                        .next()
                        .unwrap_or("(output differs)")
                        .to_string(),
                };
                failed.push(format!("{name}: {first}"));
            }
        }
    }
    println!(
        "lua suite: {passed} passed, {} failed, {expected} known failures",
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "scripts differing from lua5.4:\n{}",
        failed.join("\n")
    );
    assert!(
        unexpected_pass.is_empty(),
        "now passing, remove from KNOWN_FAILURES: {unexpected_pass:?}"
    );
}
