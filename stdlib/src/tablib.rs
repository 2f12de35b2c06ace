//! The `table` library (§6.6), after PUC-Rio's ltablib.c: same argument checks, same order of
//! table accesses, same messages.
//!
//! Every function has a fast path for a plain table (no metatable), which is the common case and
//! touches the table directly. Otherwise the function runs as a `metaops::Machine`, which goes
//! through `__index`/`__newindex`/`__len` exactly as `lua_geti`/`lua_seti`/`luaL_len` would and
//! hands every metamethod call to the executor, so metamethods may yield or await.

use gc_arena::Collect;
use halo_vm::args::{check_integer, opt_integer, opt_string, type_error};
use halo_vm::meta::{self, MetaEvent};
use halo_vm::number;
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Stack, Table, Value};

use crate::metaops::{self, Flow, Io, Machine};
use crate::ready;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub fn open(ctx: Ctx<'_>) {
    let t = Table::new(ctx.mc);
    ctx.set_functions(
        t,
        &[
            ("concat", concat),
            ("insert", insert),
            ("move", tmove),
            ("pack", pack),
            ("remove", remove),
            ("unpack", unpack),
        ],
    );
    t.set_str(ctx.mc, ctx.str("sort"), crate::sort::make_sort(ctx).into());
    ctx.set_global("table", t.into());
}

/// What a non-table argument must offer to stand for a table (`checktab`'s `TAB_*`).
pub const TAB_R: u8 = 1;
pub const TAB_W: u8 = 2;
pub const TAB_L: u8 = 4;

/// `checktab`: argument `i` is a table, or has a metatable with the needed metamethods.
pub fn check_tab<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
    what: u8,
) -> Result<(), Error<'gc>> {
    let v = stack.get(i);
    if let Value::Table(_) = v {
        return Ok(());
    }
    if let Some(mt) = meta::metatable(ctx, v) {
        let has = |name: &str| !mt.get_str(ctx.str(name)).is_nil();
        if (what & TAB_R == 0 || has("__index"))
            && (what & TAB_W == 0 || has("__newindex"))
            && (what & TAB_L == 0 || has("__len"))
        {
            return Ok(());
        }
    }
    Err(type_error(ctx, stack, i, "table"))
}

/// The table at argument `i` when the table functions can treat it raw: no metatable, or one
/// without `__index`, `__newindex` and `__len` (the fast paths' case).
#[inline]
pub fn plain<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>, i: usize) -> Option<Table<'gc>> {
    match stack.get(i) {
        Value::Table(t) => match t.metatable() {
            None => Some(t),
            Some(mt) => {
                // `lookup` answers from the metatable's absence cache.
                let has = |e| !meta::lookup(ctx, mt, e).is_nil();
                (!has(MetaEvent::Index) && !has(MetaEvent::NewIndex) && !has(MetaEvent::Len))
                    .then_some(t)
            }
        },
        _ => None,
    }
}

// ------------------------------------------------------------------ concat

fn concat<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_tab(ctx, &stack, 0, TAB_R | TAB_L)?;
    if let Some(t) = plain(ctx, &stack, 0) {
        let (sep, mut i, last) = concat_args(ctx, &stack, t.length())?;
        let mut buf = Vec::new();
        if i <= last {
            loop {
                add_field(ctx, &mut buf, t.get_int(i), i)?;
                if i == last {
                    break;
                }
                buf.extend_from_slice(sep.as_bytes());
                i += 1;
            }
        }
        stack.ret1(Value::String(LuaString::from_vec(ctx.mc, buf)));
        return Ok(Action::Return);
    }
    let m = ConcatM {
        io: Io::default(),
        t: stack.get(0),
        args: stack.as_slice().to_vec(),
        sep: None,
        i: 0,
        last: 0,
        buf: Vec::new(),
    };
    metaops::start(ctx, m, &mut stack)
}

