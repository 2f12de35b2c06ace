//! `bench`: the VM benchmark runner. Times every program in `compat-tests/bench/` under
//! `halo-lua` (release build), `lua5.4` and piccolo in the same run, checks that they print the
//! same output, and prints one table with the ratios to `lua5.4` and their geometric means.
//!
//!     cargo run --release -p halo-compat --bin bench [-- [FILTER...] [--runs N] [--timeout SECS]
//!                                                       [--tsv FILE]]
//!
//! FILTERs keep the benchmarks whose name contains one of them. Each engine runs each program N
//! times (default 3), interleaved, and the best wall time counts. An engine that is missing or
//! fails to build is reported and skipped; a run that fails or exceeds the timeout is reported
//! in its cell and not repeated. `--tsv FILE` also writes the rows as tab-separated values
//! (`vm`, name, halo, lua5.4, piccolo cells, halo/lua and piccolo/lua ratios, output), which
//! `bench/all` merges with the proxy benchmark into one table.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use halo_compat::bench_programs::{self, BenchProgram};
use halo_compat::output_compare::{self, OutputMatch};

const USAGE: &str = "usage: bench [FILTER...] [--runs N] [--timeout SECS] [--tsv FILE]   \
     (FILTER: part of a benchmark name)";

struct Options {
    filters: Vec<String>,
    runs: usize,
    timeout: Duration,
    /// Where to write the rows as tab-separated values.
    tsv: Option<PathBuf>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        filters: Vec::new(),
        runs: 3,
        timeout: Duration::from_secs(60),
        tsv: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name} needs a positive whole number"))
        };
        match arg.as_str() {
            "--runs" => options.runs = number("--runs")? as usize,
            "--timeout" => options.timeout = Duration::from_secs(number("--timeout")?),
            "--tsv" => {
                options.tsv = Some(
                    args.next()
                        .map(PathBuf::from)
                        .ok_or("--tsv needs a file name")?,
                )
            }
            "-h" | "--help" => return Err(String::new()),
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            _ => options.filters.push(arg),
        }
    }
    Ok(options)
}

/// An engine under test; `command` is `None` when it is missing, with the reason in `note`.
struct Engine {
    name: &'static str,
    command: Option<PathBuf>,
    note: String,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("compat-tests sits in the repository")
        .to_path_buf()
}

/// The cargo target directory this runner was built in (`target/` unless `CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the runner's own path");
    // .../target/<profile>/bench
    exe.parent()
        .and_then(Path::parent)
        .expect("the runner lives in a target directory")
        .to_path_buf()
}

fn cargo() -> Command {
    // `cargo run` tells its child which cargo it is.
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a build step with cargo's progress on our stderr; `Err` says why it failed.
fn build(mut cmd: Command) -> Result<(), String> {
    match cmd.current_dir(repo_root()).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("build failed ({s})")),
        Err(e) => Err(format!("cannot run cargo: {e}")),
    }
}

/// Builds (if stale) and returns the release `halo-lua`: timing a debug build would mean nothing,
/// whatever profile this runner was built with.
fn halo_engine() -> Engine {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "halo-stdlib",
        "--bin",
        "halo-lua",
    ]);
    let bin = target_dir().join("release").join("halo-lua");
    engine_from_build("halo", build(cmd), bin)
}

/// Builds (if stale) the piccolo runner, its own cargo project outside the workspace (see its
/// Cargo.toml for why), into a folder of our target directory.
fn piccolo_engine() -> Engine {
    let manifest = repo_root().join("compat-tests/piccolo-runner/Cargo.toml");
    let dir = target_dir().join("piccolo-runner");
    let mut cmd = cargo();
    cmd.arg("build")
        .arg("--release")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&dir);
    let bin = dir.join("release").join("piccolo-lua");
    engine_from_build("piccolo", build(cmd), bin)
}

fn engine_from_build(name: &'static str, built: Result<(), String>, bin: PathBuf) -> Engine {
    match built {
        Ok(()) if bin.exists() => Engine {
            name,
            note: describe(name, &bin),
            command: Some(bin),
        },
        Ok(()) => Engine {
            name,
            command: None,
            note: format!("missing: {} was not built", bin.display()),
        },
        Err(why) => Engine {
            name,
            command: None,
            note: format!("missing: {why}"),
        },
    }
}

