//! Runs one input of the `execute` target without sanitizers or libFuzzer, and prints how it
//! ended and how long it took: `cargo run --release --example runone -- <file>` (in `fuzz/`).
//! A slow unit found under the sanitizers is timed here as a plain release build runs it.

use halo_fuzz::sandbox::{self, Limits};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: runone <file>");
        std::process::exit(2);
    };
    let src = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let start = std::time::Instant::now();
    let end = sandbox::run_source(&src, Limits::default());
    let end = format!("{end:?}");
    let shown: String = end.chars().take(300).collect();
    println!("{:?}: {shown}", start.elapsed());
}