/// `tconcat`'s arguments after the length: separator, first and last index.
fn concat_args<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    len: i64,
) -> Result<(LuaString<'gc>, i64, i64), Error<'gc>> {
    let sep = opt_string(ctx, stack, 1)?.unwrap_or_else(|| ctx.str(""));
    let i = opt_integer(ctx, stack, 2, 1)?;
    let last = opt_integer(ctx, stack, 3, len)?;
    Ok((sep, i, last))
}

/// `addfield`: strings and numbers only (numbers as `tostring` writes them). The result so far
/// must fit under the memory limit (one big string repeated in a table multiplies it).
fn add_field<'gc>(
    ctx: Ctx<'gc>,
    buf: &mut Vec<u8>,
    v: Value<'gc>,
    i: i64,
) -> Result<(), Error<'gc>> {
    match v {
        Value::String(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Integer(n) => number::fmt_int(n, buf),
        Value::Number(f) => number::fmt_float(f, buf),
        other => {
            return Err(Error::runtime(format!(
                "invalid value ({}) at index {i} in table for 'concat'",
                other.type_name()
            )));
        }
    }
    ctx.reserve_memory(buf.len())
}

#[derive(Collect)]
#[collect(no_drop)]
struct ConcatM<'gc> {
    io: Io<'gc>,
    t: Value<'gc>,
    args: Vec<Value<'gc>>,
    /// `None` until the length is known and the arguments are checked.
    sep: Option<LuaString<'gc>>,
    i: i64,
    last: i64,
    #[collect(require_static)]
    buf: Vec<u8>,
}

impl<'gc> Machine<'gc> for ConcatM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        if self.sep.is_none() {
            let len = ready!(self, self.io.len(ctx, stack, self.t)?);
            stack.replace(&self.args);
            let (sep, i, last) = concat_args(ctx, stack, len)?;
            (self.sep, self.i, self.last) = (Some(sep), i, last);
            if i > last {
                stack.ret1(ctx.str_value(""));
                return Ok(Flow::Done);
            }
        }
        let sep = self.sep.unwrap();
        loop {
            let v = ready!(
                self,
                self.io.get(ctx, stack, self.t, Value::Integer(self.i))?
            );
            add_field(ctx, &mut self.buf, v, self.i)?;
            if self.i == self.last {
                break;
            }
            self.buf.extend_from_slice(sep.as_bytes());
            self.i += 1;
        }
        let buf = std::mem::take(&mut self.buf);
        stack.ret1(Value::String(LuaString::from_vec(ctx.mc, buf)));
        Ok(Flow::Done)
    }
}

// ------------------------------------------------------------------ insert

fn insert<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_tab(ctx, &stack, 0, TAB_R | TAB_W | TAB_L)?;
    if let Some(t) = plain(ctx, &stack, 0) {
        let (pos, e) = insert_args(ctx, &stack, t.length())?;
        let v = stack.get(stack.len() - 1);
        let mut i = e;
        while i > pos {
            t.set_int(ctx.mc, i, t.get_int(i - 1));
            i -= 1;
        }
        t.set_int(ctx.mc, pos, v);
        stack.clear();
        return Ok(Action::Return);
    }
    let m = InsertM {
        io: Io::default(),
        t: stack.get(0),
        args: stack.as_slice().to_vec(),
        state: InsertState::Len,
        v: Value::Nil,
        pos: 0,
        i: 0,
    };
    metaops::start(ctx, m, &mut stack)
}

/// `tinsert` after the length: (position, first empty slot).
fn insert_args<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    len: i64,
) -> Result<(i64, i64), Error<'gc>> {
    let e = len.wrapping_add(1);
    match stack.len() {
        2 => Ok((e, e)),
        3 => {
            let pos = check_integer(ctx, stack, 1)?;
            // pos in [1, e], compared as unsigned like PUC-Rio.
            if (pos as u64).wrapping_sub(1) >= e as u64 {
                return Err(Error::bad_arg(2, "position out of bounds"));
            }
            Ok((pos, e))
        }
        _ => Err(Error::runtime("wrong number of arguments to 'insert'")),
    }
}