/// What the table's header says about a built engine: its version and where it is.
fn describe(name: &str, bin: &Path) -> String {
    let bin = bin.strip_prefix(repo_root()).unwrap_or(bin).display();
    if name == "piccolo" {
        return format!("piccolo 0.3.3 (compat-tests/piccolo-runner), {bin}");
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match commit {
        Some(c) => format!("release build at commit {c}, {bin}"),
        None => format!("release build, {bin}"),
    }
}

fn lua54_engine() -> Engine {
    match Command::new("lua5.4").arg("-v").output() {
        Ok(out) if out.status.success() => Engine {
            name: "lua5.4",
            command: Some("lua5.4".into()),
            note: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        },
        _ => Engine {
            name: "lua5.4",
            command: None,
            note: "missing: lua5.4 is not on PATH (Debian package lua5.4)".into(),
        },
    }
}

/// How one run ended.
enum RunEnd {
    Exited {
        success: bool,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    TimedOut,
    CannotStart(String),
}

/// Runs `cmd script [args]` and measures its wall time, killing it at the timeout.
fn run_once(cmd: &Path, script: &Path, args: &[&str], timeout: Duration) -> (Duration, RunEnd) {
    let start = Instant::now();
    let mut child = match Command::new(cmd)
        .arg(script)
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return (start.elapsed(), RunEnd::CannotStart(e.to_string())),
    };
    // Drain both pipes on threads so a chatty program cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = start + timeout;
    let (elapsed, status) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (start.elapsed(), Some(status)),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break (start.elapsed(), None);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return (start.elapsed(), RunEnd::CannotStart(e.to_string())),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        Some(status) => (
            elapsed,
            RunEnd::Exited {
                success: status.success(),
                stdout,
                stderr,
            },
        ),
        None => (elapsed, RunEnd::TimedOut),
    }
}

/// One engine's result on one benchmark.
enum Outcome {
    /// Best wall time over the runs, and the output of the first run.
    Ran {
        best: Duration,
        stdout: Vec<u8>,
    },
    Failed(String),
    TimedOut,
    Lacks(Vec<String>),
    Missing,
}

impl Outcome {
    fn time(&self) -> Option<Duration> {
        match self {
            Outcome::Ran { best, .. } => Some(*best),
            _ => None,
        }
    }
    fn cell(&self) -> String {
        match self {
            Outcome::Ran { best, .. } => format!("{:.3}", best.as_secs_f64()),
            Outcome::Failed(_) => "error".into(),
            Outcome::TimedOut => "timeout".into(),
            Outcome::Lacks(_) => "lacks fn".into(),
            Outcome::Missing => "-".into(),
        }
    }
}

/// Whether each engine has each library function, asked once per engine and function.
struct Capabilities {
    scratch: PathBuf,
    known: HashMap<(&'static str, String), bool>,
}

impl Capabilities {
    fn has(&mut self, engine: &Engine, function: &str) -> bool {
        let Some(cmd) = &engine.command else {
            return false;
        };
        if let Some(&has) = self.known.get(&(engine.name, function.to_string())) {
            return has;
        }
        let probe = self.scratch.join("probe.lua");
        let has = std::fs::write(&probe, bench_programs::probe_script(function)).is_ok()
            && matches!(
                run_once(cmd, &probe, &[], Duration::from_secs(10)).1,
                RunEnd::Exited { success: true, .. }
            );
        self.known.insert((engine.name, function.to_string()), has);
        has
    }

