//! The `Map` class: `Map.new(file[, method])` loads a map file (once per name for the whole
//! process, shared with the configuration's `map*` converters: `sample::patfile`), and
//! `m:lookup(key)` / `m:slookup(key)` return the value of the matching entry, else nil / "".
//! The method constants are `Map._str`... (HAProxy's `PAT_MATCH_*` numbers, with the
//! unprefixed aliases); `new` accepts `_str _beg _sub _dir _dom _end _reg _int _ip`.
//! `Map.new` works in the body and init contexts only, as in HAProxy (it reads a file).

use std::sync::Arc;

use halo_vm::args::{check_integer, check_string};
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use super::class;
use super::cstr::c_str;
use super::invocation::{ExecContext, current_context};
use crate::sample::Sample;
use crate::sample::patfile::{ExprKind, MapOut, PatExpr, PatStore};
use crate::sample::pattern::MatchMethod;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "Map";

/// HAProxy 2.6's `PAT_MATCH_*` in order: the values of `Map._<name>` and `Map.<name>`.
const METHODS: [&str; 14] = [
    "found", "bool", "int", "ip", "bin", "len", "str", "beg", "sub", "dir", "dom", "end", "reg",
    "regm",
];

struct MapObj(Arc<PatExpr>);

/// Defines the class and the `Map` global (`new` and the method constants).
pub fn open(ctx: Ctx<'_>) {
    let mt = class::define(
        ctx,
        CLASS,
        &[("lookup", lookup), ("slookup", slookup)],
        None,
    );
    ctx.set_functions(mt, &[("__tostring", tostring)]);
    let global = Table::new(ctx.mc);
    ctx.set_functions(global, &[("new", new)]);
    for (i, name) in METHODS.iter().enumerate() {
        global.set_str(ctx.mc, ctx.str(name), Value::Integer(i as i64));
        global.set_str(
            ctx.mc,
            ctx.str(&format!("_{name}")),
            Value::Integer(i as i64),
        );
    }
    ctx.set_global(CLASS, Value::Table(global));
}

/// `hlua_map_new`.
fn new<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if !(1..=2).contains(&stack.len()) {
        return Err(Error::runtime("'new' needs at least 1 argument."));
    }
    let file = check_string(ctx, &stack, 0)?;
    let mut number = 6;
    if stack.len() >= 2 {
        number = check_integer(ctx, &stack, 1)?;
        if !(0..METHODS.len() as i64).contains(&number) {
            return Err(Error::runtime("'new' needs a valid match method."));
        }
    }
    let method = match METHODS[number as usize] {
        "int" => MatchMethod::Int,
        "ip" => MatchMethod::Ip,
        name @ ("str" | "beg" | "sub" | "dir" | "dom" | "end" | "reg") => {
            MatchMethod::from_name(name).unwrap_or(MatchMethod::Str)
        }
        _ => return Err(Error::runtime("'new' doesn't support this match mode.")),
    };
    // HAProxy loads maps only while starting (a file read would block a worker).
    if !matches!(current_context(), ExecContext::Body | ExecContext::Init) {
        return Err(Error::runtime("'new': map: cannot load map at runtime."));
    }
    let name = String::from_utf8_lossy(c_str(file.as_bytes())).into_owned();
    let kind = ExprKind {
        method,
        ignore_case: false,
        out: Some(MapOut::Str),
    };
    let expr = PatStore::global()
        .expr(&name, kind)
        .map_err(|e| Error::runtime(format!("'new': {e}.")))?;
    let mt = class::metatable(ctx, CLASS).ok_or_else(|| Error::runtime("Map class missing"))?;
    let obj = class::new_object(ctx, mt, MapObj(expr));
    stack.replace(&[Value::Table(obj)]);
    Ok(Action::Return)
}

/// `_hlua_map_lookup`: `strings` makes a miss "" instead of nil.
fn do_lookup<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, strings: bool) -> NResult<'gc> {
    if stack.len() != 2 {
        return Err(Error::runtime("'lookup' needs 2 arguments"));
    }
    let map = class::check::<MapObj>(&stack, 0, CLASS).map_err(|_| Error::bad_arg(1, "(null)"))?;
    let key = if map.0.kind().method == MatchMethod::Int {
        Sample::Sint(check_integer(ctx, &stack, 1)?)
    } else {
        let s = check_string(ctx, &stack, 1)?;
        Sample::str(bytes::Bytes::copy_from_slice(s.as_bytes()))
    };
    let v = match map.0.lookup(key).flatten().and_then(Sample::to_str_form) {
        Some(b) => Value::String(ctx.bytes(&b)),
        None if strings => ctx.str_value(""),
        None => Value::Nil,
    };
    stack.replace(&[v]);
    Ok(Action::Return)
}

fn lookup<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    do_lookup(ctx, stack, false)
}

fn slookup<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    do_lookup(ctx, stack, true)
}

fn tostring<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    stack.replace(&[ctx.str_value("HAProxy class Map")]);
    Ok(Action::Return)
}