#[derive(Collect, Clone, Copy, PartialEq)]
#[collect(require_static)]
enum InsertState {
    Len,
    /// Moving `t[i-1]` up to `t[i]`: reading it.
    Get,
    /// ... writing it (value in `v`).
    Set,
    /// Storing the new element at `pos`.
    Store,
}

#[derive(Collect)]
#[collect(no_drop)]
struct InsertM<'gc> {
    io: Io<'gc>,
    t: Value<'gc>,
    args: Vec<Value<'gc>>,
    state: InsertState,
    v: Value<'gc>,
    pos: i64,
    i: i64,
}

impl<'gc> Machine<'gc> for InsertM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        let t = self.t;
        loop {
            match self.state {
                InsertState::Len => {
                    let len = ready!(self, self.io.len(ctx, stack, t)?);
                    stack.replace(&self.args);
                    let (pos, e) = insert_args(ctx, stack, len)?;
                    (self.pos, self.i) = (pos, e);
                    self.state = InsertState::Get;
                }
                InsertState::Get => {
                    if self.i <= self.pos {
                        self.state = InsertState::Store;
                        continue;
                    }
                    self.v = ready!(
                        self,
                        self.io.get(ctx, stack, t, Value::Integer(self.i - 1))?
                    );
                    self.state = InsertState::Set;
                }
                InsertState::Set => {
                    ready!(
                        self,
                        self.io.set(ctx, stack, t, Value::Integer(self.i), self.v)?
                    );
                    self.i -= 1;
                    self.state = InsertState::Get;
                }
                InsertState::Store => {
                    let v = self.args[self.args.len() - 1];
                    ready!(
                        self,
                        self.io.set(ctx, stack, t, Value::Integer(self.pos), v)?
                    );
                    stack.clear();
                    return Ok(Flow::Done);
                }
            }
        }
    }
}

// ------------------------------------------------------------------ remove

fn remove<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_tab(ctx, &stack, 0, TAB_R | TAB_W | TAB_L)?;
    if let Some(t) = plain(ctx, &stack, 0) {
        let size = t.length();
        let mut pos = remove_pos(ctx, &stack, size)?;
        let result = t.get_int(pos);
        while pos < size {
            t.set_int(ctx.mc, pos, t.get_int(pos + 1));
            pos += 1;
        }
        t.set_int(ctx.mc, pos, Value::Nil);
        stack.ret1(result);
        return Ok(Action::Return);
    }
    let m = RemoveM {
        io: Io::default(),
        t: stack.get(0),
        args: stack.as_slice().to_vec(),
        state: RemoveState::Len,
        result: Value::Nil,
        v: Value::Nil,
        size: 0,
        pos: 0,
    };
    metaops::start(ctx, m, &mut stack)
}

/// `tremove`'s position: given ones must be in [1, size + 1].
fn remove_pos<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>, size: i64) -> Result<i64, Error<'gc>> {
    let pos = opt_integer(ctx, stack, 1, size)?;
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        // PUC-Rio blames argument 1 here.
        return Err(Error::bad_arg(1, "position out of bounds"));
    }
    Ok(pos)
}

#[derive(Collect, Clone, Copy, PartialEq)]
#[collect(require_static)]
enum RemoveState {
    Len,
    /// Reading the removed element `t[pos]`.
    Result,
    /// Moving `t[pos+1]` down: reading it.
    Get,
    /// ... writing it to `t[pos]`.
    Set,
    /// Clearing the last slot.
    Clear,
}

#[derive(Collect)]
#[collect(no_drop)]
struct RemoveM<'gc> {
    io: Io<'gc>,
    t: Value<'gc>,
    args: Vec<Value<'gc>>,
    state: RemoveState,
    result: Value<'gc>,
    v: Value<'gc>,
    size: i64,
    pos: i64,
}

