//! Keeps the VM benchmark programs (`compat-tests/bench/`) correct without timing anything: each
//! runs under `halo-lua` at its tiny `-- test size:` and must print what `lua5.4` prints (when
//! `lua5.4` is on PATH; otherwise it must just succeed). Later-stage programs that need a library
//! function halo-lua lacks are skipped with a note, as the benchmark runner skips them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use halo_compat::bench_programs::{self, BenchProgram};

/// `halo-lua` from the same target directory as this test binary.
fn halo_lua() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("halo-lua");
    assert!(
        bin.exists(),
        "{} not found: build it first (`cargo build --workspace`)",
        bin.display()
    );
    bin
}

fn run(cmd: &Path, program: &Path, args: &[&str]) -> Output {
    Command::new(cmd)
        .arg(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cmd.display()))
}

/// The functions among `program.needs` that halo-lua does not have.
fn halo_lacks(halo: &Path, program: &BenchProgram, scratch: &Path) -> Vec<String> {
    program
        .needs
        .iter()
        .filter(|f| {
            let probe = scratch.join("probe.lua");
            std::fs::write(&probe, bench_programs::probe_script(f)).unwrap();
            !run(halo, &probe, &[]).status.success()
        })
        .cloned()
        .collect()
}

#[test]
fn bench_programs_match_lua54_at_test_size() {
    let halo = halo_lua();
    let reference = Command::new("lua5.4").arg("-v").output().is_ok();
    if !reference {
        eprintln!("lua5.4 not on PATH: checking that the programs succeed only");
    }
    let scratch = std::env::temp_dir().join(format!("halo-bench-test-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let programs = bench_programs::list(&bench_programs::bench_dir()).unwrap();
    let (mut checked, mut skipped, mut failed) = (0, Vec::new(), Vec::new());
    for program in &programs {
        let size = program
            .test_size
            .as_deref()
            .expect("every program has a test size");
        let lacks = halo_lacks(&halo, program, &scratch);
        if !lacks.is_empty() {
            // Still keep the program itself right, ready for when halo-lua catches up.
            if reference {
                let want = run(Path::new("lua5.4"), &program.path, &[size]);
                assert!(want.status.success(), "{} fails under lua5.4", program.name);
            }
            skipped.push(format!(
                "{} (halo-lua lacks {})",
                program.name,
                lacks.join(" ")
            ));
            continue;
        }
        let got = run(&halo, &program.path, &[size]);
        let ok = if reference {
            let want = run(Path::new("lua5.4"), &program.path, &[size]);
            assert!(want.status.success(), "{} fails under lua5.4", program.name);
            got.status.success() && got.stdout == want.stdout
        } else {
            got.status.success()
        };
        if ok {
            checked += 1;
        } else {
            failed.push(format!(
                "{}: {}",
                program.name,
                String::from_utf8_lossy(&got.stderr)
                    .lines()
                    .next()
                    .unwrap_or("(output differs from lua5.4)")
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "bench programs: {checked} match lua5.4, {} skipped: {}",
        skipped.len(),
        skipped.join(", ")
    );
    assert!(
        failed.is_empty(),
        "benchmark programs differing under halo-lua:\n{}",
        failed.join("\n")
    );
}
