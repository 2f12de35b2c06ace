//! The `global` section's keywords (HAProxy 2.6's `cfg_parse_global` and the Lua keywords of
//! `hlua.c`, plus the `tune.lua.*` keywords of the 3.4 manual), with HAProxy's messages.

use super::diag::Form;
use super::env::Env;
use super::keywords;
use super::line::Line;
use super::log::{self, LogDirective};
use super::model::{
    BoolSampleConversion, EnvOp, LuaLib, LuaLoad, LuaLogStderr, LuaPathKind, LuaPrependPath,
};
use super::parser::Parser;
use super::suggest;
use super::time;

pub(crate) fn parse(p: &mut Parser, line: &Line) {
    let loc = &line.loc;
    let words = &line.words;
    let kw = words[0].as_str();
    let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    // HAProxy's `alertif_too_many_args(n)`: more than `n` arguments is an error.
    let too_many = |p: &mut Parser, n: usize| -> bool {
        if words.len() > n + 1 {
            p.alert(
                loc,
                Form::Parsing,
                format!(
                    "'{kw}' cannot handle unexpected argument '{}'.",
                    words[n + 1]
                ),
            );
            return true;
        }
        false
    };
    match kw {
        "daemon" => {
            if !too_many(p, 0) {
                p.config.global.daemon = true;
            }
        }
        "pidfile" => {
            if too_many(p, 1) {
                return;
            }
            if p.config.global.pidfile.is_some() {
                // Not fatal: the first value stays.
                p.alert_nonfatal(
                    loc,
                    Form::Parsing,
                    "'pidfile' already specified. Continuing.",
                );
                return;
            }
            if arg(1).is_empty() {
                p.alert(
                    loc,
                    Form::Parsing,
                    "'pidfile' expects a file name as an argument.",
                );
                return;
            }
            p.config.global.pidfile = Some(arg(1).to_string());
        }
        "maxconn" => {
            if too_many(p, 1) {
                return;
            }
            if p.config.global.maxconn.is_some() {
                p.alert_nonfatal(
                    loc,
                    Form::Parsing,
                    "'maxconn' already specified. Continuing.",
                );
                return;
            }
            if arg(1).is_empty() {
                p.alert(loc, Form::Parsing, "'maxconn' expects an integer argument.");
                return;
            }
            let v = super::cint::atol(arg(1));
            // 0 (also what atol gives for a non-number) means "not set" in HAProxy.
            let v = v.clamp(0, i64::from(u32::MAX)) as u32;
            p.config.global.maxconn = (v != 0).then_some(v);
        }
        "nbthread" => {
            if too_many(p, 1) {
                return;
            }
            let Some(n) = super::cint::strict_u64(arg(1)) else {
                p.alert(
                    loc,
                    Form::Parsing,
                    format!(
                        "'nbthread' passed a missing or unparsable integer value in '{}'",
                        arg(1)
                    ),
                );
                return;
            };
            if !(1..=64).contains(&n) {
                p.alert(
                    loc,
                    Form::Parsing,
                    format!("'nbthread' value must be between 1 and 64 (was {n})"),
                );
                return;
            }
            p.config.global.nbthread = Some(n as u32);
        }
        "log" => match log::parse(words, loc, false) {
            Ok(LogDirective::Target(t)) => p.config.global.logs.push(t),
            Ok(LogDirective::Global) => {}
            Err(msg) => p.alert(loc, Form::Parsing, msg),
        },
        "setenv" | "presetenv" => {
            if words.len() < 3 {
                p.alert(
                    loc,
                    Form::ParsingTight,
                    format!("'{kw}' expects a name and a value."),
                );
                return;
            }
            // Extra words are ignored, as in HAProxy.
            let overwrite = kw == "setenv";
            p.env.set(arg(1), arg(2), overwrite);
            p.config.global.env_ops.push(EnvOp::Set {
                name: arg(1).to_string(),
                value: arg(2).to_string(),
                overwrite,
            });
        }
        "unsetenv" => {
            if words.len() < 2 {
                p.alert(
                    loc,
                    Form::ParsingTight,
                    "'unsetenv' expects at least one variable name.",
                );
                return;
            }
            for name in &words[1..] {
                p.env.unset(name);
            }
            p.config
                .global
                .env_ops
                .push(EnvOp::Unset(words[1..].to_vec()));
        }
        "resetenv" => {
            let keep = words[1..].to_vec();
            Env::reset(&mut p.env, &keep);
            p.config.global.env_ops.push(EnvOp::Reset(keep));
        }
        "lua-load" | "lua-load-per-thread" => {
            if arg(1).is_empty() {
                let what = if kw == "lua-load" {
                    "file name"
                } else {
                    "file"
                };
                p.alert(
                    loc,
                    Form::Parsing,
                    format!("'{kw}' expects a {what} as parameter."),
                );
                return;
            }
            p.config.global.lua_loads.push(LuaLoad {
                file: arg(1).to_string(),
                args: words[2..].to_vec(),
                per_thread: kw == "lua-load-per-thread",
                loc: loc.clone(),
            });
        }
        "lua-prepend-path" => {
            if arg(1).is_empty() {
                p.alert(
                    loc,
                    Form::Parsing,
                    "'lua-prepend-path' expects to receive a <path> as argument",
                );
                return;
            }
            if too_many(p, 2) {
                return;
            }
            let kind = match arg(2) {
                "" | "path" => LuaPathKind::Path,
                "cpath" => LuaPathKind::Cpath,
                _ => {
                    p.alert(
                        loc,
                        Form::Parsing,
                        "'lua-prepend-path' expects <type> to either be 'path' or 'cpath'",
                    );
                    return;
                }
            };
            p.config.global.lua_prepend_paths.push(LuaPrependPath {
                path: arg(1).to_string(),
                kind,
                loc: loc.clone(),
            });
        }
        k if k.starts_with("tune.lua.") => tune_lua(p, line),
        "ssl-server-verify" => {
            if too_many(p, 1) {
                return;
            }
            match arg(1) {
                "none" => p.config.global.ssl_server_verify_none = true,
                "required" => p.config.global.ssl_server_verify_none = false,
                // HAProxy's own (odd) wording for a missing argument.
                "" => p.alert(
                    loc,
                    Form::Parsing,
                    "'ssl-server-verify' expects an integer argument.",
                ),
                _ => p.alert(
                    loc,
                    Form::Parsing,
                    "'ssl-server-verify' expects 'none' or 'required' as argument.",
                ),
            }
        }
        "no" | "default" if words.len() > 1 && keywords::GLOBAL.contains(&arg(1)) => {
            p.alert(
                loc,
                Form::Parsing,
                format!("'{kw} {}' is not supported by Halo", arg(1)),
            );
        }
        k if keywords::GLOBAL.contains(&k) => {
            p.alert(
                loc,
                Form::Parsing,
                format!("'{k}' is not supported by Halo"),
            );
        }
        k => unknown(p, line, k),
    }
}

