//! Hostile configuration text never panics the parsers: random words over an alphabet of
//! the characters the grammars care about (plus multi-byte ones) go through expressions, log
//! formats, ACLs and every rule keyword; each must give a value or an error.

use halo::config::{Line, Loc};
use halo::lua_names::LuaNames;
use halo::rules::{ProxyCtx, ProxyKind, ProxyMode, ProxyRules};
use halo::sample::expr::{ExprCtx, SampleExpr};
use halo::sample::logformat::LogFormat;

const PIECES: &[&str] = &[
    "%",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ",",
    "'",
    "\"",
    "\\",
    " ",
    "+Q",
    "-",
    ":",
    "/",
    ".",
    "é",
    "€",
    "path",
    "req.hdr",
    "lower",
    "field",
    "var",
    "txn.x",
    "int",
    "str",
    "1",
    "-5",
    "99999999999999999999",
    "ci",
    "o",
    "lua.",
    "set-var",
    "src",
    "ipmask",
    "json",
    "word",
    "if",
    "!",
    "||",
    "TRUE",
    "-m",
    "reg",
    "set-header",
    "deny",
    "return",
    "redirect",
    "location",
    "status",
    "content-type",
    "string",
    "lf-string",
    "hdr",
    "accept",
    "content",
    "inspect-delay",
    "connection",
    "use-service",
    "del-header",
    "set-status",
    "code",
    "unset-var(txn.a)",
    "set-var(txn.a)",
    "deny_status",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn word(&mut self) -> String {
        // Often a single piece, so whole keywords come up.
        let n = if self.next().is_multiple_of(2) {
            1
        } else {
            (self.next() % 8) as usize
        };
        (0..n)
            .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
            .collect()
    }
}

#[test]
fn random_text_never_panics() {
    let lua = LuaNames::default();
    let ctx = ProxyCtx {
        kind: ProxyKind::Listen,
        name: "l".into(),
        mode: ProxyMode::Http,
    };
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for i in 0..20_000 {
        let w = rng.word();
        let _ = SampleExpr::parse(&w, &lua, ExprCtx::Word);
        let _ = SampleExpr::parse(&w, &lua, ExprCtx::Embedded);
        let _ = LogFormat::parse(&w, &lua);
        let _ = LogFormat::parse_log(&w, &lua);
        let kw = [
            "acl",
            "use_backend",
            "tcp-request",
            "tcp-response",
            "http-request",
            "http-response",
            "http-after-response",
        ][i % 7];
        let mut words = vec![kw.to_string()];
        for _ in 0..(rng.next() % 6) {
            words.push(rng.word());
        }
        let line = Line {
            loc: Loc {
                file: "r.cfg".into(),
                line: i,
            },
            words,
        };
        let _ = ProxyRules::compile(&ctx, [&line], &lua);
    }
}
