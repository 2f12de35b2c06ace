//! Proxy scenarios: every case under `compat-tests/proxy/` runs against `halo` (built by
//! `cargo build --workspace`, or `HALO_BIN`) and, when `haproxy` is on PATH, against haproxy
//! too; every exchange must give its expected response on both (a case declares the known
//! differences with `<<< halo` / `<<< haproxy` sections and a `% difference` reason).
//! `SCENARIOS=a,b` runs only the cases whose name contains one of the words; `-- --nocapture`
//! shows the table of results (steps as expected per engine, declared differences counted).

use halo_compat::scenario::format::{Engine, Script};
use halo_compat::scenario::process::on_path;
use halo_compat::scenario::run::{CaseResult, run_case};
use halo_compat::scenario::{cases, run};

/// `passed/total`, with the number of declared differences among them.
fn cell(r: &Option<CaseResult>, script: &Script, engine: Engine) -> String {
    let total = script.steps.len();
    let known = script
        .steps
        .iter()
        .filter(|s| s.expect.iter().any(|(e, _)| *e == Some(engine)))
        .count();
    match r {
        None => "-".into(),
        Some(r) if r.skipped.is_some() => "skipped".into(),
        Some(r) if !r.errors.is_empty() => "ERROR".into(),
        Some(r) if known > 0 => format!("{}/{total} ({known} known)", r.passed()),
        Some(r) => format!("{}/{total}", r.passed()),
    }
}

#[test]
fn proxy_scenarios() {
    let filter: Vec<String> = std::env::var("SCENARIOS")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let with_haproxy = on_path("haproxy");
    if !with_haproxy {
        eprintln!("haproxy is not on PATH: the scenarios run under halo only");
    }
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let script = match run::load(&dir) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let halo = run_case(&dir, Engine::Halo);
        let haproxy = with_haproxy.then(|| run_case(&dir, Engine::Haproxy));
        for (engine, r) in [
            (Engine::Halo, Some(&halo)),
            (Engine::Haproxy, haproxy.as_ref()),
        ] {
            let Some(r) = r else { continue };
            for f in r.failures() {
                failures.push(format!(
                    "{name} under {engine}: {f}\n  {engine}'s stderr:\n{}",
                    r.stderr
                        .lines()
                        .map(|l| format!("    {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
        }
        table.push(format!(
            "{name:<28} {:>14} {:>14}",
            cell(&Some(halo), &script, Engine::Halo),
            cell(&haproxy, &script, Engine::Haproxy)
        ));
    }
    eprintln!("{:<28} {:>14} {:>14}", "case", "halo", "haproxy");
    for row in &table {
        eprintln!("{row}");
    }
    assert!(!table.is_empty() || !filter.is_empty(), "no scenario found");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
