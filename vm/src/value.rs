//! Lua values.
//!
//! Invariants: `Value` is 16 bytes (a tag and an 8-byte payload; checked by a test) and `Copy`.
//! Floats with an exact integer value are NOT normalised here: `1.0` and `1` are different values
//! that compare equal; only table keys normalise (see `table.rs`).

use gc_arena::Collect;

use crate::closure::{Closure, NativeFunction};
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::UserData;

#[derive(Copy, Clone, Collect, Default)]
#[collect(no_drop)]
pub enum Value<'gc> {
    #[default]
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(LuaString<'gc>),
    Table(Table<'gc>),
    Function(Function<'gc>),
    Thread(Thread<'gc>),
    UserData(UserData<'gc>),
}

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum Function<'gc> {
    Lua(Closure<'gc>),
    Native(NativeFunction<'gc>),
}

impl<'gc> Function<'gc> {
    pub fn ptr(self) -> *const () {
        match self {
            Function::Lua(c) => c.as_ptr(),
            Function::Native(n) => n.as_ptr(),
        }
    }
}

impl PartialEq for Function<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr() == other.ptr()
    }
}

/// The basic types of §2.1, in PUC-Rio's order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LuaType {
    Nil,
    Boolean,
    Number,
    String,
    Table,
    Function,
    Thread,
    UserData,
}

impl LuaType {
    pub fn name(self) -> &'static str {
        match self {
            LuaType::Nil => "nil",
            LuaType::Boolean => "boolean",
            LuaType::Number => "number",
            LuaType::String => "string",
            LuaType::Table => "table",
            LuaType::Function => "function",
            LuaType::Thread => "thread",
            LuaType::UserData => "userdata",
        }
    }
}

impl<'gc> Value<'gc> {
    #[inline]
    pub fn is_nil(self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truthiness: only `nil` and `false` are false.
    #[inline]
    pub fn to_bool(self) -> bool {
        !matches!(self, Value::Nil | Value::Boolean(false))
    }

    pub fn type_of(self) -> LuaType {
        match self {
            Value::Nil => LuaType::Nil,
            Value::Boolean(_) => LuaType::Boolean,
            Value::Integer(_) | Value::Number(_) => LuaType::Number,
            Value::String(_) => LuaType::String,
            Value::Table(_) => LuaType::Table,
            Value::Function(_) => LuaType::Function,
            Value::Thread(_) => LuaType::Thread,
            Value::UserData(_) => LuaType::UserData,
        }
    }

    pub fn type_name(self) -> &'static str {
        self.type_of().name()
    }

    /// Raw equality (`rawequal`): no metamethods; integers and floats compare by mathematical value.
    pub fn raw_eq(self, other: Value<'gc>) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Boolean(a), Value::Boolean(b)) => a == b,
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::Integer(i), Value::Number(f)) | (Value::Number(f), Value::Integer(i)) => {
                crate::number::eq_num(
                    crate::number::Number::Int(i),
                    crate::number::Number::Float(f),
                )
            }
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Table(a), Value::Table(b)) => a == b,
            (Value::Function(a), Value::Function(b)) => a == b,
            (Value::Thread(a), Value::Thread(b)) => a == b,
            (Value::UserData(a), Value::UserData(b)) => a == b,
            _ => false,
        }
    }

    /// The arena object behind a value that weak tables may drop and `__gc` may finalize:
    /// tables, Lua closures, threads and userdata. Strings and native functions behave as values
    /// (like PUC-Rio's strings and light C functions) and are never removed from weak tables.
    #[inline]
    pub fn weak_object(self) -> Option<gc_arena::Gc<'gc, ()>> {
        match self {
            Value::Table(t) => Some(gc_arena::Gc::erase(t.0)),
            Value::Function(Function::Lua(c)) => Some(gc_arena::Gc::erase(c.0)),
            Value::Thread(t) => Some(gc_arena::Gc::erase(t.0)),
            Value::UserData(u) => Some(gc_arena::Gc::erase(u.0)),
            _ => None,
        }
    }

    /// Any arena object behind a value (strings and native functions included).
    #[inline]
    pub fn any_object(self) -> Option<gc_arena::Gc<'gc, ()>> {
        match self {
            Value::String(s) => Some(gc_arena::Gc::erase(s.0)),
            Value::Function(Function::Native(n)) => Some(gc_arena::Gc::erase(n.0)),
            other => other.weak_object(),
        }
    }

    /// The address shown by `tostring` for reference types, and used to hash them.
    pub fn gc_ptr(self) -> Option<*const ()> {
        match self {
            Value::String(s) => Some(s.as_bytes().as_ptr() as *const ()),
            Value::Table(t) => Some(t.as_ptr()),
            Value::Function(f) => Some(f.ptr()),
            Value::Thread(t) => Some(t.as_ptr()),
            Value::UserData(u) => Some(u.as_ptr()),
            _ => None,
        }
    }
}

impl<'gc> From<bool> for Value<'gc> {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}
impl<'gc> From<i64> for Value<'gc> {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}
impl<'gc> From<f64> for Value<'gc> {
    fn from(f: f64) -> Self {
        Value::Number(f)
    }
}
impl<'gc> From<LuaString<'gc>> for Value<'gc> {
    fn from(s: LuaString<'gc>) -> Self {
        Value::String(s)
    }
}
impl<'gc> From<Table<'gc>> for Value<'gc> {
    fn from(t: Table<'gc>) -> Self {
        Value::Table(t)
    }
}
impl<'gc> From<Function<'gc>> for Value<'gc> {
    fn from(f: Function<'gc>) -> Self {
        Value::Function(f)
    }
}
impl<'gc> From<Closure<'gc>> for Value<'gc> {
    fn from(c: Closure<'gc>) -> Self {
        Value::Function(Function::Lua(c))
    }
}
impl<'gc> From<NativeFunction<'gc>> for Value<'gc> {
    fn from(c: NativeFunction<'gc>) -> Self {
        Value::Function(Function::Native(c))
    }
}
impl<'gc> From<Thread<'gc>> for Value<'gc> {
    fn from(t: Thread<'gc>) -> Self {
        Value::Thread(t)
    }
}
impl<'gc> From<UserData<'gc>> for Value<'gc> {
    fn from(u: UserData<'gc>) -> Self {
        Value::UserData(u)
    }
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Number(n) => write!(f, "{n:?}"),
            Value::String(s) => write!(f, "{s:?}"),
            other => write!(f, "{}: {:p}", other.type_name(), other.gc_ptr().unwrap()),
        }
    }
}

/// Helper for the `Gc`-pointer newtypes: identity comparison and the raw address.
macro_rules! gc_identity {
    ($t:ident) => {
        impl<'gc> PartialEq for $t<'gc> {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                gc_arena::Gc::ptr_eq(self.0, other.0)
            }
        }
        impl<'gc> Eq for $t<'gc> {}
        impl<'gc> $t<'gc> {
            #[inline]
            pub fn as_ptr(self) -> *const () {
                gc_arena::Gc::as_ptr(self.0) as *const ()
            }
        }
    };
}
pub(crate) use gc_identity;

#[cfg(test)]
mod tests {
    #[test]
    fn value_is_16_bytes() {
        assert_eq!(std::mem::size_of::<super::Value<'static>>(), 16);
    }
}
