//! Binary chunks are a deliberate difference from PUC-Rio (docs/COMPAT.md): Halo has no
//! bytecode format, so `string.dump` and loading binary chunks fail with clear errors.

use std::process::Command;

fn run(src: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_halo-lua"))
        .args(["-e", src])
        .output()
        .expect("halo-lua runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn string_dump_raises() {
    assert_eq!(
        run("print(pcall(string.dump, function() end))"),
        "false\tunable to dump given function\n"
    );
}

#[test]
fn binary_chunks_do_not_load() {
    assert_eq!(
        run(r#"print(load("\27Lua\84\0", "bin", "b"))"#),
        "nil\tbinary chunks are not supported by Halo (string.dump is unavailable)\n"
    );
    assert_eq!(
        run(r#"print(load("\27Lua", "bin", "t"))"#),
        "nil\tattempt to load a binary chunk (mode is 't')\n"
    );
}
