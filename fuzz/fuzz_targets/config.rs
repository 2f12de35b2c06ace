//! Arbitrary text as a Halo (HAProxy) configuration, through what `halo -c` does without Lua:
//! parse, compile every proxy's rules, the checks, server addresses (a resolver that answers
//! without the network), `-c`'s rendering, and the engine's plan when the load is usable.
//! It ends with a configuration or errors; every error about a line names `fuzz.cfg` and a line
//! of the text.
#![no_main]

use halo::config::{self, Banner, Env};
use halo::lua_names::LuaNames;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let env = Env::from_pairs([("HOME", "/home/fuzz"), ("LIST", "a b c")]);
    let mut outcome = config::parse_texts(&[("fuzz.cfg".to_string(), data.to_vec())], env);
    let _rules = halo::engine::rules::compile(&mut outcome, &LuaNames::default());
    outcome.check();
    outcome.resolve_servers(&mut |host| {
        (host.len() % 2 == 0).then(|| std::net::IpAddr::from([127, 0, 0, 1]))
    });
    // The last line may lack its newline; one more line is where "missing endif" points.
    let lines = data.split(|&b| b == b'\n').count() + 1;
    for e in outcome.errors().iter().chain(&outcome.warnings()) {
        if let Some(loc) = &e.loc {
            assert_eq!(&*loc.file, "fuzz.cfg", "{e}");
            assert!(loc.line >= 1 && loc.line <= lines, "{e} ({lines} lines)");
        }
    }
    let banner = Banner {
        pid: 1,
        version_line: "halo version is fuzz".into(),
        path_line: "path to executable is halo".into(),
    };
    let _ = outcome.render_check(&banner);
    if let Some(cfg) = outcome.usable() {
        let _ = halo::engine::build::build(cfg);
    }
});
