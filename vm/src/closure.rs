//! Functions at run time: prototypes loaded into the arena, Lua closures with their upvalues,
//! and native (Rust) functions.
//!
//! Invariants: an open upvalue refers to a live stack slot of its thread; it is closed (its value
//! copied in) before that slot is released (`Return`, `Close`, error unwinding).

use std::collections::HashMap;
use std::rc::Rc;

use gc_arena::{Collect, Gc, Lock, Mutation};

use crate::bytecode::{Constant, FunctionProto, Insn};
use crate::callback::NativeFn;
use crate::string::LuaString;
use crate::thread::Thread;
use crate::value::{Value, gc_identity};

/// A prototype loaded into an arena: the compiled code plus its constants as values.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Proto<'gc> {
    #[collect(require_static)]
    pub info: Rc<FunctionProto>,
    pub constants: Box<[Value<'gc>]>,
    pub protos: Box<[Gc<'gc, Proto<'gc>>]>,
    /// What every call reads, copied out of `info` so that a call finds it one pointer closer
    /// (closure, prototype) rather than behind the `Rc` too: the chain of dependent loads is
    /// most of a call's latency.
    #[collect(require_static)]
    code: CodeRef,
    pub max_stack: u8,
    pub num_params: u8,
    pub is_vararg: bool,
}

/// `info.code` as a raw slice: `info` is an `Rc` owned by the same `Proto` and never mutated,
/// so the instructions stay where they are for the prototype's life.
#[derive(Clone, Copy)]
struct CodeRef(*const Insn, usize);

impl<'gc> Proto<'gc> {
    /// The instructions (`info.code`).
    #[inline(always)]
    pub fn code(&self) -> &[Insn] {
        // SAFETY: see `CodeRef`.
        unsafe { std::slice::from_raw_parts(self.code.0, self.code.1) }
    }

    pub fn load(mc: &Mutation<'gc>, info: Rc<FunctionProto>) -> Gc<'gc, Proto<'gc>> {
        Self::load_sharing(mc, info, None, &mut HashMap::new())
    }

    /// `load`, with string constants equal to a name the host gave something (`__index`,
    /// `string`, `len`...; `State::known_name`) being that very string, so lookups of library
    /// functions, globals and metamethods match their keys by pointer.
    pub fn load_in(ctx: crate::state::Ctx<'gc>, info: Rc<FunctionProto>) -> Gc<'gc, Proto<'gc>> {
        Self::load_sharing(ctx.mc, info, Some(ctx.state), &mut HashMap::new())
    }

    /// Loads `info` and its nested prototypes, giving equal string constants one string object
    /// across the whole chunk: a field named in one function and looked up in another is then
    /// found by pointer equality, without comparing bytes. A constant the state knows as a
    /// name is that string.
    fn load_sharing(
        mc: &Mutation<'gc>,
        info: Rc<FunctionProto>,
        shared: Option<&crate::state::State<'gc>>,
        strings: &mut HashMap<Box<[u8]>, LuaString<'gc>>,
    ) -> Gc<'gc, Proto<'gc>> {
        let constants = info
            .constants
            .iter()
            .map(|c| match c {
                Constant::Nil => Value::Nil,
                Constant::Boolean(b) => Value::Boolean(*b),
                Constant::Integer(i) => Value::Integer(*i),
                Constant::Float(f) => Value::Number(*f),
                Constant::String(s) => Value::String(match strings.get(&s[..]) {
                    Some(&known) => known,
                    None => {
                        let new = shared
                            .and_then(|st| st.known_name(s))
                            .unwrap_or_else(|| LuaString::new(mc, s));
                        strings.insert(s[..].into(), new);
                        new
                    }
                }),
            })
            .collect();
        let protos = info
            .protos
            .iter()
            .map(|p| Proto::load_sharing(mc, p.clone(), shared, strings))
            .collect();
        Gc::new(
            mc,
            Proto {
                code: CodeRef(info.code.as_ptr(), info.code.len()),
                max_stack: info.max_stack,
                num_params: info.num_params,
                is_vararg: info.is_vararg,
                info,
                constants,
                protos,
            },
        )
    }
}

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Closure<'gc>(pub(crate) Gc<'gc, ClosureState<'gc>>);

gc_identity!(Closure);

#[derive(Collect)]
#[collect(no_drop)]
pub struct ClosureState<'gc> {
    pub proto: Gc<'gc, Proto<'gc>>,
    pub upvalues: Box<[UpValue<'gc>]>,
    #[collect(require_static)]
    _charge: crate::memory::Charge,
}

