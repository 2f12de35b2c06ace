//! The `Regex` class: `ok, re = Regex.new(pattern, case_sensitive)` (`false, reason` when the
//! pattern does not compile), `re:exec(s)` → boolean, `re:match(s)` → boolean and the list of
//! the matched text and groups (at most 20 entries, stopping at the first group that did not
//! take part, as HAProxy reads PCRE's offsets). Allowed in every context.
//!
//! On the `regex` crate, byte-oriented like HAProxy's PCRE (no UTF mode): what PCRE has and
//! this lacks (backreferences, lookaround, ...) is listed in docs/COMPAT.md.

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};
use regex::bytes::{Regex, RegexBuilder};

use super::class;
use super::cstr::c_str;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "Regex";

/// HAProxy copies the subject into a trash chunk (`tune.bufsize`, 16384 by default) first and
/// answers `false` for anything that does not fit with its terminating NUL.
const TRASH_SIZE: usize = 16384;

/// HAProxy's `regmatch_t pmatch[20]`.
const MAX_MATCHES: usize = 20;

struct RegexObj(Regex);

/// Defines the class and the `Regex` global (`Regex.new`; the global shares the class
/// metatable, as in HAProxy).
pub fn open(ctx: Ctx<'_>) {
    let mt = class::define(ctx, CLASS, &[("exec", exec), ("match", match_)], None);
    ctx.set_functions(mt, &[("__tostring", tostring)]);
    let global = Table::new(ctx.mc);
    ctx.set_functions(global, &[("new", new)]);
    global.set_metatable(ctx.mc, Some(mt));
    ctx.set_global(CLASS, Value::Table(global));
}

/// A C string's bytes as a `regex` pattern: up to the first NUL (HAProxy passes a C string),
/// bytes that are not UTF-8 written as `\xNN` so they match themselves.
fn pattern_text(b: &[u8]) -> String {
    let b = c_str(b);
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for c in chunk.invalid() {
            out.push_str(&format!("\\x{c:02X}"));
        }
    }
    out
}

/// Compiles like HAProxy's `regex_comp` (case-insensitive unless `case_sensitive`); the error
/// is HAProxy's sentence around the `regex` crate's reason.
pub fn compile(pattern: &[u8], case_sensitive: bool) -> Result<Regex, String> {
    let text = pattern_text(pattern);
    RegexBuilder::new(&text)
        .case_insensitive(!case_sensitive)
        .unicode(false)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg.lines().last().unwrap_or("").trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            format!(
                "regex '{}' is invalid (error={last})",
                String::from_utf8_lossy(
                    &pattern[..pattern
                        .iter()
                        .position(|&c| c == 0)
                        .unwrap_or(pattern.len())]
                )
            )
        })
}

/// `Regex.new(pattern, case_sensitive)`: the flag must be a boolean.
fn new<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let pattern = check_string(ctx, &stack, 0)?;
    let Value::Boolean(cs) = stack.get(1) else {
        return Err(Error::bad_arg(2, "(null)"));
    };
    match compile(pattern.as_bytes(), cs) {
        Ok(re) => {
            let mt = class::metatable(ctx, CLASS)
                .ok_or_else(|| Error::runtime("Regex class missing"))?;
            let obj = class::new_object(ctx, mt, RegexObj(re));
            stack.replace(&[Value::Boolean(true), Value::Table(obj)]);
        }
        Err(msg) => stack.replace(&[Value::Boolean(false), ctx.str_value(&msg)]),
    }
    Ok(Action::Return)
}

fn regex<'gc>(stack: &Stack<'gc, '_>) -> Result<&'gc Regex, Error<'gc>> {
    class::check::<RegexObj>(stack, 0, CLASS)
        .map(|r| &r.0)
        .map_err(|_| Error::bad_arg(1, "(null)"))
}

fn exec<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let re = regex(&stack)?;
    let s = check_string(ctx, &stack, 1)?;
    let b = s.as_bytes();
    let ok = b.len() < TRASH_SIZE && re.is_match(b);
    stack.replace(&[Value::Boolean(ok)]);
    Ok(Action::Return)
}

fn match_<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let re = regex(&stack)?;
    let s = check_string(ctx, &stack, 1)?;
    let b = s.as_bytes();
    if b.len() >= TRASH_SIZE {
        stack.replace(&[Value::Boolean(false)]);
        return Ok(Action::Return);
    }
    let list = Table::new(ctx.mc);
    let caps = re.captures(b);
    if let Some(caps) = &caps {
        for i in 0..caps.len().min(MAX_MATCHES) {
            let Some(m) = caps.get(i) else {
                break;
            };
            list.set_int(ctx.mc, i as i64 + 1, Value::String(ctx.bytes(m.as_bytes())));
        }
    }
    stack.replace(&[Value::Boolean(caps.is_some()), Value::Table(list)]);
    Ok(Action::Return)
}

fn tostring<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    stack.replace(&[ctx.str_value("HAProxy class Regex")]);
    Ok(Action::Return)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_forms() {
        assert!(
            compile(b"needle (..)", true)
                .unwrap()
                .is_match(b"a needle in")
        );
        assert!(!compile(b"NEEDLE", true).unwrap().is_match(b"a needle"));
        assert!(compile(b"NEEDLE", false).unwrap().is_match(b"a needle"));
        // Bytes, not UTF-8: `.` matches any byte, invalid bytes match themselves.
        assert!(compile(b"^a.b$", true).unwrap().is_match(b"a\xffb"));
        assert!(compile(b"\xff", true).unwrap().is_match(b"x\xff"));
        assert!(
            compile("é".as_bytes(), true)
                .unwrap()
                .is_match("café".as_bytes())
        );
        // The pattern stops at a NUL, like the C string HAProxy gets.
        assert!(compile(b"ab\0(", true).is_ok());
        assert!(
            compile(b"(", true)
                .unwrap_err()
                .starts_with("regex '(' is invalid (error=")
        );
    }
}
