//! `lua-suite`: runs an external Lua test-suite folder (such as the official `lua-5.4.x-tests`)
//! the way that suite expects to be run without its C test library: portable and soft mode
//! (`_port` and `_soft` set to true before each file, as `all.lua` does under `-e`), the folder
//! as the current directory, one file per process with a timeout.
//!
//!     cargo run -p halo-compat --bin lua-suite -- DIR [FILE...] [--lua PATH] [--timeout SECS]
//!
//! Prints `file: ok` or `file: FAIL (first line of the error)` per file and a final
//! `N passed, M failed` line; exits with 1 when a file failed. Without FILEs every `*.lua` of
//! DIR runs, in name order, except `all.lua` (the suite's own driver, which runs the others in
//! one process). The interpreter is `halo-lua` from this binary's target directory unless
//! `--lua` names another (`--lua lua5.4` runs the same folder under the reference).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: lua-suite DIR [FILE...] [--lua PATH] [--timeout SECS]   (default timeout 120 s)";

/// What `all.lua` sets before running a test file in portable, soft mode.
const PRELUDE: &str = "_port = true; _soft = true";

struct Options {
    dir: PathBuf,
    files: Vec<String>,
    lua: PathBuf,
    timeout: Duration,
}

fn default_lua() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name(format!("halo-lua{}", std::env::consts::EXE_SUFFIX))
}

fn parse_options() -> Result<Options, String> {
    let mut dir = None;
    let mut files = Vec::new();
    let mut lua = None;
    let mut timeout = Duration::from_secs(120);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lua" => lua = Some(PathBuf::from(args.next().ok_or("--lua needs a path")?)),
            "--timeout" => {
                let secs = args
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--timeout needs a positive whole number of seconds")?;
                timeout = Duration::from_secs(secs);
            }
            "-h" | "--help" => return Err(String::new()),
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            _ => files.push(arg),
        }
    }
    let dir = dir.ok_or("missing the test-suite folder")?;
    if !dir.is_dir() {
        return Err(format!("{}: not a folder", dir.display()));
    }
    let lua = lua.unwrap_or_else(default_lua);
    // A bare name (`lua5.4`) is looked up on PATH by Command; a path must exist.
    if lua.components().count() > 1 && !lua.exists() {
        return Err(format!(
            "{}: not found (build it with `cargo build -p halo-stdlib --bin halo-lua`, or give --lua)",
            lua.display()
        ));
    }
    Ok(Options {
        dir,
        files,
        lua,
        timeout,
    })
}

/// The test files: the ones named, or every `*.lua` but `all.lua`, sorted.
fn test_files(options: &Options) -> Result<Vec<String>, String> {
    if !options.files.is_empty() {
        return Ok(options.files.clone());
    }
    let entries =
        std::fs::read_dir(&options.dir).map_err(|e| format!("{}: {e}", options.dir.display()))?;
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.ends_with(".lua") && name != "all.lua")
        .collect();
    files.sort();
    Ok(files)
}

/// How one file's run ended.
enum Verdict {
    Ok,
    Fail(String),
}

/// Runs `lua -e PRELUDE file` in the suite's folder, killing it at the timeout.
fn run_file(options: &Options, file: &str) -> Verdict {
    let lua = if options.lua.is_relative() && options.lua.components().count() > 1 {
        // The child runs in the suite's folder: keep a relative interpreter path valid.
        std::env::current_dir()
            .map(|d| d.join(&options.lua))
            .unwrap_or_else(|_| options.lua.clone())
    } else {
        options.lua.clone()
    };
    let spawned = Command::new(&lua)
        .args(["-e", PRELUDE, file])
        .current_dir(&options.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return Verdict::Fail(format!("cannot run {}: {e}", lua.display())),
    };
    // Read stderr on the side so a chatty file cannot block on a full pipe.
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let deadline = Instant::now() + options.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Verdict::Fail(format!("waiting for the process: {e}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    let first_line = String::from_utf8_lossy(&text)
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(str::to_string);
    match status {
        None => Verdict::Fail(format!("timeout after {} s", options.timeout.as_secs())),
        Some(s) if s.success() => Verdict::Ok,
        Some(s) => Verdict::Fail(first_line.unwrap_or_else(|| format!("exited with {s}"))),
    }
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("lua-suite: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let files = match test_files(&options) {
        Ok(f) => f,
        Err(msg) => {
            eprintln!("lua-suite: {msg}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        if !Path::new(&options.dir).join(file).is_file() {
            println!("{file}: FAIL (no such file)");
            failed += 1;
            continue;
        }
        match run_file(&options, file) {
            Verdict::Ok => {
                println!("{file}: ok");
                passed += 1;
            }
            Verdict::Fail(why) => {
                println!("{file}: FAIL ({why})");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
