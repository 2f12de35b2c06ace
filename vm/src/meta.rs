//! Metatables and metamethod lookup (PUC-Rio's ltm.c).
//!
//! Tables carry their own metatable; strings, numbers and the other basic types share one
//! metatable per type, kept in the state (so the stdlib can give strings `__index = string`).
//! The events `__index` .. `__eq` are "fast": a table used as a metatable remembers which of them
//! it lacks (`TableState::absent_meta`), so `t.x` on a table whose metatable has no `__index`
//! costs one bit test.

use crate::state::Ctx;
use crate::table::Table;
use crate::value::{LuaType, Value};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MetaEvent {
    Index,
    NewIndex,
    Gc,
    Mode,
    Len,
    Eq,
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
    Lt,
    Le,
    Concat,
    Call,
    Close,
    ToString,
    Name,
    Pairs,
    Metatable,
}

pub const EVENT_COUNT: usize = 29;
/// Events up to (and including) `Eq` use the absence cache.
const FAST_EVENTS: u8 = MetaEvent::Eq as u8;

impl MetaEvent {
    pub const ALL: [MetaEvent; EVENT_COUNT] = [
        MetaEvent::Index,
        MetaEvent::NewIndex,
        MetaEvent::Gc,
        MetaEvent::Mode,
        MetaEvent::Len,
        MetaEvent::Eq,
        MetaEvent::Add,
        MetaEvent::Sub,
        MetaEvent::Mul,
        MetaEvent::Mod,
        MetaEvent::Pow,
        MetaEvent::Div,
        MetaEvent::IDiv,
        MetaEvent::BAnd,
        MetaEvent::BOr,
        MetaEvent::BXor,
        MetaEvent::Shl,
        MetaEvent::Shr,
        MetaEvent::Unm,
        MetaEvent::BNot,
        MetaEvent::Lt,
        MetaEvent::Le,
        MetaEvent::Concat,
        MetaEvent::Call,
        MetaEvent::Close,
        MetaEvent::ToString,
        MetaEvent::Name,
        MetaEvent::Pairs,
        MetaEvent::Metatable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MetaEvent::Index => "__index",
            MetaEvent::NewIndex => "__newindex",
            MetaEvent::Gc => "__gc",
            MetaEvent::Mode => "__mode",
            MetaEvent::Len => "__len",
            MetaEvent::Eq => "__eq",
            MetaEvent::Add => "__add",
            MetaEvent::Sub => "__sub",
            MetaEvent::Mul => "__mul",
            MetaEvent::Mod => "__mod",
            MetaEvent::Pow => "__pow",
            MetaEvent::Div => "__div",
            MetaEvent::IDiv => "__idiv",
            MetaEvent::BAnd => "__band",
            MetaEvent::BOr => "__bor",
            MetaEvent::BXor => "__bxor",
            MetaEvent::Shl => "__shl",
            MetaEvent::Shr => "__shr",
            MetaEvent::Unm => "__unm",
            MetaEvent::BNot => "__bnot",
            MetaEvent::Lt => "__lt",
            MetaEvent::Le => "__le",
            MetaEvent::Concat => "__concat",
            MetaEvent::Call => "__call",
            MetaEvent::Close => "__close",
            MetaEvent::ToString => "__tostring",
            MetaEvent::Name => "__name",
            MetaEvent::Pairs => "__pairs",
            MetaEvent::Metatable => "__metatable",
        }
    }

    /// The event name without the leading underscores (for "metamethod 'index'" in messages).
    pub fn short_name(self) -> &'static str {
        &self.name()[2..]
    }
}

/// The metatable of any value.
#[inline]
pub fn metatable<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Option<Table<'gc>> {
    match v {
        Value::Table(t) => t.metatable(),
        Value::UserData(u) => u.metatable(),
        other => ctx.state.type_metatable(other.type_of()),
    }
}

/// Looks `event` up in the metatable `mt`, using and updating the absence cache for fast events.
#[inline]
pub fn lookup<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>, event: MetaEvent) -> Value<'gc> {
    let st = mt.borrow();
    let bit = 1u32 << (event as u8);
    if event as u8 <= FAST_EVENTS && st.absent_meta.get() & bit != 0 {
        return Value::Nil;
    }
    let v = st.get_str(ctx.state.event_name(event));
    if v.is_nil() && event as u8 <= FAST_EVENTS {
        st.absent_meta.set(st.absent_meta.get() | bit);
    }
    v
}

/// The metamethod for `event` of value `v`, or nil.
#[inline]
pub fn metamethod<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, event: MetaEvent) -> Value<'gc> {
    match metatable(ctx, v) {
        Some(mt) => lookup(ctx, mt, event),
        None => Value::Nil,
    }
}

/// The type name used in messages: `__name` from the metatable when it is a string (for tables
/// and userdata, like `luaT_objtypename`), else the basic type name.
pub fn type_name_for_error<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> String {
    if matches!(v.type_of(), LuaType::Table | LuaType::UserData)
        && let Some(mt) = metatable(ctx, v)
        && let Value::String(s) = mt.get_str(ctx.state.event_name(MetaEvent::Name))
    {
        return s.to_str_lossy().into_owned();
    }
    v.type_name().to_string()
}