fn unknown(p: &mut Parser, line: &Line, k: &str) {
    let mut msg = format!("unknown keyword '{k}' in 'global' section");
    if let Some(best) = suggest::best_match(k, keywords::GLOBAL.iter().copied()) {
        msg.push_str(&format!("; did you mean '{best}' maybe ?"));
    }
    p.alert(&line.loc, Form::Parsing, msg);
}

fn tune_lua(p: &mut Parser, line: &Line) {
    let loc = &line.loc;
    let kw = line.words[0].as_str();
    let v = line.words.get(1).map(String::as_str).unwrap_or("");
    let parsed_time = time::parse_ms(v).ok().filter(|_| !v.is_empty());
    if let Some((_, Some(c))) = parsed_time {
        p.warn_plain(loc, time::trailing_warning(c, v));
    }
    // HAProxy applies `bool-sample-conversion` to the Lua states it creates afterwards: set
    // after a `lua-load`, it is ignored.
    let loaded = !p.config.global.lua_loads.is_empty();
    let t = &mut p.config.global.tune_lua;
    let timeout = |_: &str| parsed_time.map(|(ms, _)| ms);
    let result: Result<(), String> = match kw {
        "tune.lua.maxmem" if v.is_empty() => {
            Err("'tune.lua.maxmem' expects an integer argument (Lua memory size in MB).".into())
        }
        "tune.lua.maxmem" => {
            // strtoll: digits with an optional sign; anything after them is an error.
            let body = v.strip_prefix(['-', '+']).unwrap_or(v);
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits < body.len() {
                let rest = &body[digits..];
                Err(format!(
                    "tune.lua.maxmem: invalid number {v} (error at '{rest}')"
                ))
            } else {
                t.maxmem_mb = Some(super::cint::atol(v).max(0) as u64);
                Ok(())
            }
        }
        // HAProxy 2.6 accepts an empty value (and changes nothing).
        "tune.lua.forced-yield" if v.is_empty() => Ok(()),
        "tune.lua.forced-yield" => match super::cint::strict_u64(v) {
            Some(n) => {
                t.forced_yield = Some(n.min(u64::from(u32::MAX)) as u32);
                Ok(())
            }
            None => Err("tune.lua.forced-yield: invalid number".into()),
        },
        "tune.lua.session-timeout"
        | "tune.lua.service-timeout"
        | "tune.lua.task-timeout"
        | "tune.lua.burst-timeout" => match timeout(v) {
            Some(ms) => {
                let slot = match kw {
                    "tune.lua.session-timeout" => &mut t.session_timeout_ms,
                    "tune.lua.service-timeout" => &mut t.service_timeout_ms,
                    "tune.lua.task-timeout" => &mut t.task_timeout_ms,
                    _ => &mut t.burst_timeout_ms,
                };
                *slot = Some(ms);
                Ok(())
            }
            None => Err(format!("{kw}: invalid timeout")),
        },
        "tune.lua.log.loggers" => match v {
            "on" => {
                t.log_loggers = Some(true);
                Ok(())
            }
            "off" => {
                t.log_loggers = Some(false);
                Ok(())
            }
            _ => Err(format!(
                "'{kw}' expects either 'on' or 'off' but got '{v}'."
            )),
        },
        "tune.lua.log.stderr" => {
            let m = match v {
                "on" => Some(LuaLogStderr::On),
                "auto" => Some(LuaLogStderr::Auto),
                "off" => Some(LuaLogStderr::Off),
                _ => None,
            };
            match m {
                Some(m) => {
                    t.log_stderr = Some(m);
                    Ok(())
                }
                None => Err(format!(
                    "'{kw}' expects either 'on', 'auto', or 'off' but got '{v}'."
                )),
            }
        }
        "tune.lua.bool-sample-conversion" => match v {
            "normal" => {
                if !loaded {
                    t.bool_sample_conversion = Some(BoolSampleConversion::Normal);
                }
                Ok(())
            }
            "pre-3.1-bug" => {
                if !loaded {
                    t.bool_sample_conversion = Some(BoolSampleConversion::Pre31Bug);
                }
                Ok(())
            }
            _ => Err(format!(
                "'{kw}' expects either 'normal' or 'pre-3.1-bug' but got '{v}'."
            )),
        },
        "tune.lua.openlibs" => {
            let g = &p.config.global;
            if !g.lua_loads.is_empty() || !g.lua_prepend_paths.is_empty() {
                Err(format!(
                    "'{kw}' must be set before any 'lua-load', 'lua-load-per-thread' or 'lua-prepend-path' directive."
                ))
            } else {
                parse_openlibs(v).map(|libs| {
                    p.config.global.tune_lua.openlibs = libs;
                })
            }
        }
        _ => {
            unknown(p, line, kw);
            return;
        }
    };
    // HAProxy 2.6's own tune.lua keywords ignore extra words; the 3.4 ones refuse them.
    let from_34 = matches!(
        kw,
        "tune.lua.burst-timeout"
            | "tune.lua.log.loggers"
            | "tune.lua.log.stderr"
            | "tune.lua.bool-sample-conversion"
            | "tune.lua.openlibs"
    );
    if let Err(msg) = result {
        p.alert(loc, Form::Parsing, msg);
    } else if from_34 && line.words.len() > 2 {
        p.alert(
            loc,
            Form::Parsing,
            format!(
                "'{kw}' cannot handle unexpected argument '{}'.",
                line.words[2]
            ),
        );
    }
}

/// `all` (None), `none` (empty), or a comma-separated list of library names.
fn parse_openlibs(v: &str) -> Result<Option<Vec<LuaLib>>, String> {
    match v {
        "all" | "" => return Ok(None),
        "none" => return Ok(Some(Vec::new())),
        _ => {}
    }
    let mut libs = Vec::new();
    for name in v.split(',') {
        let lib = match name {
            "table" => LuaLib::Table,
            "io" => LuaLib::Io,
            "os" => LuaLib::Os,
            "string" => LuaLib::String,
            "math" => LuaLib::Math,
            "utf8" => LuaLib::Utf8,
            "package" => LuaLib::Package,
            "debug" => LuaLib::Debug,
            "none" | "all" => {
                return Err(format!(
                    "'tune.lua.openlibs': '{name}' cannot be combined with library names."
                ));
            }
            _ => {
                return Err(format!(
                    "'tune.lua.openlibs': unknown library '{name}' (expects all, none or a comma-separated list of table, io, os, string, math, utf8, package, debug)."
                ));
            }
        };
        if !libs.contains(&lib) {
            libs.push(lib);
        }
    }
    Ok(Some(libs))
}
