//! HAProxy's Lua object model: an object is a table whose index 0 holds the userdata with the
//! Rust payload, and whose metatable belongs to the class. Scripts may add their own fields to
//! such objects (they are tables), and `__index` finds the class's methods, then the class's
//! lazily built attributes (`txn.f`, `applet.headers`), which are stored in the object on first
//! use so later reads are plain table hits.

use std::any::Any;

use halo_vm::{
    Action, Ctx, Error, Function, NativeFn, NativeFunction, Stack, Table, UserData, Value,
};

/// First registry integer slot of the class metatables (integer keys: looking a class up
/// for every new object allocates no string).
pub const REGISTRY_SLOT: i64 = 2_000_000;

/// Every class, in registry slot order.
const CLASSES: [&str; 10] = [
    "AppletTCP",
    "AppletHTTP",
    "TXN",
    "HTTP",
    "Fetches",
    "Converters",
    "Channel",
    "Regex",
    "Map",
    "Concat",
];

fn registry_slot(name: &str) -> i64 {
    let i = CLASSES
        .iter()
        .position(|c| *c == name)
        .expect("a class listed in CLASSES");
    REGISTRY_SLOT + i as i64
}

/// Builds a class and records it in the registry: `methods` become the `__index` table unless
/// `index` is given, in which case `index` is the `__index` function and gets the methods table
/// as its upvalue 0 (see `lookup_method`).
pub fn define<'gc>(
    ctx: Ctx<'gc>,
    name: &str,
    methods: &[(&str, NativeFn)],
    index: Option<NativeFn>,
) -> Table<'gc> {
    let mt = Table::new(ctx.mc);
    let table = Table::new(ctx.mc);
    ctx.set_functions(table, methods);
    let index_value = match index {
        Some(f) => Value::Function(Function::Native(NativeFunction::with_upvalues(
            ctx.mc,
            f,
            Box::new([Value::Table(table)]),
        ))),
        None => Value::Table(table),
    };
    mt.set_str(ctx.mc, ctx.str("__index"), index_value);
    mt.set_str(ctx.mc, ctx.str("__name"), ctx.str_value(name));
    ctx.state
        .registry
        .set_int(ctx.mc, registry_slot(name), Value::Table(mt));
    mt
}

/// A class's metatable (defined by `define`).
pub fn metatable<'gc>(ctx: Ctx<'gc>, name: &str) -> Option<Table<'gc>> {
    match ctx.state.registry.get_int(registry_slot(name)) {
        Value::Table(t) => Some(t),
        _ => None,
    }
}

/// A new object of class `mt` around `payload`.
pub fn new_object<'gc, T: Any>(ctx: Ctx<'gc>, mt: Table<'gc>, payload: T) -> Table<'gc> {
    let obj = Table::new(ctx.mc);
    let ud = UserData::new(ctx.mc, payload, None);
    obj.set_int(ctx.mc, 0, Value::UserData(ud));
    obj.set_metatable(ctx.mc, Some(mt));
    obj
}

/// The payload of the object in argument `i`, which must be of class `class`.
pub fn check<'gc, T: Any>(
    stack: &Stack<'gc, '_>,
    i: usize,
    class: &str,
) -> Result<&'gc T, Error<'gc>> {
    if let Value::Table(t) = stack.get(i)
        && let Value::UserData(ud) = t.get_int(0)
        && let Some(p) = ud.downcast::<T>()
    {
        return Ok(p);
    }
    Err(Error::bad_arg(i + 1, format!("{class} expected")))
}

/// For an `__index` function made by `define`: the method named by the key, if any.
pub fn lookup_method<'gc>(f: NativeFunction<'gc>, key: Value<'gc>) -> Value<'gc> {
    match f.upvalue(0) {
        Value::Table(methods) => methods.get(key),
        _ => Value::Nil,
    }
}

/// Stores a lazily built attribute in the object and returns it as the `__index` result.
pub fn cache_attribute<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    key: Value<'gc>,
    value: Value<'gc>,
) -> Result<Action<'gc>, Error<'gc>> {
    if let Value::Table(obj) = stack.get(0) {
        // Raw set: the class metatable has no `__newindex`.
        let _ = obj.set(ctx.mc, key, value);
    }
    stack.replace(&[value]);
    Ok(Action::Return)
}