    fn lacking(&mut self, engine: &Engine, program: &BenchProgram) -> Vec<String> {
        program
            .needs
            .iter()
            .filter(|f| !self.has(engine, f))
            .cloned()
            .collect()
    }
}

/// Times one program under every engine; `None` when halo-lua lacks a function it needs (the
/// program waits for the standard library to land), with the missing functions.
fn bench_one(
    program: &BenchProgram,
    engines: &[Engine],
    caps: &mut Capabilities,
    options: &Options,
) -> Result<Vec<Outcome>, Vec<String>> {
    let mut outcomes: Vec<Outcome> = engines
        .iter()
        .map(|e| {
            if e.command.is_none() {
                return Outcome::Missing;
            }
            let lacking = caps.lacking(e, program);
            if lacking.is_empty() {
                Outcome::Ran {
                    best: Duration::MAX,
                    stdout: Vec::new(),
                }
            } else {
                Outcome::Lacks(lacking)
            }
        })
        .collect();
    if let Outcome::Lacks(missing) = &outcomes[HALO] {
        return Err(missing.clone());
    }
    // Interleave the engines run by run, so a burst of load from elsewhere on the machine hits
    // them alike.
    for run in 0..options.runs {
        for (engine, outcome) in engines.iter().zip(outcomes.iter_mut()) {
            let (Some(cmd), Outcome::Ran { best, stdout }) = (&engine.command, &mut *outcome)
            else {
                continue;
            };
            eprintln!(
                "bench: {} under {}, run {}/{}",
                program.name,
                engine.name,
                run + 1,
                options.runs
            );
            let (elapsed, end) = run_once(cmd, &program.path, &[], options.timeout);
            match end {
                RunEnd::Exited {
                    success: true,
                    stdout: out,
                    ..
                } => {
                    if run == 0 {
                        *stdout = out;
                    }
                    *best = (*best).min(elapsed);
                }
                RunEnd::Exited { stderr, .. } => {
                    let msg = String::from_utf8_lossy(&stderr);
                    let first: String = msg.lines().next().unwrap_or("").chars().take(80).collect();
                    *outcome = Outcome::Failed(first);
                }
                RunEnd::TimedOut => *outcome = Outcome::TimedOut,
                RunEnd::CannotStart(e) => *outcome = Outcome::Failed(e),
            }
        }
    }
    Ok(outcomes)
}

// Column order of the engines.
const HALO: usize = 0;
const LUA: usize = 1;
const PICCOLO: usize = 2;

/// The output column: "same" when every engine that ran printed lua5.4's output (or, without
/// lua5.4, halo's), otherwise what differs and who failed.
fn output_cell(
    engines: &[Engine],
    outcomes: &[Outcome],
    matches: &[Option<OutputMatch>],
) -> String {
    let mut notes = Vec::new();
    for (i, (engine, outcome)) in engines.iter().zip(outcomes).enumerate() {
        match (outcome, matches[i]) {
            (_, Some(OutputMatch::Differs)) => notes.push(format!("{} WRONG", engine.name)),
            (_, Some(OutputMatch::SameValues)) => {
                notes.push(format!("{} same values, float format", engine.name))
            }
            (Outcome::Failed(msg), _) => notes.push(format!("{} error: {msg}", engine.name)),
            (Outcome::TimedOut, _) => notes.push(format!("{} timeout", engine.name)),
            (Outcome::Lacks(f), _) => notes.push(format!("{} lacks {}", engine.name, f.join(" "))),
            _ => {}
        }
    }
    if notes.is_empty() {
        "same".into()
    } else {
        notes.join("; ")
    }
}

/// How each engine's output compares with the reference (lua5.4, else halo); `None` where there
/// is nothing to compare.
fn output_matches(outcomes: &[Outcome]) -> Vec<Option<OutputMatch>> {
    let reference = [LUA, HALO].into_iter().find_map(|i| match &outcomes[i] {
        Outcome::Ran { stdout, .. } => Some((i, stdout)),
        _ => None,
    });
    outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| match (o, reference) {
            (Outcome::Ran { stdout, .. }, Some((r, want))) if r != i => {
                Some(output_compare::compare(stdout, want))
            }
            _ => None,
        })
        .collect()
}

/// A row's ratio to lua5.4 for `engine`, if both ran and the engine's result was right.
fn ratio(outcomes: &[Outcome], matches: &[Option<OutputMatch>], engine: usize) -> Option<f64> {
    let right = matches[engine] != Some(OutputMatch::Differs);
    match (outcomes[engine].time(), outcomes[LUA].time()) {
        (Some(t), Some(base)) if right && !base.is_zero() => {
            Some(t.as_secs_f64() / base.as_secs_f64())
        }
        _ => None,
    }
}

fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some((values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// Prints a Markdown table with padded columns (readable in a terminal, pasteable in a report).
/// The last column is free text and stays unpadded.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    let last = widths.len() - 1;
    for row in rows {
        for (w, cell) in widths[..last].iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        println!("| {} |", padded.join(" | ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    line(widths.iter().map(|&w| "-".repeat(w)).collect());
    for row in rows {
        line(row.clone());
    }
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("bench: {msg}");
            }
            eprintln!("{USAGE}");
            return if msg.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    let programs = match bench_programs::list(&bench_programs::bench_dir()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench: cannot list the benchmark programs: {e}");
            return ExitCode::FAILURE;
        }
    };
    let programs: Vec<BenchProgram> = programs
        .into_iter()
        .filter(|p| {
            options.filters.is_empty() || options.filters.iter().any(|f| p.name.contains(f))
        })
        .collect();
    if programs.is_empty() {
        eprintln!("bench: no benchmark matches {:?}", options.filters);
        return ExitCode::FAILURE;
    }

    // Same order as the HALO, LUA, PICCOLO indices.
    let engines = [halo_engine(), lua54_engine(), piccolo_engine()];
    let load = std::fs::read_to_string("/proc/loadavg").ok();
    let scratch = std::env::temp_dir().join(format!("halo-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("bench: cannot create {}: {e}", scratch.display());
        return ExitCode::FAILURE;
    }
    let mut caps = Capabilities {
        scratch: scratch.clone(),
        known: HashMap::new(),
    };

    let mut rows = Vec::new();
    let mut tsv = Vec::new();
    let mut skipped = Vec::new();
    let (mut halo_ratios, mut piccolo_ratios) = (Vec::new(), Vec::new());
    for program in &programs {
        let outcomes = match bench_one(program, &engines, &mut caps, &options) {
            Ok(o) => o,
            Err(missing) => {
                skipped.push(format!(
                    "{}: skipped, halo-lua lacks {}",
                    program.name,
                    missing.join(" ")
                ));
                continue;
            }
        };
        let matches = output_matches(&outcomes);
        let halo_ratio = ratio(&outcomes, &matches, HALO);
        let piccolo_ratio = ratio(&outcomes, &matches, PICCOLO);
        halo_ratios.extend(halo_ratio);
        piccolo_ratios.extend(piccolo_ratio);
        let fmt_ratio = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}"));
        tsv.push(
            [
                "vm".to_string(),
                program.name.clone(),
                outcomes[HALO].cell(),
                outcomes[LUA].cell(),
                outcomes[PICCOLO].cell(),
                halo_ratio.map_or("-".into(), |r| format!("{r:.4}")),
                piccolo_ratio.map_or("-".into(), |r| format!("{r:.4}")),
                output_cell(&engines, &outcomes, &matches),
            ]
            .join("\t"),
        );
        rows.push(vec![
            program.name.clone(),
            outcomes[HALO].cell(),
            outcomes[LUA].cell(),
            outcomes[PICCOLO].cell(),
            fmt_ratio(halo_ratio),
            fmt_ratio(piccolo_ratio),
            output_cell(&engines, &outcomes, &matches),
        ]);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if let Some(path) = &options.tsv {
        let text: String = tsv.iter().map(|l| format!("{l}\n")).collect();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("bench: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }

    let geo = |ratios: &[f64]| {
        geometric_mean(ratios).map_or("-".into(), |g| format!("{g:.2} (of {})", ratios.len()))
    };
    rows.push(vec![
        "geometric mean".into(),
        String::new(),
        String::new(),
        String::new(),
        geo(&halo_ratios),
        geo(&piccolo_ratios),
        String::new(),
    ]);

    println!(
        "VM benchmarks: best wall time of {} run(s), in seconds; ratios are to lua5.4 (lower is \
         faster).",
        options.runs
    );
    for engine in &engines {
        println!("  {:<8} {}", engine.name, engine.note);
    }
    // Other work on the machine skews wall times; say how busy it was.
    if let Some(load) = load {
        let avg: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "  load average before the run: {} ({} CPUs)",
            avg.join(" "),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
    }
    println!();
    print_table(
        &[
            "benchmark",
            "halo s",
            "lua5.4 s",
            "piccolo s",
            "halo/lua",
            "piccolo/lua",
            "output",
        ],
        &rows,
    );
    println!();
    println!(
        "Geometric means count only benchmarks where the engine and lua5.4 both ran and the \
         engine's output matched (WRONG rows are left out)."
    );
    for note in &skipped {
        println!("{note}");
    }
    ExitCode::SUCCESS
}
