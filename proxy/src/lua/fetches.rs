//! The `Fetches` and `Converters` classes (`txn.f`, `txn.sf`, `txn.c`, `txn.sc`): every
//! built-in fetch and converter by its Lua name (`req.hdr` → `txn.f:req_hdr(...)`). Methods are
//! made on first use and cached in the object. The `s` variants return strings, "" on failure.

use halo_vm::{Action, Ctx, Error, Function, NativeFunction, Stack, Table, Value};

use super::class;
use super::sample_conv::{from_lua, to_lua};
use crate::engine::txn::StreamSource;
use crate::sample::catalogue;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const FETCHES: &str = "Fetches";
pub const CONVERTERS: &str = "Converters";

pub struct SampleObj {
    pub src: StreamSource,
    /// `sf`/`sc`: results as strings, "" on failure.
    pub strings: bool,
    /// HTTP fetches allowed (a TXN's; HAProxy 2.6 refuses them in Lua services).
    pub http: bool,
}

pub fn define(ctx: Ctx<'_>) {
    class::define(ctx, FETCHES, &[], Some(fetches_index));
    class::define(ctx, CONVERTERS, &[], Some(converters_index));
}

pub fn new<'gc>(
    ctx: Ctx<'gc>,
    class_name: &str,
    src: StreamSource,
    strings: bool,
) -> Result<Table<'gc>, Error<'gc>> {
    let mt = class::metatable(ctx, class_name)
        .ok_or_else(|| Error::runtime(format!("{class_name} class missing")))?;
    Ok(class::new_object(
        ctx,
        mt,
        SampleObj {
            src,
            strings,
            http: true,
        },
    ))
}

/// The `f`/`sf`/`c`/`sc` attribute of an applet object, if `key` names one (no HTTP fetches).
pub fn sample_attribute<'gc>(
    ctx: Ctx<'gc>,
    key: Value<'gc>,
    src: &StreamSource,
) -> Result<Option<Value<'gc>>, Error<'gc>> {
    let Value::String(k) = key else {
        return Ok(None);
    };
    let (class_name, strings) = match k.as_bytes() {
        b"f" => (FETCHES, false),
        b"sf" => (FETCHES, true),
        b"c" => (CONVERTERS, false),
        b"sc" => (CONVERTERS, true),
        _ => return Ok(None),
    };
    let mt = class::metatable(ctx, class_name)
        .ok_or_else(|| Error::runtime(format!("{class_name} class missing")))?;
    let obj = SampleObj {
        src: src.clone(),
        strings,
        http: false,
    };
    Ok(Some(Value::Table(class::new_object(ctx, mt, obj))))
}

fn index_with<'gc>(
    ctx: Ctx<'gc>,
    stack: Stack<'gc, '_>,
    exists: fn(&str) -> bool,
    call: halo_vm::NativeFn,
) -> NResult<'gc> {
    let key = stack.get(1);
    let Value::String(k) = key else {
        let mut stack = stack;
        stack.replace(&[Value::Nil]);
        return Ok(Action::Return);
    };
    if !exists(&k.to_str_lossy()) {
        let mut stack = stack;
        stack.replace(&[Value::Nil]);
        return Ok(Action::Return);
    }
    let f = NativeFunction::with_upvalues(ctx.mc, call, Box::new([key]));
    class::cache_attribute(ctx, stack, key, Value::Function(Function::Native(f)))
}

fn fetches_index<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    index_with(
        ctx,
        stack,
        |n| catalogue::fetch_for_lua(n).is_some(),
        call_fetch,
    )
}

fn converters_index<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    index_with(
        ctx,
        stack,
        |n| catalogue::converter_for_lua(n).is_some(),
        call_converter,
    )
}

fn name_of<'gc>(f: NativeFunction<'gc>) -> String {
    match f.upvalue(0) {
        Value::String(s) => s.to_str_lossy().into_owned(),
        _ => String::new(),
    }
}

fn finish<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    strings: bool,
    r: Option<crate::sample::Sample>,
) -> NResult<'gc> {
    let v = match (r, strings) {
        (Some(s), false) => to_lua(ctx, s),
        (None, false) => Value::Nil,
        (Some(s), true) => match s.to_str_form() {
            Some(b) => Value::String(ctx.bytes(&b)),
            None => ctx.str_value(""),
        },
        (None, true) => ctx.str_value(""),
    };
    stack.replace(&[v]);
    Ok(Action::Return)
}

fn call_fetch<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let obj = class::check::<SampleObj>(&stack, 0, FETCHES)?;
    let name = name_of(f);
    let def = catalogue::fetch_for_lua(&name)
        .ok_or_else(|| Error::runtime(format!("unknown fetch '{name}'")))?;
    if !obj.http && crate::sample::placement::of_fetch(def.name).uses_http() {
        let msg = format!(
            "the sample-fetch '{}' needs an HTTP parser which is not available in Lua services",
            def.name
        );
        return Err(Error::Value(ctx.str_value(&msg)));
    }
    let values: Vec<_> = stack.as_slice()[1..]
        .iter()
        .filter_map(|v| from_lua(*v))
        .collect();
    let args = def
        .args_from_lua(&values)
        .map_err(|e| Error::runtime(format!("'{name}': {e}")))?;
    let mut src = obj.src.clone();
    let r = def.call(&args, &mut src);
    finish(ctx, stack, obj.strings, r)
}

fn call_converter<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let obj = class::check::<SampleObj>(&stack, 0, CONVERTERS)?;
    let name = name_of(f);
    let def = catalogue::converter_for_lua(&name)
        .ok_or_else(|| Error::runtime(format!("unknown converter '{name}'")))?;
    let Some(input) = from_lua(stack.get(1)) else {
        return finish(ctx, stack, obj.strings, None);
    };
    let values: Vec<_> = stack
        .as_slice()
        .get(2..)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| from_lua(*v))
        .collect();
    let args = def
        .args_from_lua(&values)
        .map_err(|e| Error::runtime(format!("'{name}': {e}")))?;
    let mut src = obj.src.clone();
    let r = def.call(&args, input, &mut src);
    finish(ctx, stack, obj.strings, r)
}
