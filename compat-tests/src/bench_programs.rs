//! The VM benchmark programs in `compat-tests/bench/`: finding them and reading their headers.
//!
//! `bench/*.lua` use only the base library and `coroutine`, so every engine can run them from the
//! start. `bench/stdlib/*.lua` are the later-stage list: they use `string`/`table`/`math`
//! functions, named on a `-- needs: lib.fn ...` header line, and are skipped (with a note) on an
//! engine that lacks one. Every program reads its size from `arg[1]` with a default sized for
//! about a second under `lua5.4`, and declares a tiny size on a `-- test size: N` line that the
//! correctness test uses. Each prints a checksum so engines' outputs can be compared.

use std::path::{Path, PathBuf};

/// One benchmark program.
#[derive(Debug, Clone)]
pub struct BenchProgram {
    /// The file name without `.lua`, prefixed with `stdlib/` for the later-stage list.
    pub name: String,
    pub path: PathBuf,
    /// Library functions the program needs beyond the base library and `coroutine`, as
    /// `lib.name` (empty for the base list).
    pub needs: Vec<String>,
    /// The `arg[1]` that makes the program finish in milliseconds (for the correctness test).
    pub test_size: Option<String>,
}

/// The benchmark folder of this repository.
pub fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench")
}

/// Every benchmark program: the base list, then the later-stage `stdlib/` list, each sorted by
/// name.
pub fn list(dir: &Path) -> std::io::Result<Vec<BenchProgram>> {
    let mut programs = list_one(dir, "")?;
    let stdlib = dir.join("stdlib");
    if stdlib.is_dir() {
        programs.extend(list_one(&stdlib, "stdlib/")?);
    }
    Ok(programs)
}

fn list_one(dir: &Path, prefix: &str) -> std::io::Result<Vec<BenchProgram>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "lua"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let source = std::fs::read_to_string(&path)?;
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            let (needs, test_size) = parse_header(&source);
            Ok(BenchProgram {
                name: format!("{prefix}{stem}"),
                path,
                needs,
                test_size,
            })
        })
        .collect()
}

/// Reads the `-- needs:` and `-- test size:` lines of the leading comment block.
fn parse_header(source: &str) -> (Vec<String>, Option<String>) {
    let mut needs = Vec::new();
    let mut test_size = None;
    for line in source.lines().take_while(|l| l.starts_with("--")) {
        let text = line.trim_start_matches('-').trim();
        if let Some(list) = text.strip_prefix("needs:") {
            needs.extend(list.split_whitespace().map(str::to_string));
        } else if let Some(size) = text.strip_prefix("test size:") {
            test_size = Some(size.trim().to_string());
        }
    }
    (needs, test_size)
}

/// A Lua chunk that exits normally when `lib.name` is a function and raises an error otherwise:
/// run under an engine, it tells whether that engine has the function. Uses only `assert` and
/// `type`, which every engine has.
pub fn probe_script(function: &str) -> String {
    let (lib, name) = function.split_once('.').unwrap_or(("_G", function));
    format!(
        "assert(type({lib}) == \"table\" and type({lib}.{name}) == \"function\", \
         \"lacks {function}\")\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_are_read() {
        let src = "-- needs: table.concat string.rep\n-- Size: arg[1] = n.\n\
                   -- test size: 20\nlocal n = 1\n-- needs: not.read\n";
        let (needs, size) = parse_header(src);
        assert_eq!(needs, ["table.concat", "string.rep"]);
        assert_eq!(size.as_deref(), Some("20"));
    }

    #[test]
    fn every_program_has_a_test_size() {
        let programs = list(&bench_dir()).unwrap();
        assert!(programs.len() >= 13, "benchmarks went missing");
        for p in &programs {
            assert!(p.test_size.is_some(), "{} lacks `-- test size:`", p.name);
            assert_eq!(
                p.name.starts_with("stdlib/"),
                !p.needs.is_empty(),
                "{}: only the stdlib/ list may need library functions",
                p.name
            );
        }
    }
}