impl<'gc> Machine<'gc> for RemoveM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        let t = self.t;
        loop {
            match self.state {
                RemoveState::Len => {
                    self.size = ready!(self, self.io.len(ctx, stack, t)?);
                    stack.replace(&self.args);
                    self.pos = remove_pos(ctx, stack, self.size)?;
                    self.state = RemoveState::Result;
                }
                RemoveState::Result => {
                    self.result =
                        ready!(self, self.io.get(ctx, stack, t, Value::Integer(self.pos))?);
                    self.state = RemoveState::Get;
                }
                RemoveState::Get => {
                    if self.pos >= self.size {
                        self.state = RemoveState::Clear;
                        continue;
                    }
                    self.v = ready!(
                        self,
                        self.io.get(ctx, stack, t, Value::Integer(self.pos + 1))?
                    );
                    self.state = RemoveState::Set;
                }
                RemoveState::Set => {
                    ready!(
                        self,
                        self.io
                            .set(ctx, stack, t, Value::Integer(self.pos), self.v)?
                    );
                    self.pos += 1;
                    self.state = RemoveState::Get;
                }
                RemoveState::Clear => {
                    ready!(
                        self,
                        self.io
                            .set(ctx, stack, t, Value::Integer(self.pos), Value::Nil)?
                    );
                    stack.ret1(self.result);
                    return Ok(Flow::Done);
                }
            }
        }
    }
}

// ------------------------------------------------------------------ move

fn tmove<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let f = check_integer(ctx, &stack, 1)?;
    let e = check_integer(ctx, &stack, 2)?;
    let t = check_integer(ctx, &stack, 3)?;
    let tt = if stack.get(4).is_nil() { 0 } else { 4 };
    check_tab(ctx, &stack, 0, TAB_R)?;
    check_tab(ctx, &stack, tt, TAB_W)?;
    let (a1, dest) = (stack.get(0), stack.get(tt));
    if e < f {
        stack.ret1(dest);
        return Ok(Action::Return);
    }
    if !(f > 0 || e < i64::MAX + f) {
        return Err(Error::bad_arg(3, "too many elements to move"));
    }
    let n = e - f + 1;
    if t > i64::MAX - n + 1 {
        return Err(Error::bad_arg(4, "destination wrap around"));
    }
    let overlap = t <= e && t > f;
    let no_eq = |t: Table<'gc>| {
        t.metatable()
            .is_none_or(|mt| meta::lookup(ctx, mt, MetaEvent::Eq).is_nil())
    };
    // Longer moves go through the machine, which pauses now and then: a range may hold
    // billions of nils, and the host's limits must be able to stop the copy.
    if let (Some(src), Some(dst)) = (plain(ctx, &stack, 0), plain(ctx, &stack, tt))
        && n <= 1 << 16
        && no_eq(src)
        && no_eq(dst)
    {
        // Two raw tables: no access metamethod, and `lua_compare` of two tables without `__eq`
        // is identity.
        if !overlap || (tt != 0 && src != dst) {
            for i in 0..n {
                dst.set_int(ctx.mc, t + i, src.get_int(f + i));
            }
        } else {
            for i in (0..n).rev() {
                dst.set_int(ctx.mc, t + i, src.get_int(f + i));
            }
        }
        stack.ret1(dest);
        return Ok(Action::Return);
    }
    let m = MoveM {
        io: Io::default(),
        src: a1,
        dst: dest,
        state: if overlap && tt != 0 {
            MoveState::Eq
        } else {
            MoveState::Get
        },
        forward: !overlap,
        f,
        t,
        n,
        k: 0,
        v: Value::Nil,
    };
    metaops::start(ctx, m, &mut stack)
}

#[derive(Collect, Clone, Copy, PartialEq)]
#[collect(require_static)]
enum MoveState {
    /// Whether the destination is the source (`lua_compare`, maybe through `__eq`).
    Eq,
    Get,
    Set,
}

#[derive(Collect)]
#[collect(no_drop)]
struct MoveM<'gc> {
    io: Io<'gc>,
    src: Value<'gc>,
    dst: Value<'gc>,
    state: MoveState,
    /// Copy in increasing order (else decreasing, for an overlapping move up in one table).
    forward: bool,
    f: i64,
    t: i64,
    n: i64,
    /// Elements copied so far.
    k: i64,
    v: Value<'gc>,
}

