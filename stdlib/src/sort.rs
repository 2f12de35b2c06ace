//! `table.sort`: PUC-Rio 5.4's quicksort (ltablib.c `auxsort`/`partition`, after Sedgewick),
//! reproduced step for step so that results with non-strict or inconsistent comparators, and the
//! "invalid order function for sorting" error, match lua5.4's.
//!
//! Two engines run the same algorithm:
//! - `sort_values`, plain Rust on a copy of the array, when no Lua code can run: a table without
//!   access metamethods whose elements are all numbers or all strings, and no comparator. The copy is written back
//!   even when the sort fails, so the table ends as PUC-Rio would leave it.
//! - `SortM`, a resumable machine with the recursion made explicit, for everything else: a
//!   comparator, `__lt`, or `__index`/`__newindex`/`__len`. Every call goes through the executor,
//!   so comparators may yield or await. Bounded: each partition pass moves `i` up and `j` down
//!   within [lo, up], and the recursion depth (smaller half first) is below 32.

use std::time::{SystemTime, UNIX_EPOCH};

use gc_arena::Collect;
use halo_vm::args::type_error;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Value};

use crate::metaops::{self, Flow, Io, Machine, raw_less_than};
use crate::ready;
use crate::tablib::{TAB_L, TAB_R, TAB_W, check_tab};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// Intervals at least this long may use a randomised pivot (`RANLIMIT`).
const RANLIMIT: u32 = 100;

const INVALID_ORDER: &str = "invalid order function for sorting";

/// The largest array the direct engine copies.
const MAX_COPY: u32 = 1 << 24;

/// The Lua half of `table.sort` (see `sort_cmp.lua`).
const SORT_CMP_LUA: &str = include_str!("sort_cmp.lua");

/// `table.sort`, with the compiled `sort_cmp.lua` and its two natives as upvalues.
pub fn make_sort(ctx: Ctx<'_>) -> NativeFunction<'_> {
    let lua = halo_vm::baselib::load_chunk(ctx, SORT_CMP_LUA.as_bytes(), b"=[C]", None)
        .map(|c| Value::Function(halo_vm::value::Function::Lua(c)))
        .unwrap_or(Value::Nil);
    NativeFunction::with_upvalues(
        ctx.mc,
        sort,
        Box::new([
            lua,
            NativeFunction::new(ctx.mc, invalid_order).into(),
            NativeFunction::new(ctx.mc, lua_randomize).into(),
        ]),
    )
}

/// `invalid(depth)` for `sort_cmp.lua`: the error at the caller of `table.sort`, above the
/// `depth` nested `auxsort` frames and the chunk's own.
fn invalid_order<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let depth = match stack.get(0) {
        Value::Integer(d) if d > 0 => d as usize,
        _ => 1,
    };
    Err(Error::AtLevel(ctx.str_value(INVALID_ORDER), depth + 2))
}

/// `randomize()` for `sort_cmp.lua`: `l_randomizePivot`.
fn lua_randomize<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    stack.ret1(Value::Integer(i64::from(randomize_pivot())));
    Ok(Action::Return)
}

pub fn sort<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_tab(ctx, &stack, 0, TAB_R | TAB_W | TAB_L)?;
    let t = stack.get(0);
    if let Some(tab) = crate::tablib::plain(ctx, &stack, 0) {
        let n = tab.length();
        let Some(n) = check_args(ctx, &stack, n)? else {
            stack.clear();
            return Ok(Action::Return);
        };
        // The copy doubles the memory of the array: very large ones sort in place.
        if stack.get(1).is_nil() && n <= MAX_COPY {
            let mut vals: Vec<Value<'gc>> = (1..=i64::from(n)).map(|i| tab.get_int(i)).collect();
            let all_numbers = vals
                .iter()
                .all(|v| matches!(v, Value::Integer(_) | Value::Number(_)));
            let all_strings = vals.iter().all(|v| matches!(v, Value::String(_)));
            if all_numbers || all_strings {
                let r = sort_values(&mut vals);
                for (i, v) in vals.into_iter().enumerate() {
                    tab.set_int(ctx.mc, i as i64 + 1, v);
                }
                r.map_err(|()| Error::runtime(INVALID_ORDER))?;
                stack.clear();
                return Ok(Action::Return);
            }
        }
        let cmp = stack.get(1);
        let lua = f.upvalue(0);
        if let (Value::Function(_), Value::Function(_)) = (cmp, lua) {
            // A comparator on a plain table: the algorithm in Lua, each comparison a Lua
            // call (a tail call: the results are table.sort's, none).
            stack.replace(&[
                t,
                Value::Integer(i64::from(n)),
                cmp,
                f.upvalue(1),
                f.upvalue(2),
            ]);
            return Ok(Action::Call {
                func: lua,
                then: None,
            });
        }
        let m = SortM::new(t, cmp, Vec::new(), Some(n));
        stack.clear();
        return metaops::start(ctx, m, &mut stack);
    }
    let m = SortM::new(t, Value::Nil, stack.as_slice().to_vec(), None);
    metaops::start(ctx, m, &mut stack)
}