impl<'gc> Closure<'gc> {
    pub fn new(
        mc: &Mutation<'gc>,
        proto: Gc<'gc, Proto<'gc>>,
        upvalues: Box<[UpValue<'gc>]>,
    ) -> Self {
        // Each upvalue is counted with the closure (most are created for one closure).
        let charge = crate::memory::Charge::new(
            16 + std::mem::size_of::<ClosureState<'static>>() + upvalues.len() * 48,
        );
        Closure(Gc::new(
            mc,
            ClosureState {
                proto,
                upvalues,
                _charge: charge,
            },
        ))
    }

    /// A main chunk: its only upvalue, `_ENV`, set to `env`.
    pub fn main_chunk(mc: &Mutation<'gc>, proto: Gc<'gc, Proto<'gc>>, env: Value<'gc>) -> Self {
        let n = proto.info.upvalues.len();
        let ups = (0..n)
            .map(|i| UpValue::closed(mc, if i == 0 { env } else { Value::Nil }))
            .collect();
        Closure::new(mc, proto, ups)
    }

    #[inline]
    pub fn proto(self) -> Gc<'gc, Proto<'gc>> {
        self.0.proto
    }

    #[inline]
    pub fn upvalues(self) -> &'gc [UpValue<'gc>] {
        &Gc::as_ref(self.0).upvalues
    }
}

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct UpValue<'gc>(pub(crate) Gc<'gc, Lock<UpValueState<'gc>>>);

gc_identity!(UpValue);

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum UpValueState<'gc> {
    Open { thread: Thread<'gc>, index: usize },
    Closed(Value<'gc>),
}

impl<'gc> UpValue<'gc> {
    pub fn closed(mc: &Mutation<'gc>, v: Value<'gc>) -> Self {
        UpValue(Gc::new(mc, Lock::new(UpValueState::Closed(v))))
    }
    pub fn open(mc: &Mutation<'gc>, thread: Thread<'gc>, index: usize) -> Self {
        UpValue(Gc::new(mc, Lock::new(UpValueState::Open { thread, index })))
    }
    #[inline]
    pub fn get(self) -> UpValueState<'gc> {
        self.0.get()
    }
    #[inline]
    pub fn set(self, mc: &Mutation<'gc>, s: UpValueState<'gc>) {
        self.0.set(mc, s)
    }

    /// The upvalue's value. An open upvalue of `running` (the thread whose borrowed `stack` is
    /// given, never borrowed again) is read from that stack; another thread's is borrowed.
    #[inline]
    pub(crate) fn read(self, running: Thread<'gc>, stack: &[Value<'gc>]) -> Value<'gc> {
        match self.get() {
            UpValueState::Closed(v) => v,
            UpValueState::Open { thread, index } if thread == running => stack[index],
            UpValueState::Open { thread, index } => thread.0.borrow().stack[index],
        }
    }

    /// Assigns the upvalue, with the same rule as `read` for open ones.
    #[inline]
    pub(crate) fn write(
        self,
        mc: &Mutation<'gc>,
        running: Thread<'gc>,
        stack: &mut [Value<'gc>],
        v: Value<'gc>,
    ) {
        match self.get() {
            UpValueState::Closed(_) => self.set(mc, UpValueState::Closed(v)),
            UpValueState::Open { thread, index } if thread == running => stack[index] = v,
            UpValueState::Open { thread, index } => thread.0.borrow_mut(mc).stack[index] = v,
        }
    }
}

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct NativeFunction<'gc>(pub(crate) Gc<'gc, NativeState<'gc>>);

gc_identity!(NativeFunction);

#[derive(Collect)]
#[collect(no_drop)]
pub struct NativeState<'gc> {
    #[collect(require_static)]
    pub func: NativeFn,
    /// Values captured by the function (like a C closure's upvalues); immutable: functions that
    /// need mutable state keep it in a table or userdata here.
    pub upvalues: Box<[Value<'gc>]>,
}

impl<'gc> NativeFunction<'gc> {
    pub fn new(mc: &Mutation<'gc>, func: NativeFn) -> Self {
        Self::with_upvalues(mc, func, Box::new([]))
    }
    pub fn with_upvalues(mc: &Mutation<'gc>, func: NativeFn, upvalues: Box<[Value<'gc>]>) -> Self {
        NativeFunction(Gc::new(mc, NativeState { func, upvalues }))
    }
    #[inline]
    pub fn func(self) -> NativeFn {
        self.0.func
    }
    #[inline]
    pub fn upvalue(self, i: usize) -> Value<'gc> {
        self.0.upvalues.get(i).copied().unwrap_or_default()
    }
}
