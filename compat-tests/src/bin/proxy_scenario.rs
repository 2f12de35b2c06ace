//! `proxy-scenario`: runs proxy scenarios by hand and shows every exchange.
//!
//!     cargo run -p halo-compat --bin proxy-scenario -- [CASE...] [--engine halo|haproxy|both]
//!                                                      [--stderr] [--show]
//!
//! CASE is a directory name under `compat-tests/proxy/` or a path (default: every case).
//! Each step prints `ok` or `FAIL` with the expected and received data; `--stderr` also prints
//! what the engine wrote; `--show` prints what each step received in the `<<<` format (to write
//! a new case's expectations from haproxy's answers, then read them through). `halo` is `target/<profile>/halo` next to this binary, or `HALO_BIN`.

use std::process::ExitCode;

use halo_compat::scenario::format::Engine;
use halo_compat::scenario::process::on_path;
use halo_compat::scenario::run::run_case;
use halo_compat::scenario::{cases, find_case};

const USAGE: &str =
    "usage: proxy-scenario [CASE...] [--engine halo|haproxy|both] [--stderr] [--show]";

fn main() -> ExitCode {
    let mut names = Vec::new();
    let mut engines = None;
    let mut show_stderr = false;
    let mut show = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--engine" => {
                engines = match args.next().as_deref() {
                    Some("halo") => Some(vec![Engine::Halo]),
                    Some("haproxy") => Some(vec![Engine::Haproxy]),
                    Some("both") => Some(vec![Engine::Halo, Engine::Haproxy]),
                    _ => {
                        eprintln!("{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--stderr" => show_stderr = true,
            "--show" => show = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => names.push(a),
        }
    }
    let engines = engines.unwrap_or_else(|| {
        if on_path("haproxy") {
            vec![Engine::Halo, Engine::Haproxy]
        } else {
            eprintln!("haproxy is not on PATH: halo only");
            vec![Engine::Halo]
        }
    });
    let dirs = if names.is_empty() {
        cases()
    } else {
        let mut v = Vec::new();
        for n in &names {
            match find_case(n) {
                Some(d) => v.push(d),
                None => {
                    eprintln!("proxy-scenario: no case {n:?} (a directory with exchanges.txt)");
                    return ExitCode::from(2);
                }
            }
        }
        v
    };
    let mut failed = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        for &engine in &engines {
            let r = run_case(dir, engine);
            if let Some(reason) = &r.skipped {
                println!("{name} [{engine}]: skipped ({reason})");
                continue;
            }
            println!(
                "{name} [{engine}]: {}/{} steps as expected{}",
                r.passed(),
                r.steps.len(),
                if r.ok() { "" } else { " -- FAIL" }
            );
            for s in &r.steps {
                match &s.failure {
                    None => println!("  line {}: ok", s.line),
                    Some(f) => println!("  line {}: FAIL\n{f}", s.line),
                }
                if show {
                    println!(
                        "<<< (line {})\n{}\n<<< (end of line {})",
                        s.line,
                        s.got.as_exchange(),
                        s.line
                    );
                }
            }
            for e in &r.errors {
                println!("  FAIL: {e}");
            }
            if show_stderr && !r.stderr.is_empty() {
                println!("  --- {engine} stderr ---\n{}", r.stderr);
            }
            if !r.ok() {
                failed += 1;
            }
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