/// `sort`'s checks after the length: `None` when there is nothing to sort.
fn check_args<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    n: i64,
) -> Result<Option<u32>, Error<'gc>> {
    if n <= 1 {
        return Ok(None);
    }
    if n >= i64::from(i32::MAX) {
        return Err(Error::bad_arg(1, "array too big"));
    }
    match stack.get(1) {
        Value::Nil | Value::Function(_) => {}
        _ => return Err(type_error(ctx, stack, 1, "function")),
    }
    Ok(Some(n as u32))
}

/// `l_randomizePivot`: the sum of the 32-bit halves of `clock()` and `time()`.
fn randomize_pivot() -> u32 {
    let c = crate::oslib::cpu_clock_ticks() as u64;
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (c as u32)
        .wrapping_add((c >> 32) as u32)
        .wrapping_add(t as u32)
        .wrapping_add((t >> 32) as u32)
}

/// `choosePivot`: an index in the middle half of [lo, up], "randomised" by `rnd`.
fn choose_pivot(lo: u32, up: u32, rnd: u32) -> u32 {
    let r4 = (up - lo) / 4;
    rnd % (r4 * 2) + (lo + r4)
}

fn pivot_index(lo: u32, up: u32, rnd: u32) -> u32 {
    if up - lo < RANLIMIT || rnd == 0 {
        (lo + up) / 2
    } else {
        choose_pivot(lo, up, rnd)
    }
}

// ------------------------------------------------------------------ direct engine

