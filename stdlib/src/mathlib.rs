//! The `math` library (§6.7), after PUC-Rio 5.4's lmathlib.c: integer-preserving `abs`, `floor`,
//! `ceil`, `fmod`, `modf`; `min`/`max` through `lua_compare` (so `__lt` is honoured, stacklessly);
//! and `random`/`randomseed` with xoshiro256**, seeded and projected exactly like 5.4 so the same
//! seed gives lua5.4's sequence.

use std::cell::Cell;
use std::f64::consts::PI;

use gc_arena::Collect;
use halo_vm::args::{check_any, check_integer, check_number, opt_integer};
use halo_vm::number;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, UserData, Value};

use crate::metaops::{self, Flow, Io, Machine};
use crate::ready;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub fn open(ctx: Ctx<'_>) {
    let t = Table::new(ctx.mc);
    ctx.set_functions(
        t,
        &[
            ("abs", abs),
            ("acos", acos),
            ("asin", asin),
            ("atan", atan),
            ("ceil", ceil),
            ("cos", cos),
            ("deg", deg),
            ("exp", exp),
            ("tointeger", tointeger),
            ("floor", floor),
            ("fmod", fmod),
            ("ult", ult),
            ("log", log),
            ("max", max),
            ("min", min),
            ("modf", modf),
            ("rad", rad),
            ("sin", sin),
            ("sqrt", sqrt),
            ("tan", tan),
            ("type", type_),
        ],
    );
    t.set_str(ctx.mc, ctx.str("pi"), Value::Number(PI));
    t.set_str(ctx.mc, ctx.str("huge"), Value::Number(f64::INFINITY));
    t.set_str(ctx.mc, ctx.str("maxinteger"), Value::Integer(i64::MAX));
    t.set_str(ctx.mc, ctx.str("mininteger"), Value::Integer(i64::MIN));

    // The generator's state is shared by `random` and `randomseed` (an upvalue of both, like
    // PUC-Rio's userdata), seeded "randomly" from the time and an address.
    let state = Xoshiro::default();
    state.seed(unix_time() as u64, rand_bits() as u64);
    let ud = Value::UserData(UserData::new(ctx.mc, state, None));
    for (name, f) in [
        ("random", random as halo_vm::NativeFn),
        ("randomseed", randomseed),
    ] {
        let nf = NativeFunction::with_upvalues(ctx.mc, f, Box::new([ud]));
        t.set_str(ctx.mc, ctx.str(name), nf.into());
    }
    ctx.set_global("math", t.into());
}

fn unix_time() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `luaL_checknumber` as a float.
fn check_float<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>, i: usize) -> Result<f64, Error<'gc>> {
    Ok(check_number(ctx, stack, i)?.to_f64())
}

fn ret<'gc>(mut stack: Stack<'gc, '_>, v: Value<'gc>) -> NResult<'gc> {
    stack.ret1(v);
    Ok(Action::Return)
}

/// `pushnumint`: an integral float that fits an integer becomes one.
fn num_int<'gc>(d: f64) -> Value<'gc> {
    // `lua_numbertointeger`: -2^63 <= d < 2^63 (false for NaN).
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&d) {
        Value::Integer(d as i64)
    } else {
        Value::Number(d)
    }
}

macro_rules! float_fn {
    ($name:ident, $f:expr) => {
        fn $name<'gc>(
            ctx: Ctx<'gc>,
            _f: NativeFunction<'gc>,
            stack: Stack<'gc, '_>,
        ) -> NResult<'gc> {
            let x = check_float(ctx, &stack, 0)?;
            let f: fn(f64) -> f64 = $f;
            ret(stack, Value::Number(f(x)))
        }
    };
}

float_fn!(sin, f64::sin);
float_fn!(cos, f64::cos);
float_fn!(tan, f64::tan);
float_fn!(asin, f64::asin);
float_fn!(acos, f64::acos);
float_fn!(exp, f64::exp);
float_fn!(sqrt, f64::sqrt);
float_fn!(deg, |x| x * (180.0 / PI));
float_fn!(rad, |x| x * (PI / 180.0));

fn abs<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = match stack.get(0) {
        Value::Integer(n) => Value::Integer(n.wrapping_abs()),
        _ => Value::Number(check_float(ctx, &stack, 0)?.abs()),
    };
    ret(stack, v)
}