impl<'gc> MoveM<'gc> {
    /// Offset of the `k`-th element copied.
    fn offset(&self) -> i64 {
        if self.forward {
            self.k
        } else {
            self.n - 1 - self.k
        }
    }
}

impl<'gc> Machine<'gc> for MoveM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        loop {
            match self.state {
                MoveState::Eq => {
                    let same = ready!(self, self.io.eq(ctx, stack, self.src, self.dst));
                    self.forward = !same;
                    self.state = MoveState::Get;
                }
                MoveState::Get => {
                    if self.k >= self.n {
                        stack.ret1(self.dst);
                        return Ok(Flow::Done);
                    }
                    let i = self.f + self.offset();
                    self.v = ready!(self, self.io.get(ctx, stack, self.src, Value::Integer(i))?);
                    self.state = MoveState::Set;
                }
                MoveState::Set => {
                    let i = self.t + self.offset();
                    ready!(
                        self,
                        self.io
                            .set(ctx, stack, self.dst, Value::Integer(i), self.v)?
                    );
                    self.k += 1;
                    self.state = MoveState::Get;
                }
            }
        }
    }
}

// ------------------------------------------------------------------ pack / unpack

fn pack<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = stack.len();
    let t = Table::with_capacity(ctx.mc, n, 1);
    for (i, &v) in stack.as_slice().iter().enumerate() {
        t.set_int(ctx.mc, i as i64 + 1, v);
    }
    t.set_str(ctx.mc, ctx.str("n"), Value::Integer(n as i64));
    stack.ret1(t.into());
    Ok(Action::Return)
}

/// The most values `unpack` returns: what fits a Lua stack (`LUAI_MAXSTACK`) with room to spare.
const MAX_UNPACK: u64 = 1_000_000 - 1_000;

fn unpack<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let i = opt_integer(ctx, &stack, 1, 1)?;
    // `luaL_len` of a non-plain value may call `__len`: the machine does it.
    let e = if stack.get(2).is_nil() {
        plain(ctx, &stack, 0).map(|t| t.length())
    } else {
        Some(check_integer(ctx, &stack, 2)?)
    };
    if let (Some(t), Some(e)) = (plain(ctx, &stack, 0), e) {
        let n = unpack_count(i, e)?;
        stack.clear();
        for k in 0..n {
            stack.push(t.get_int(i.wrapping_add(k as i64)));
        }
        return Ok(Action::Return);
    }
    let m = UnpackM {
        io: Io::default(),
        t: stack.get(0),
        i,
        e: e.unwrap_or(0),
        counted: e.is_some(),
        vals: Vec::new(),
    };
    metaops::start(ctx, m, &mut stack)
}

/// How many values `unpack(t, i, e)` returns, or "too many results to unpack".
fn unpack_count<'gc>(i: i64, e: i64) -> Result<u64, Error<'gc>> {
    if i > e {
        return Ok(0);
    }
    let n = (e as u64).wrapping_sub(i as u64);
    if n >= MAX_UNPACK {
        return Err(Error::runtime("too many results to unpack"));
    }
    Ok(n + 1)
}

#[derive(Collect)]
#[collect(no_drop)]
struct UnpackM<'gc> {
    io: Io<'gc>,
    t: Value<'gc>,
    i: i64,
    e: i64,
    /// Whether `e` is known (else `luaL_len` comes first).
    counted: bool,
    vals: Vec<Value<'gc>>,
}

impl<'gc> Machine<'gc> for UnpackM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        if !self.counted {
            self.e = ready!(self, self.io.len(ctx, stack, self.t)?);
            self.counted = true;
        }
        let n = unpack_count(self.i, self.e)?;
        while (self.vals.len() as u64) < n {
            let k = self.i.wrapping_add(self.vals.len() as i64);
            let v = ready!(self, self.io.get(ctx, stack, self.t, Value::Integer(k))?);
            self.vals.push(v);
        }
        stack.replace(&self.vals);
        Ok(Flow::Done)
    }
}