/// Sorts numbers or strings (1-based positions `a[i - 1]`); `Err` is "invalid order function",
/// possible with NaNs.
fn sort_values(a: &mut [Value<'_>]) -> Result<(), ()> {
    let n = a.len() as u32;
    aux_sort(a, 1, n, 0)
}

#[inline]
fn lt(a: Value<'_>, b: Value<'_>) -> bool {
    raw_less_than(a, b).unwrap_or(false)
}

fn aux_sort(a: &mut [Value<'_>], mut lo: u32, mut up: u32, mut rnd: u32) -> Result<(), ()> {
    let at = |i: u32| (i - 1) as usize;
    while lo < up {
        if lt(a[at(up)], a[at(lo)]) {
            a.swap(at(lo), at(up));
        }
        if up - lo == 1 {
            break;
        }
        let mut p = pivot_index(lo, up, rnd);
        if lt(a[at(p)], a[at(lo)]) {
            a.swap(at(p), at(lo));
        } else if lt(a[at(up)], a[at(p)]) {
            a.swap(at(p), at(up));
        }
        if up - lo == 2 {
            break;
        }
        let pivot = a[at(p)];
        a.swap(at(p), at(up - 1));
        // partition
        let (mut i, mut j) = (lo, up - 1);
        loop {
            i += 1;
            while lt(a[at(i)], pivot) {
                if i == up - 1 {
                    return Err(());
                }
                i += 1;
            }
            j -= 1;
            while lt(pivot, a[at(j)]) {
                if j < i {
                    return Err(());
                }
                j -= 1;
            }
            if j < i {
                a.swap(at(up - 1), at(i));
                p = i;
                break;
            }
            a.swap(at(i), at(j));
        }
        let n;
        if p - lo < up - p {
            aux_sort(a, lo, p - 1, rnd)?;
            n = p - lo;
            lo = p + 1;
        } else {
            aux_sort(a, p + 1, up, rnd)?;
            n = up - p;
            up = p - 1;
        }
        if up.wrapping_sub(lo) / 128 > n {
            rnd = randomize_pivot();
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ resumable engine

/// Where `SortM` is in `auxsort`/`partition`. Each state performs at most one table access or
/// comparison (which may call Lua) and then moves on.
#[derive(Collect, Clone, Copy, PartialEq, Debug)]
#[collect(require_static)]
enum S {
    /// `luaL_len` and the argument checks (tables with a metatable, or non-tables).
    Len,
    /// Top of `auxsort`'s loop.
    Top,
    GetLo,
    GetUp,
    /// a[up] < a[lo]?
    Cmp1,
    Swap1Lo,
    Swap1Up,
    AfterSwap1,
    GetP,
    GetLo2,
    /// a[p] < a[lo]?
    Cmp2,
    Swap2P,
    Swap2Lo,
    GetUp2,
    /// a[up] < a[p]?
    Cmp3,
    Swap3P,
    Swap3Up,
    AfterSwap2,
    GetPivot,
    GetUpM1,
    SetP,
    SetUpM1,
    /// `partition`: `++i`, read a[i].
    IncI,
    GetI,
    CmpI,
    DecJ,
    GetJ,
    CmpJ,
    /// Pivot into place: a[up-1] = a[i], a[i] = P.
    PlaceUpM1,
    PlaceI,
    /// a[i] <-> a[j].
    SwapI,
    SwapJ,
    /// Returning from an interval.
    Return,
}

/// A suspended `auxsort` call: the interval it continues with after its recursive call, and
/// the size of the interval handed to that call (for the imbalance check).
#[derive(Collect, Clone, Copy)]
#[collect(require_static)]
struct Frame {
    lo: u32,
    up: u32,
    rnd: u32,
    n: u32,
}

#[derive(Collect)]
#[collect(no_drop)]
struct SortM<'gc> {
    io: Io<'gc>,
    t: Value<'gc>,
    /// The comparator, or nil for `<`.
    cmp: Value<'gc>,
    /// The arguments, kept for the checks that follow `luaL_len`.
    args: Vec<Value<'gc>>,
    state: S,
    frames: Vec<Frame>,
    lo: u32,
    up: u32,
    rnd: u32,
    p: u32,
    i: u32,
    j: u32,
    /// The values PUC-Rio keeps on its stack: pairs being compared, and the pivot.
    a: Value<'gc>,
    b: Value<'gc>,
    pivot: Value<'gc>,
}

impl<'gc> SortM<'gc> {
    fn new(t: Value<'gc>, cmp: Value<'gc>, args: Vec<Value<'gc>>, n: Option<u32>) -> Self {
        SortM {
            io: Io::default(),
            t,
            cmp,
            args,
            state: if n.is_some() { S::Top } else { S::Len },
            frames: Vec::new(),
            lo: 1,
            up: n.unwrap_or(0),
            rnd: 0,
            p: 0,
            i: 0,
            j: 0,
            a: Value::Nil,
            b: Value::Nil,
            pivot: Value::Nil,
        }
    }
}

impl<'gc> Machine<'gc> for SortM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        let t = self.t;
        let int = |i: u32| Value::Integer(i64::from(i));
        loop {
            match self.state {
                S::Len => {
                    let n = ready!(self, self.io.len(ctx, stack, t)?);
                    stack.replace(&self.args);
                    match check_args(ctx, stack, n)? {
                        None => {
                            stack.clear();
                            return Ok(Flow::Done);
                        }
                        Some(n) => {
                            self.cmp = stack.get(1);
                            self.up = n;
                            self.state = S::Top;
                        }
                    }
                }
                S::Top => {
                    self.state = if self.lo < self.up {
                        S::GetLo
                    } else {
                        S::Return
                    };
                }
                S::GetLo => {
                    self.a = ready!(self, self.io.get(ctx, stack, t, int(self.lo))?);
                    self.state = S::GetUp;
                }
                S::GetUp => {
                    self.b = ready!(self, self.io.get(ctx, stack, t, int(self.up))?);
                    self.state = S::Cmp1;
                }
                S::Cmp1 => {
                    let c = ready!(self, self.io.less(ctx, stack, self.cmp, self.b, self.a)?);
                    self.state = if c { S::Swap1Lo } else { S::AfterSwap1 };
                }
                S::Swap1Lo => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.lo), self.b)?);
                    self.state = S::Swap1Up;
                }
                S::Swap1Up => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.up), self.a)?);
                    self.state = S::AfterSwap1;
                }
                S::AfterSwap1 => {
                    if self.up - self.lo == 1 {
                        self.state = S::Return;
                    } else {
                        self.p = pivot_index(self.lo, self.up, self.rnd);
                        self.state = S::GetP;
                    }
                }
                S::GetP => {
                    self.a = ready!(self, self.io.get(ctx, stack, t, int(self.p))?);
                    self.state = S::GetLo2;
                }
                S::GetLo2 => {
                    self.b = ready!(self, self.io.get(ctx, stack, t, int(self.lo))?);
                    self.state = S::Cmp2;
                }
                S::Cmp2 => {
                    let c = ready!(self, self.io.less(ctx, stack, self.cmp, self.a, self.b)?);
                    self.state = if c { S::Swap2P } else { S::GetUp2 };
                }
                S::Swap2P => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.p), self.b)?);
                    self.state = S::Swap2Lo;
                }
                S::Swap2Lo => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.lo), self.a)?);
                    self.state = S::AfterSwap2;
                }
                S::GetUp2 => {
                    self.b = ready!(self, self.io.get(ctx, stack, t, int(self.up))?);
                    self.state = S::Cmp3;
                }
                S::Cmp3 => {
                    let c = ready!(self, self.io.less(ctx, stack, self.cmp, self.b, self.a)?);
                    self.state = if c { S::Swap3P } else { S::AfterSwap2 };
                }
                S::Swap3P => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.p), self.b)?);
                    self.state = S::Swap3Up;
                }
                S::Swap3Up => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.up), self.a)?);
                    self.state = S::AfterSwap2;
                }
                S::AfterSwap2 => {
                    self.state = if self.up - self.lo == 2 {
                        S::Return
                    } else {
                        S::GetPivot
                    };
                }
                S::GetPivot => {
                    self.pivot = ready!(self, self.io.get(ctx, stack, t, int(self.p))?);
                    self.state = S::GetUpM1;
                }
                S::GetUpM1 => {
                    self.b = ready!(self, self.io.get(ctx, stack, t, int(self.up - 1))?);
                    self.state = S::SetP;
                }
                S::SetP => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.p), self.b)?);
                    self.state = S::SetUpM1;
                }
                S::SetUpM1 => {
                    ready!(
                        self,
                        self.io.set(ctx, stack, t, int(self.up - 1), self.pivot)?
                    );
                    self.i = self.lo;
                    self.j = self.up - 1;
                    self.state = S::IncI;
                }
                S::IncI => {
                    self.i += 1;
                    self.state = S::GetI;
                }
                S::GetI => {
                    self.a = ready!(self, self.io.get(ctx, stack, t, int(self.i))?);
                    self.state = S::CmpI;
                }
                S::CmpI => {
                    let c = ready!(
                        self,
                        self.io.less(ctx, stack, self.cmp, self.a, self.pivot)?
                    );
                    if c {
                        if self.i == self.up - 1 {
                            return Err(Error::runtime(INVALID_ORDER));
                        }
                        self.state = S::IncI;
                    } else {
                        self.state = S::DecJ;
                    }
                }
                S::DecJ => {
                    self.j = self.j.wrapping_sub(1);
                    self.state = S::GetJ;
                }
                S::GetJ => {
                    self.b = ready!(self, self.io.get(ctx, stack, t, int(self.j))?);
                    self.state = S::CmpJ;
                }
                S::CmpJ => {
                    let c = ready!(
                        self,
                        self.io.less(ctx, stack, self.cmp, self.pivot, self.b)?
                    );
                    if c {
                        if self.j < self.i {
                            return Err(Error::runtime(INVALID_ORDER));
                        }
                        self.state = S::DecJ;
                    } else if self.j < self.i {
                        self.state = S::PlaceUpM1;
                    } else {
                        self.state = S::SwapI;
                    }
                }
                S::SwapI => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.i), self.b)?);
                    self.state = S::SwapJ;
                }
                S::SwapJ => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.j), self.a)?);
                    self.state = S::IncI;
                }
                S::PlaceUpM1 => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.up - 1), self.a)?);
                    self.state = S::PlaceI;
                }
                S::PlaceI => {
                    ready!(self, self.io.set(ctx, stack, t, int(self.i), self.pivot)?);
                    // a[lo .. p - 1] <= a[p] == P <= a[p + 1 .. up]: sort the smaller side
                    // first ("recursively"), then go on with the larger one.
                    let (lo, up, p) = (self.lo, self.up, self.i);
                    if p - lo < up - p {
                        self.frames.push(Frame {
                            lo: p + 1,
                            up,
                            rnd: self.rnd,
                            n: p - lo,
                        });
                        self.up = p - 1;
                    } else {
                        self.frames.push(Frame {
                            lo,
                            up: p - 1,
                            rnd: self.rnd,
                            n: up - p,
                        });
                        self.lo = p + 1;
                    }
                    self.state = S::Top;
                }
                S::Return => match self.frames.pop() {
                    None => {
                        stack.clear();
                        return Ok(Flow::Done);
                    }
                    Some(f) => {
                        (self.lo, self.up, self.rnd) = (f.lo, f.up, f.rnd);
                        if self.up.wrapping_sub(self.lo) / 128 > f.n {
                            self.rnd = randomize_pivot();
                        }
                        self.state = S::Top;
                    }
                },
            }
        }
    }
}