fn atan<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let y = check_float(ctx, &stack, 0)?;
    let x = if stack.get(1).is_nil() {
        1.0
    } else {
        check_float(ctx, &stack, 1)?
    };
    ret(stack, Value::Number(y.atan2(x)))
}

fn tointeger<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    // `lua_tointegerx`: integers, integral floats, and strings convertible to either.
    let n = match halo_vm::interp::to_number(stack.get(0)) {
        Some(n) => number::number_to_int_lossless(n),
        None => None,
    };
    match n {
        Some(i) => ret(stack, Value::Integer(i)),
        None => {
            check_any(ctx, &stack, 0)?;
            ret(stack, Value::Nil)
        }
    }
}

fn floor<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = match stack.get(0) {
        v @ Value::Integer(_) => v,
        _ => num_int(check_float(ctx, &stack, 0)?.floor()),
    };
    ret(stack, v)
}

fn ceil<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = match stack.get(0) {
        v @ Value::Integer(_) => v,
        _ => num_int(check_float(ctx, &stack, 0)?.ceil()),
    };
    ret(stack, v)
}

fn fmod<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    if let (Value::Integer(a), Value::Integer(d)) = (stack.get(0), stack.get(1)) {
        let r = match d {
            0 => return Err(Error::bad_arg(2, "zero")),
            // Avoids the overflow of mininteger % -1.
            -1 => 0,
            _ => a % d,
        };
        return ret(stack, Value::Integer(r));
    }
    let a = check_float(ctx, &stack, 0)?;
    let b = check_float(ctx, &stack, 1)?;
    // Rust's `%` on floats is C's `fmod`.
    ret(stack, Value::Number(a % b))
}

fn modf<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (ip, frac) = match stack.get(0) {
        v @ Value::Integer(_) => (v, Value::Number(0.0)),
        _ => {
            let n = check_float(ctx, &stack, 0)?;
            let ip = if n < 0.0 { n.ceil() } else { n.floor() };
            // The test keeps inf - inf from giving NaN.
            (
                num_int(ip),
                Value::Number(if n == ip { 0.0 } else { n - ip }),
            )
        }
    };
    stack.replace(&[ip, frac]);
    Ok(Action::Return)
}

fn ult<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let a = check_integer(ctx, &stack, 0)?;
    let b = check_integer(ctx, &stack, 1)?;
    ret(stack, Value::Boolean((a as u64) < (b as u64)))
}

fn log<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let x = check_float(ctx, &stack, 0)?;
    let r = if stack.get(1).is_nil() {
        x.ln()
    } else {
        let base = check_float(ctx, &stack, 1)?;
        if base == 2.0 {
            x.log2()
        } else if base == 10.0 {
            x.log10()
        } else {
            x.ln() / base.ln()
        }
    };
    ret(stack, Value::Number(r))
}

fn type_<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = match stack.get(0) {
        Value::Integer(_) => ctx.str_value("integer"),
        Value::Number(_) => ctx.str_value("float"),
        _ => {
            check_any(ctx, &stack, 0)?;
            Value::Nil
        }
    };
    ret(stack, v)
}

// ------------------------------------------------------------------ min / max

fn min<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    min_max(ctx, stack, false)
}

fn max<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    min_max(ctx, stack, true)
}

/// `math_min`/`math_max`: the first extreme argument by `lua_compare(LT)`, any type.
fn min_max<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, is_max: bool) -> NResult<'gc> {
    if stack.is_empty() {
        return Err(Error::bad_arg(1, "value expected"));
    }
    // Numbers and strings (the usual case) compare without calls.
    let vals = stack.as_slice();
    let mut best = vals[0];
    let mut direct = true;
    for &v in &vals[1..] {
        let (a, b) = if is_max { (best, v) } else { (v, best) };
        match metaops::raw_less_than(a, b) {
            Some(true) => best = v,
            Some(false) => {}
            None => {
                direct = false;
                break;
            }
        }
    }
    if direct {
        stack.ret1(best);
        return Ok(Action::Return);
    }
    let m = MinMaxM {
        io: Io::default(),
        vals: stack.as_slice().to_vec(),
        best: 0,
        i: 1,
        is_max,
    };
    metaops::start(ctx, m, &mut stack)
}

#[derive(Collect)]
#[collect(no_drop)]
struct MinMaxM<'gc> {
    io: Io<'gc>,
    vals: Vec<Value<'gc>>,
    best: usize,
    i: usize,
    is_max: bool,
}

impl<'gc> Machine<'gc> for MinMaxM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        while self.i < self.vals.len() {
            let (cur, best) = (self.vals[self.i], self.vals[self.best]);
            let (a, b) = if self.is_max {
                (best, cur)
            } else {
                (cur, best)
            };
            if ready!(self, self.io.less(ctx, stack, Value::Nil, a, b)?) {
                self.best = self.i;
            }
            self.i += 1;
        }
        stack.ret1(self.vals[self.best]);
        Ok(Flow::Done)
    }
}

// ------------------------------------------------------------------ random

/// xoshiro256** state (lmathlib's `RanState`).
#[derive(Default)]
struct Xoshiro(Cell<[u64; 4]>);

impl Xoshiro {
    fn next(&self) -> u64 {
        let [s0, s1, s2, s3] = self.0.get();
        let s2 = s2 ^ s0;
        let s3 = s3 ^ s1;
        let res = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        self.0
            .set([s0 ^ s3, s1 ^ s2, s2 ^ (s1 << 17), s3.rotate_left(45)]);
        res
    }

    /// `setseed`: the state from two integers, then 16 values discarded to spread the seed.
    fn seed(&self, n1: u64, n2: u64) {
        self.0.set([n1, 0xff, n2, 0]);
        for _ in 0..16 {
            self.next();
        }
    }

    /// `project`: a uniform value in [0, n] from `ran`, drawing again while outside.
    fn project(&self, mut ran: u64, n: u64) -> u64 {
        if n & n.wrapping_add(1) == 0 {
            return ran & n;
        }
        // The smallest 2^b - 1 not below n.
        let mut lim = n;
        lim |= lim >> 1;
        lim |= lim >> 2;
        lim |= lim >> 4;
        lim |= lim >> 8;
        lim |= lim >> 16;
        lim |= lim >> 32;
        loop {
            ran &= lim;
            if ran <= n {
                return ran;
            }
            ran = self.next();
        }
    }
}

/// `I2d`: the top 53 bits as a float in [0, 1).
fn to_float(x: u64) -> f64 {
    (x >> 11) as f64 * (0.5 / (1u64 << 52) as f64)
}

fn rng<'gc>(f: NativeFunction<'gc>) -> &'gc Xoshiro {
    match f.upvalue(0) {
        Value::UserData(u) => u.downcast::<Xoshiro>().expect("math.random state"),
        _ => unreachable!("math.random without its state"),
    }
}

fn random<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let st = rng(f);
    let rv = st.next();
    let (low, up) = match stack.len() {
        0 => return ret(stack, Value::Number(to_float(rv))),
        1 => {
            let up = check_integer(ctx, &stack, 0)?;
            if up == 0 {
                return ret(stack, Value::Integer(rv as i64));
            }
            (1, up)
        }
        2 => (
            check_integer(ctx, &stack, 0)?,
            check_integer(ctx, &stack, 1)?,
        ),
        _ => return Err(Error::runtime("wrong number of arguments")),
    };
    if low > up {
        return Err(Error::bad_arg(1, "interval is empty"));
    }
    let p = st.project(rv, (up as u64).wrapping_sub(low as u64));
    ret(stack, Value::Integer(p.wrapping_add(low as u64) as i64))
}

fn randomseed<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let st = rng(f);
    let (n1, n2) = if stack.is_empty() {
        (unix_time(), rand_bits())
    } else {
        (
            check_integer(ctx, &stack, 0)?,
            opt_integer(ctx, &stack, 1, 0)?,
        )
    };
    st.seed(n1 as u64, n2 as u64);
    stack.replace(&[Value::Integer(n1), Value::Integer(n2)]);
    Ok(Action::Return)
}

/// Some bits that differ between runs (PUC-Rio relies on address randomisation of `L`).
fn rand_bits() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(unix_time() as u64);
    h.finish() as i64
}
