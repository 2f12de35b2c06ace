//! The code generator: `ast::Chunk` → `bytecode::FunctionProto`.
//!
//! It follows PUC-Rio Lua 5.4's single-pass strategy (lparser.c/lcode.c), applied to a tree:
//! expressions are described by an `ExpDesc` that is *discharged* into a register only when
//! needed, conditions become lists of pending jumps patched later, and registers are allocated
//! as a stack (`free_reg`) above the active locals. That is what gives compact code: `a.b.c = x`
//! needs no temporaries, `if a and b then` needs no booleans materialised.
//!
//! Invariants:
//! - Between statements, `free_reg == nvarstack()` (every temporary is released).
//! - A jump list links `Jmp` instructions through their offset fields; `NO_JUMP` ends it.
//! - A conditional instruction is always immediately followed by its `Jmp`.
//! - Compile-time constant locals (`local x <const> = 3`) occupy no register.
//!
//! Never: panic on any tree the parser can produce; limits (registers, locals, upvalues,
//! constants) end in a `CompileError` with PUC-Rio's wording.

use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::{self, Attrib, BinOp, Block, Expr, FunctionBody, Line, Stat, TableField, UnOp};
use crate::bytecode::{Constant, FunctionProto, Insn, LocalVarInfo, UpvalueDesc};
use crate::number;

#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    /// Full message, `chunk:line: text`.
    pub message: String,
    pub line: u32,
}

/// Compiles a parsed chunk. `source` is the chunk name given to `load` (`@file`, `=name`, or the
/// source text) and `short_src` its display form for messages.
pub fn compile(
    chunk: &ast::Chunk,
    source: Rc<[u8]>,
    short_src: &str,
) -> Result<FunctionProto, CompileError> {
    let mut c = Compiler {
        funcs: Vec::new(),
        source,
        short_src: short_src.to_string(),
    };
    c.main_function(chunk)
}

const NO_JUMP: i32 = -1;
const NO_REG: u8 = 255;
/// Registers usable by a function (PUC-Rio's MAXREGS).
const MAX_REGS: usize = 255;
const MAX_VARS: usize = 200;
const MAX_UPVALUES: usize = 255;
const FIELDS_PER_FLUSH: u32 = 50;
const MAX_ARG_U8: i64 = 255;

type CResult<T> = Result<T, CompileError>;

#[derive(Clone, Copy, Debug, PartialEq)]
enum VarKind {
    Regular,
    Const,
    Close,
    /// A compile-time constant: no register; its value is in `VarDesc::value`.
    CompileTimeConst,
}

#[derive(Clone, Debug)]
struct VarDesc {
    name: String,
    kind: VarKind,
    /// Register holding the variable (not for compile-time constants).
    reg: u8,
    /// Index in the prototype's `local_vars` (debug info), if registered.
    pidx: Option<usize>,
    value: Option<ConstVal>,
}

/// A compile-time constant value.
#[derive(Clone, Debug, PartialEq)]
enum ConstVal {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<[u8]>),
}

#[derive(Clone, Debug, PartialEq)]
enum ExpKind {
    Void,
    Nil,
    True,
    False,
    /// Constant in the constant table.
    K(u32),
    KFlt(f64),
    KInt(i64),
    KStr(Rc<[u8]>),
    /// Value in a fixed register.
    NonReloc(u8),
    /// A local variable: register and index in the active-variable list.
    Local {
        reg: u8,
        vidx: usize,
    },
    Upval(u8),
    /// A compile-time constant local: function level and index in its active variables.
    Const(usize, usize),
    /// `R[t][R[idx]]`
    Indexed {
        t: u8,
        idx: u8,
    },
    /// `U[t][K[idx]]`, K a string
    IndexUp {
        t: u8,
        idx: u16,
    },
    /// `R[t][idx]`
    IndexInt {
        t: u8,
        idx: u8,
    },
    /// `R[t][K[idx]]`, K a string
    IndexStr {
        t: u8,
        idx: u16,
    },
    /// A test: `pc` of its jump.
    Jmp(usize),
    /// Result of the instruction at `pc`, whose target register is not fixed yet.
    Reloc(usize),
    /// An open call at `pc`.
    Call(usize),
    /// `...` at `pc`.
    Vararg(usize),
}

#[derive(Clone, Debug)]
struct ExpDesc {
    k: ExpKind,
    /// Patch list of "exit when true".
    t: i32,
    /// Patch list of "exit when false".
    f: i32,
}

impl ExpDesc {
    fn new(k: ExpKind) -> Self {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }
    fn has_jumps(&self) -> bool {
        self.t != self.f
    }
    fn is_multi(&self) -> bool {
        matches!(self.k, ExpKind::Call(_) | ExpKind::Vararg(_))
    }
    fn is_var(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Local { .. }
                | ExpKind::Upval(_)
                | ExpKind::Const(..)
                | ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexInt { .. }
                | ExpKind::IndexStr { .. }
        )
    }
    fn is_indexed(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexInt { .. }
                | ExpKind::IndexStr { .. }
        )
    }
    /// The numeric value of a numeral expression without jumps.
    fn numeral(&self) -> Option<number::Number> {
        if self.has_jumps() {
            return None;
        }
        match self.k {
            ExpKind::KInt(i) => Some(number::Number::Int(i)),
            ExpKind::KFlt(f) => Some(number::Number::Float(f)),
            _ => None,
        }
    }
}

struct BlockCnt {
    first_label: usize,
    first_goto: usize,
    /// Active locals outside the block.
    nactvar: usize,
    /// Some variable of the block is captured as an upvalue.
    upval: bool,
    is_loop: bool,
    inside_tbc: bool,
}

#[derive(Clone, Debug)]
struct LabelDesc {
    name: String,
    pc: usize,
    line: Line,
    nactvar: usize,
    close: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ConstKey {
    Nil,
    Bool(bool),
    Int(i64),
    Float(u64),
}

struct FuncState {
    f: FunctionProto,
    /// Kind of each upvalue (for `<const>` checks through closures).
    upval_kinds: Vec<VarKind>,
    blocks: Vec<BlockCnt>,
    actvar: Vec<VarDesc>,
    /// Logical length of `actvar` (declared variables, active or pending).
    actvar_n: usize,
    nactvar: usize,
    free_reg: usize,
    last_target: usize,
    need_close: bool,
    labels: Vec<LabelDesc>,
    gotos: Vec<LabelDesc>,
    kcache: HashMap<ConstKey, u32>,
    kstrings: HashMap<Rc<[u8]>, u32>,
}

struct Compiler {
    funcs: Vec<FuncState>,
    source: Rc<[u8]>,
    short_src: String,
}

fn arith_fold(op: BinOp, a: number::Number, b: number::Number) -> Option<number::Number> {
    use number::Number::{Float, Int};
    let tof = |n: number::Number| match n {
        Int(i) => i as f64,
        Float(f) => f,
    };
    let toi = |n: number::Number| match n {
        Int(i) => Some(i),
        Float(f) => number::float_to_int(f),
    };
    match op {
        BinOp::BAnd | BinOp::BOr | BinOp::BXor | BinOp::Shl | BinOp::Shr => {
            let (x, y) = (toi(a)?, toi(b)?);
            Some(Int(match op {
                BinOp::BAnd => x & y,
                BinOp::BOr => x | y,
                BinOp::BXor => x ^ y,
                BinOp::Shl => number::shift_left(x, y),
                _ => number::shift_right(x, y),
            }))
        }
        BinOp::Div => Some(Float(tof(a) / tof(b))),
        BinOp::Pow => Some(Float(tof(a).powf(tof(b)))),
        _ => match (a, b) {
            (Int(x), Int(y)) => Some(Int(match op {
                BinOp::Add => x.wrapping_add(y),
                BinOp::Sub => x.wrapping_sub(y),
                BinOp::Mul => x.wrapping_mul(y),
                BinOp::IDiv => number::int_idiv(x, y)?,
                BinOp::Mod => number::int_mod(x, y)?,
                _ => return None,
            })),
            _ => {
                let (x, y) = (tof(a), tof(b));
                Some(Float(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::IDiv => number::float_idiv(x, y),
                    BinOp::Mod => number::float_mod(x, y),
                    _ => return None,
                }))
            }
        },
    }
}

/// Sets the target register of a relocatable instruction.
fn set_a(insn: &mut Insn, reg: u8) {
    match insn.target_mut() {
        Some(a) => *a = reg,
        None => unreachable!("set_a on a non-relocatable instruction {insn:?}"),
    }
}

fn is_test(insn: &Insn) -> bool {
    matches!(
        insn,
        Insn::Eq { .. }
            | Insn::Lt { .. }
            | Insn::Le { .. }
            | Insn::EqK { .. }
            | Insn::EqI { .. }
            | Insn::LtI { .. }
            | Insn::LeI { .. }
            | Insn::GtI { .. }
            | Insn::GeI { .. }
            | Insn::Test { .. }
            | Insn::TestSet { .. }
    )
}

fn negate(insn: &mut Insn) {
    use Insn::*;
    match insn {
        Eq { k, .. }
        | Lt { k, .. }
        | Le { k, .. }
        | EqK { k, .. }
        | EqI { k, .. }
        | LtI { k, .. }
        | LeI { k, .. }
        | GtI { k, .. }
        | GeI { k, .. }
        | Test { k, .. }
        | TestSet { k, .. } => *k = !*k,
        _ => unreachable!(),
    }
}

impl FuncState {
    fn new(line_defined: u32, source: Rc<[u8]>) -> Self {
        FuncState {
            f: FunctionProto {
                code: Vec::new(),
                lines: Vec::new(),
                constants: Vec::new(),
                protos: Vec::new(),
                upvalues: Vec::new(),
                local_vars: Vec::new(),
                num_params: 0,
                is_vararg: false,
                max_stack: 2,
                source,
                line_defined,
                last_line_defined: 0,
            },
            upval_kinds: Vec::new(),
            blocks: Vec::new(),
            actvar: Vec::new(),
            actvar_n: 0,
            nactvar: 0,
            free_reg: 0,
            last_target: 0,
            need_close: false,
            labels: Vec::new(),
            gotos: Vec::new(),
            kcache: HashMap::new(),
            kstrings: HashMap::new(),
        }
    }

    fn pc(&self) -> usize {
        self.f.code.len()
    }

    /// The register level of the first `nvar` active variables.
    fn reg_level(&self, nvar: usize) -> usize {
        for v in self.actvar[..nvar].iter().rev() {
            if v.kind != VarKind::CompileTimeConst {
                return v.reg as usize + 1;
            }
        }
        0
    }

    fn nvarstack(&self) -> usize {
        self.reg_level(self.nactvar)
    }
}

impl Compiler {
    fn fs(&mut self) -> &mut FuncState {
        self.funcs.last_mut().unwrap()
    }
    fn fsr(&self) -> &FuncState {
        self.funcs.last().unwrap()
    }

    fn error(&self, line: Line, msg: impl Into<String>) -> CompileError {
        CompileError {
            message: format!("{}:{}: {}", self.short_src, line, msg.into()),
            line,
        }
    }

    fn error_limit(&self, limit: usize, what: &str, line: Line) -> CompileError {
        let ld = self.fsr().f.line_defined;
        let where_ = if ld == 0 {
            "main function".to_string()
        } else {
            format!("function at line {ld}")
        };
        self.error(
            line,
            format!("too many {what} (limit is {limit}) in {where_}"),
        )
    }

    // ---------------------------------------------------------------- emission

    fn emit(&mut self, insn: Insn, line: Line) -> usize {
        let fs = self.fs();
        fs.f.code.push(insn);
        fs.f.lines.push(line);
        fs.f.code.len() - 1
    }

    fn fix_line(&mut self, line: Line) {
        if let Some(l) = self.fs().f.lines.last_mut() {
            *l = line;
        }
    }

    fn remove_last(&mut self) {
        let fs = self.fs();
        fs.f.code.pop();
        fs.f.lines.pop();
    }

    fn check_stack(&mut self, n: usize, line: Line) -> CResult<()> {
        let fs = self.fsr();
        let new = fs.free_reg + n;
        if new > fs.f.max_stack as usize {
            if new >= MAX_REGS {
                return Err(self.error(line, "function or expression needs too many registers"));
            }
            self.fs().f.max_stack = new as u8;
        }
        Ok(())
    }

    fn reserve_regs(&mut self, n: usize, line: Line) -> CResult<()> {
        self.check_stack(n, line)?;
        self.fs().free_reg += n;
        Ok(())
    }

    fn free_reg(&mut self, reg: u8) {
        let fs = self.fs();
        if reg as usize >= fs.nvarstack() {
            fs.free_reg -= 1;
            debug_assert_eq!(reg as usize, fs.free_reg, "free_reg out of order");
        }
    }

    fn free_exp(&mut self, e: &ExpDesc) {
        if let ExpKind::NonReloc(r) = e.k {
            self.free_reg(r);
        }
    }

    fn free_exps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        let r1 = if let ExpKind::NonReloc(r) = e1.k {
            r as i32
        } else {
            -1
        };
        let r2 = if let ExpKind::NonReloc(r) = e2.k {
            r as i32
        } else {
            -1
        };
        if r1 > r2 {
            self.free_reg(r1 as u8);
            if r2 >= 0 {
                self.free_reg(r2 as u8);
            }
        } else {
            if r2 >= 0 {
                self.free_reg(r2 as u8);
            }
            if r1 >= 0 {
                self.free_reg(r1 as u8);
            }
        }
    }

    // ---------------------------------------------------------------- constants

    fn add_k(&mut self, key: ConstKey, c: Constant, line: Line) -> CResult<u32> {
        if let Some(&i) = self.fsr().kcache.get(&key) {
            return Ok(i);
        }
        let fs = self.fs();
        let i = fs.f.constants.len();
        if i >= (1 << 25) {
            return Err(self.error(line, "too many constants"));
        }
        let fs = self.fs();
        fs.f.constants.push(c);
        fs.kcache.insert(key, i as u32);
        Ok(i as u32)
    }

    fn string_k(&mut self, s: &Rc<[u8]>, line: Line) -> CResult<u32> {
        if let Some(&i) = self.fsr().kstrings.get(s) {
            return Ok(i);
        }
        let i = self.fsr().f.constants.len();
        if i >= (1 << 25) {
            return Err(self.error(line, "too many constants"));
        }
        let fs = self.fs();
        fs.f.constants
            .push(Constant::String(s.to_vec().into_boxed_slice()));
        fs.kstrings.insert(s.clone(), i as u32);
        Ok(i as u32)
    }

    fn int_k(&mut self, i: i64, line: Line) -> CResult<u32> {
        self.add_k(ConstKey::Int(i), Constant::Integer(i), line)
    }

    fn float_k(&mut self, f: f64, line: Line) -> CResult<u32> {
        self.add_k(ConstKey::Float(f.to_bits()), Constant::Float(f), line)
    }

    fn is_kstr(&self, e: &ExpDesc) -> Option<u16> {
        if let ExpKind::K(i) = e.k
            && !e.has_jumps()
            && i <= u16::MAX as u32
            && matches!(self.fsr().f.constants[i as usize], Constant::String(_))
        {
            return Some(i as u16);
        }
        None
    }

    fn str_to_k(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        if let ExpKind::KStr(s) = &e.k {
            let s = s.clone();
            e.k = ExpKind::K(self.string_k(&s, line)?);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- jumps

    fn get_jump(&self, pc: usize) -> i32 {
        match self.fsr().f.code[pc] {
            Insn::Jmp { sj } if sj == NO_JUMP => NO_JUMP,
            Insn::Jmp { sj } => pc as i32 + 1 + sj,
            _ => unreachable!("get_jump on a non-jump"),
        }
    }

    fn fix_jump(&mut self, pc: usize, dest: usize) {
        let sj = dest as i32 - (pc as i32 + 1);
        self.fs().f.code[pc] = Insn::Jmp { sj };
    }

    fn concat_jumps(&mut self, l1: &mut i32, l2: i32) {
        if l2 == NO_JUMP {
            return;
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return;
        }
        let mut list = *l1;
        loop {
            let next = self.get_jump(list as usize);
            if next == NO_JUMP {
                break;
            }
            list = next;
        }
        self.fix_jump(list as usize, l2 as usize);
    }

    fn jump(&mut self, line: Line) -> i32 {
        self.emit(Insn::Jmp { sj: NO_JUMP }, line) as i32
    }

    fn cond_jump(&mut self, insn: Insn, line: Line) -> i32 {
        self.emit(insn, line);
        self.jump(line)
    }

    fn get_label(&mut self) -> usize {
        let fs = self.fs();
        fs.last_target = fs.pc();
        fs.last_target
    }

    fn jump_control(&self, pc: usize) -> usize {
        if pc >= 1 && is_test(&self.fsr().f.code[pc - 1]) {
            pc - 1
        } else {
            pc
        }
    }

    fn patch_test_reg(&mut self, node: usize, reg: u8) -> bool {
        let i = self.jump_control(node);
        let fs = self.fs();
        if let Insn::TestSet { b, k, .. } = fs.f.code[i] {
            fs.f.code[i] = if reg != NO_REG && reg != b {
                Insn::TestSet { a: reg, b, k }
            } else {
                Insn::Test { a: b, k }
            };
            true
        } else {
            false
        }
    }

    fn remove_values(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patch_test_reg(list as usize, NO_REG);
            list = self.get_jump(list as usize);
        }
    }

    fn patch_list_aux(&mut self, mut list: i32, vtarget: usize, reg: u8, dtarget: usize) {
        while list != NO_JUMP {
            let next = self.get_jump(list as usize);
            if self.patch_test_reg(list as usize, reg) {
                self.fix_jump(list as usize, vtarget);
            } else {
                self.fix_jump(list as usize, dtarget);
            }
            list = next;
        }
    }

    fn patch_list(&mut self, list: i32, target: usize) {
        self.patch_list_aux(list, target, NO_REG, target);
    }

    fn patch_to_here(&mut self, list: i32) {
        let here = self.get_label();
        self.patch_list(list, here);
    }

    fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            let i = self.jump_control(list as usize);
            if !matches!(self.fsr().f.code[i], Insn::TestSet { .. }) {
                return true;
            }
            list = self.get_jump(list as usize);
        }
        false
    }

    // ---------------------------------------------------------------- loads

    fn code_nil(&mut self, from: usize, n: usize, line: Line) {
        let l = from + n - 1;
        let fs = self.fs();
        let pc = fs.pc();
        if pc > fs.last_target
            && pc > 0
            && let Insn::LoadNil { a, n: pn } = fs.f.code[pc - 1]
        {
            let (pfrom, pl) = (a as usize, a as usize + pn as usize);
            if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                let nf = pfrom.min(from);
                let nl = pl.max(l);
                fs.f.code[pc - 1] = Insn::LoadNil {
                    a: nf as u8,
                    n: (nl - nf) as u8,
                };
                return;
            }
        }
        self.emit(
            Insn::LoadNil {
                a: from as u8,
                n: (n - 1) as u8,
            },
            line,
        );
    }

    fn code_int(&mut self, reg: u8, i: i64, line: Line) -> CResult<()> {
        if let Ok(i) = i32::try_from(i) {
            self.emit(Insn::LoadI { a: reg, i }, line);
        } else {
            let k = self.int_k(i, line)?;
            self.emit(Insn::LoadK { a: reg, k }, line);
        }
        Ok(())
    }

    fn code_float(&mut self, reg: u8, f: f64, line: Line) -> CResult<()> {
        if let Some(i) = number::float_to_int(f)
            && let Ok(i) = i32::try_from(i)
            && !(f == 0.0 && f.is_sign_negative())
        {
            self.emit(Insn::LoadF { a: reg, i }, line);
        } else {
            let k = self.float_k(f, line)?;
            self.emit(Insn::LoadK { a: reg, k }, line);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- discharge

    fn set_returns(&mut self, e: &ExpDesc, nresults: i32, line: Line) -> CResult<()> {
        let c = (nresults + 1) as u8;
        match e.k {
            ExpKind::Call(pc) => {
                if let Insn::Call { c: cc, .. } = &mut self.fs().f.code[pc] {
                    *cc = c;
                }
            }
            ExpKind::Vararg(pc) => {
                let fr = self.fsr().free_reg as u8;
                if let Insn::Vararg { a, c: cc } = &mut self.fs().f.code[pc] {
                    *cc = c;
                    *a = fr;
                }
                self.reserve_regs(1, line)?;
            }
            _ => unreachable!(),
        }
        Ok(())
    }

    fn set_multret(&mut self, e: &ExpDesc, line: Line) -> CResult<()> {
        self.set_returns(e, -1, line)
    }

    fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Call(pc) => {
                if let Insn::Call { a, .. } = self.fsr().f.code[pc] {
                    e.k = ExpKind::NonReloc(a);
                }
            }
            ExpKind::Vararg(pc) => {
                if let Insn::Vararg { c, .. } = &mut self.fs().f.code[pc] {
                    *c = 2;
                }
                e.k = ExpKind::Reloc(pc);
            }
            _ => {}
        }
    }

    fn const_to_exp(v: &ConstVal) -> ExpKind {
        match v {
            ConstVal::Nil => ExpKind::Nil,
            ConstVal::Bool(true) => ExpKind::True,
            ConstVal::Bool(false) => ExpKind::False,
            ConstVal::Int(i) => ExpKind::KInt(*i),
            ConstVal::Float(f) => ExpKind::KFlt(*f),
            ConstVal::Str(s) => ExpKind::KStr(s.clone()),
        }
    }

    fn discharge_vars(&mut self, e: &mut ExpDesc, line: Line) {
        match e.k.clone() {
            ExpKind::Const(level, vidx) => {
                let v = self.funcs[level].actvar[vidx].value.clone().unwrap();
                e.k = Self::const_to_exp(&v);
            }
            ExpKind::Local { reg, .. } => e.k = ExpKind::NonReloc(reg),
            ExpKind::Upval(b) => e.k = ExpKind::Reloc(self.emit(Insn::GetUpval { a: 0, b }, line)),
            ExpKind::IndexUp { t, idx } => {
                e.k = ExpKind::Reloc(self.emit(Insn::GetTabUp { a: 0, b: t, k: idx }, line))
            }
            ExpKind::IndexInt { t, idx } => {
                self.free_reg(t);
                e.k = ExpKind::Reloc(self.emit(Insn::GetI { a: 0, b: t, c: idx }, line))
            }
            ExpKind::IndexStr { t, idx } => {
                self.free_reg(t);
                e.k = ExpKind::Reloc(self.emit(Insn::GetField { a: 0, b: t, k: idx }, line))
            }
            ExpKind::Indexed { t, idx } => {
                self.free_exps(
                    &ExpDesc::new(ExpKind::NonReloc(t)),
                    &ExpDesc::new(ExpKind::NonReloc(idx)),
                );
                e.k = ExpKind::Reloc(self.emit(Insn::GetTable { a: 0, b: t, c: idx }, line))
            }
            ExpKind::Call(_) | ExpKind::Vararg(_) => self.set_one_ret(e),
            _ => {}
        }
    }

    fn discharge_to_reg(&mut self, e: &mut ExpDesc, reg: u8, line: Line) -> CResult<()> {
        self.discharge_vars(e, line);
        match e.k.clone() {
            ExpKind::Nil => self.code_nil(reg as usize, 1, line),
            ExpKind::False => {
                self.emit(Insn::LoadFalse { a: reg }, line);
            }
            ExpKind::True => {
                self.emit(Insn::LoadTrue { a: reg }, line);
            }
            ExpKind::KStr(s) => {
                let k = self.string_k(&s, line)?;
                self.emit(Insn::LoadK { a: reg, k }, line);
            }
            ExpKind::K(k) => {
                self.emit(Insn::LoadK { a: reg, k }, line);
            }
            ExpKind::KFlt(f) => self.code_float(reg, f, line)?,
            ExpKind::KInt(i) => self.code_int(reg, i, line)?,
            ExpKind::Reloc(pc) => set_a(&mut self.fs().f.code[pc], reg),
            ExpKind::NonReloc(r) => {
                if r != reg {
                    self.emit(Insn::Move { a: reg, b: r }, line);
                }
            }
            ExpKind::Jmp(_) => return Ok(()),
            other => unreachable!("discharge_to_reg {other:?}"),
        }
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    fn discharge_to_any_reg(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        if !matches!(e.k, ExpKind::NonReloc(_)) {
            self.reserve_regs(1, line)?;
            let r = (self.fsr().free_reg - 1) as u8;
            self.discharge_to_reg(e, r, line)?;
        }
        Ok(())
    }

    fn code_load_bool(&mut self, insn: Insn, line: Line) -> usize {
        self.get_label();
        self.emit(insn, line)
    }

    fn exp_to_reg(&mut self, e: &mut ExpDesc, reg: u8, line: Line) -> CResult<()> {
        self.discharge_to_reg(e, reg, line)?;
        if let ExpKind::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat_jumps(&mut t, pc as i32);
            e.t = t;
        }
        if e.has_jumps() {
            let mut p_f = NO_JUMP as usize;
            let mut p_t = NO_JUMP as usize;
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpKind::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump(line)
                };
                p_f = self.code_load_bool(Insn::LFalseSkip { a: reg }, line);
                p_t = self.code_load_bool(Insn::LoadTrue { a: reg }, line);
                self.patch_to_here(fj);
            }
            let fin = self.get_label();
            self.patch_list_aux(e.f, fin, reg, p_f);
            self.patch_list_aux(e.t, fin, reg, p_t);
        }
        e.f = NO_JUMP;
        e.t = NO_JUMP;
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    fn exp_to_next_reg(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        self.discharge_vars(e, line);
        self.free_exp(e);
        self.reserve_regs(1, line)?;
        let r = (self.fsr().free_reg - 1) as u8;
        self.exp_to_reg(e, r, line)
    }

    fn exp_to_any_reg(&mut self, e: &mut ExpDesc, line: Line) -> CResult<u8> {
        self.discharge_vars(e, line);
        if let ExpKind::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r as usize >= self.fsr().nvarstack() {
                self.exp_to_reg(e, r, line)?;
                return Ok(r);
            }
        }
        self.exp_to_next_reg(e, line)?;
        match e.k {
            ExpKind::NonReloc(r) => Ok(r),
            _ => unreachable!(),
        }
    }

    fn exp_to_any_reg_up(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        if !matches!(e.k, ExpKind::Upval(_)) || e.has_jumps() {
            self.exp_to_any_reg(e, line)?;
        }
        Ok(())
    }

    fn exp_to_val(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        if e.has_jumps() {
            self.exp_to_any_reg(e, line)?;
        } else {
            self.discharge_vars(e, line);
        }
        Ok(())
    }

    /// Tries to make `e` a constant-table operand.
    fn exp_to_k(&mut self, e: &mut ExpDesc, line: Line) -> CResult<bool> {
        if e.has_jumps() {
            return Ok(false);
        }
        let k = match e.k.clone() {
            ExpKind::True => self.add_k(ConstKey::Bool(true), Constant::Boolean(true), line)?,
            ExpKind::False => self.add_k(ConstKey::Bool(false), Constant::Boolean(false), line)?,
            ExpKind::Nil => self.add_k(ConstKey::Nil, Constant::Nil, line)?,
            ExpKind::KInt(i) => self.int_k(i, line)?,
            ExpKind::KFlt(f) => self.float_k(f, line)?,
            ExpKind::KStr(s) => self.string_k(&s, line)?,
            ExpKind::K(k) => k,
            _ => return Ok(false),
        };
        if k <= u16::MAX as u32 {
            e.k = ExpKind::K(k);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Returns (operand, is_constant).
    fn exp_to_rk(&mut self, e: &mut ExpDesc, line: Line) -> CResult<(u16, bool)> {
        if self.exp_to_k(e, line)?
            && let ExpKind::K(k) = e.k
        {
            return Ok((k as u16, true));
        }
        let r = self.exp_to_any_reg(e, line)?;
        Ok((r as u16, false))
    }

    // ---------------------------------------------------------------- stores

    fn store_var(&mut self, var: &ExpDesc, ex: &mut ExpDesc, line: Line) -> CResult<()> {
        match var.k {
            ExpKind::Local { reg, .. } => {
                self.free_exp(ex);
                return self.exp_to_reg(ex, reg, line);
            }
            ExpKind::Upval(b) => {
                let a = self.exp_to_any_reg(ex, line)?;
                self.emit(Insn::SetUpval { a, b }, line);
            }
            ExpKind::IndexUp { t, idx } => {
                let (c, k) = self.exp_to_rk(ex, line)?;
                self.emit(Insn::SetTabUp { a: t, b: idx, c, k }, line);
            }
            ExpKind::IndexInt { t, idx } => {
                let (c, k) = self.exp_to_rk(ex, line)?;
                self.emit(Insn::SetI { a: t, b: idx, c, k }, line);
            }
            ExpKind::IndexStr { t, idx } => {
                let (c, k) = self.exp_to_rk(ex, line)?;
                self.emit(Insn::SetField { a: t, b: idx, c, k }, line);
            }
            ExpKind::Indexed { t, idx } => {
                let (c, k) = self.exp_to_rk(ex, line)?;
                self.emit(Insn::SetTable { a: t, b: idx, c, k }, line);
            }
            _ => unreachable!("store_var on a non-variable"),
        }
        self.free_exp(ex);
        Ok(())
    }

    fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc, line: Line) -> CResult<()> {
        self.str_to_k(k, line)?;
        let kstr = self.is_kstr(k);
        if matches!(t.k, ExpKind::Upval(_)) && kstr.is_none() {
            self.exp_to_any_reg(t, line)?;
        }
        if let ExpKind::Upval(u) = t.k {
            t.k = ExpKind::IndexUp {
                t: u,
                idx: kstr.unwrap(),
            };
            return Ok(());
        }
        let treg = match t.k {
            ExpKind::Local { reg, .. } => reg,
            ExpKind::NonReloc(r) => r,
            _ => unreachable!("indexed: table not in a register"),
        };
        if let Some(idx) = kstr {
            t.k = ExpKind::IndexStr { t: treg, idx };
        } else if let ExpKind::KInt(i) = k.k
            && !k.has_jumps()
            && (0..=MAX_ARG_U8).contains(&i)
        {
            t.k = ExpKind::IndexInt {
                t: treg,
                idx: i as u8,
            };
        } else {
            let idx = self.exp_to_any_reg(k, line)?;
            t.k = ExpKind::Indexed { t: treg, idx };
        }
        Ok(())
    }

    fn code_self(&mut self, e: &mut ExpDesc, key: &mut ExpDesc, line: Line) -> CResult<()> {
        let ereg = self.exp_to_any_reg(e, line)?;
        self.free_exp(e);
        let a = self.fsr().free_reg as u8;
        e.k = ExpKind::NonReloc(a);
        self.reserve_regs(2, line)?;
        let (c, k) = self.exp_to_rk(key, line)?;
        self.emit(Insn::SelfOp { a, b: ereg, c, k }, line);
        self.free_exp(key);
        Ok(())
    }

    // ---------------------------------------------------------------- conditions

    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool, line: Line) -> CResult<i32> {
        if let ExpKind::Reloc(pc) = e.k
            && let Insn::Not { b, .. } = self.fsr().f.code[pc]
        {
            self.remove_last();
            return Ok(self.cond_jump(Insn::Test { a: b, k: !cond }, line));
        }
        self.discharge_to_any_reg(e, line)?;
        self.free_exp(e);
        let b = match e.k {
            ExpKind::NonReloc(r) => r,
            _ => unreachable!(),
        };
        Ok(self.cond_jump(
            Insn::TestSet {
                a: NO_REG,
                b,
                k: cond,
            },
            line,
        ))
    }

    fn negate_cond(&mut self, pc: usize) {
        let i = self.jump_control(pc);
        negate(&mut self.fs().f.code[i]);
    }

    fn go_if_true(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        self.discharge_vars(e, line);
        let pc = match e.k {
            ExpKind::Jmp(pc) => {
                self.negate_cond(pc);
                pc as i32
            }
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => NO_JUMP,
            _ => self.jump_on_cond(e, false, line)?,
        };
        let mut f = e.f;
        self.concat_jumps(&mut f, pc);
        e.f = f;
        self.patch_to_here(e.t);
        e.t = NO_JUMP;
        Ok(())
    }

    fn go_if_false(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        self.discharge_vars(e, line);
        let pc = match e.k {
            ExpKind::Jmp(pc) => pc as i32,
            ExpKind::Nil | ExpKind::False => NO_JUMP,
            _ => self.jump_on_cond(e, true, line)?,
        };
        let mut t = e.t;
        self.concat_jumps(&mut t, pc);
        e.t = t;
        self.patch_to_here(e.f);
        e.f = NO_JUMP;
        Ok(())
    }

    fn code_not(&mut self, e: &mut ExpDesc, line: Line) -> CResult<()> {
        match e.k {
            ExpKind::Nil | ExpKind::False => e.k = ExpKind::True,
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => e.k = ExpKind::False,
            ExpKind::Jmp(pc) => self.negate_cond(pc),
            ExpKind::Reloc(_) | ExpKind::NonReloc(_) => {
                self.discharge_to_any_reg(e, line)?;
                self.free_exp(e);
                let b = match e.k {
                    ExpKind::NonReloc(r) => r,
                    _ => unreachable!(),
                };
                e.k = ExpKind::Reloc(self.emit(Insn::Not { a: 0, b }, line));
            }
            _ => unreachable!("code_not {:?}", e.k),
        }
        std::mem::swap(&mut e.t, &mut e.f);
        self.remove_values(e.f);
        self.remove_values(e.t);
        Ok(())
    }

    // ---------------------------------------------------------------- operators

    fn prefix(&mut self, op: UnOp, e: &mut ExpDesc, line: Line) -> CResult<()> {
        self.discharge_vars(e, line);
        match op {
            UnOp::Neg | UnOp::BNot => {
                if let Some(n) = e.numeral() {
                    let folded = match (op, n) {
                        (UnOp::Neg, number::Number::Int(i)) => {
                            Some(number::Number::Int(i.wrapping_neg()))
                        }
                        (UnOp::Neg, number::Number::Float(f)) => Some(number::Number::Float(-f)),
                        (_, n) => arith_fold(BinOp::BXor, n, number::Number::Int(-1)),
                    };
                    if let Some(r) = folded
                        && self.set_folded(e, r)
                    {
                        return Ok(());
                    }
                }
                let b = self.exp_to_any_reg(e, line)?;
                self.free_exp(e);
                let insn = if op == UnOp::Neg {
                    Insn::Unm { a: 0, b }
                } else {
                    Insn::BNot { a: 0, b }
                };
                e.k = ExpKind::Reloc(self.emit(insn, line));
            }
            UnOp::Len => {
                let b = self.exp_to_any_reg(e, line)?;
                self.free_exp(e);
                e.k = ExpKind::Reloc(self.emit(Insn::Len { a: 0, b }, line));
            }
            UnOp::Not => self.code_not(e, line)?,
        }
        Ok(())
    }

    /// Stores a folded constant into `e`, unless PUC-Rio would refuse to fold it (NaN and 0.0
    /// results are left to run time so `-0.0` and NaN keep their identity).
    fn set_folded(&self, e: &mut ExpDesc, r: number::Number) -> bool {
        match r {
            number::Number::Int(i) => e.k = ExpKind::KInt(i),
            number::Number::Float(f) => {
                if f.is_nan() || f == 0.0 {
                    return false;
                }
                e.k = ExpKind::KFlt(f)
            }
        }
        true
    }

    fn infix(&mut self, op: BinOp, v: &mut ExpDesc, line: Line) -> CResult<()> {
        self.discharge_vars(v, line);
        match op {
            BinOp::And => self.go_if_true(v, line)?,
            BinOp::Or => self.go_if_false(v, line)?,
            BinOp::Concat => self.exp_to_next_reg(v, line)?,
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::IDiv
            | BinOp::Mod
            | BinOp::Pow
            | BinOp::BAnd
            | BinOp::BOr
            | BinOp::BXor
            | BinOp::Shl
            | BinOp::Shr => {
                if v.numeral().is_none() {
                    self.exp_to_any_reg(v, line)?;
                }
            }
            BinOp::Eq | BinOp::Ne => {
                if v.numeral().is_none() {
                    self.exp_to_rk(v, line)?;
                }
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if Self::sc_number(v).is_none() {
                    self.exp_to_any_reg(v, line)?;
                }
            }
        }
        Ok(())
    }

    /// A numeral usable as an immediate operand: (value, was_float).
    fn sc_number(e: &ExpDesc) -> Option<(i16, bool)> {
        match e.numeral()? {
            number::Number::Int(i) => i16::try_from(i).ok().map(|i| (i, false)),
            number::Number::Float(f) => {
                let i = number::float_to_int(f)?;
                i16::try_from(i).ok().map(|i| (i, true))
            }
        }
    }

    fn posfix(&mut self, op: BinOp, e1: &mut ExpDesc, e2: &mut ExpDesc, line: Line) -> CResult<()> {
        self.discharge_vars(e2, line);
        let foldable = !matches!(
            op,
            BinOp::And
                | BinOp::Or
                | BinOp::Concat
                | BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
        );
        if foldable && let (Some(a), Some(b)) = (e1.numeral(), e2.numeral()) {
            let div_by_zero = matches!(op, BinOp::IDiv | BinOp::Mod | BinOp::Div)
                && match b {
                    number::Number::Int(i) => i == 0,
                    number::Number::Float(f) => f == 0.0,
                };
            if !div_by_zero
                && let Some(r) = arith_fold(op, a, b)
                && self.set_folded(e1, r)
            {
                return Ok(());
            }
        }
        match op {
            BinOp::And => {
                let mut f = e2.f;
                self.concat_jumps(&mut f, e1.f);
                e2.f = f;
                *e1 = e2.clone();
            }
            BinOp::Or => {
                let mut t = e2.t;
                self.concat_jumps(&mut t, e1.t);
                e2.t = t;
                *e1 = e2.clone();
            }
            BinOp::Concat => {
                self.exp_to_next_reg(e2, line)?;
                self.code_concat(e1, e2, line);
            }
            BinOp::Add => {
                if let Some((i, false)) = Self::sc_number(e2) {
                    let b = self.exp_to_any_reg(e1, line)?;
                    self.finish_binexp(e1, e2, Insn::AddI { a: 0, b, sc: i }, line);
                } else {
                    self.code_arith(op, e1, e2, line)?;
                }
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::IDiv | BinOp::Mod | BinOp::Pow => {
                self.code_arith(op, e1, e2, line)?
            }
            BinOp::BAnd | BinOp::BOr | BinOp::BXor => {
                if let ExpKind::KInt(_) = e2.k
                    && self.exp_to_k(e2, line)?
                {
                    let ExpKind::K(k) = e2.k else { unreachable!() };
                    let b = self.exp_to_any_reg(e1, line)?;
                    let k = k as u16;
                    let insn = match op {
                        BinOp::BAnd => Insn::BAndK { a: 0, b, k },
                        BinOp::BOr => Insn::BOrK { a: 0, b, k },
                        _ => Insn::BXorK { a: 0, b, k },
                    };
                    self.finish_binexp(e1, e2, insn, line);
                } else {
                    self.code_bin_regs(op, e1, e2, line)?;
                }
            }
            BinOp::Shl => {
                if let (Some((i, false)), true) = (Self::sc_number(e1), e2.numeral().is_none()) {
                    // `I << x`
                    let b = self.exp_to_any_reg(e2, line)?;
                    let insn = Insn::ShlI { a: 0, b, sc: i };
                    self.free_exp(e2);
                    e1.k = ExpKind::Reloc(self.emit(insn, line));
                } else {
                    self.code_bin_regs(op, e1, e2, line)?;
                }
            }
            BinOp::Shr => {
                if let Some((i, false)) = Self::sc_number(e2) {
                    let b = self.exp_to_any_reg(e1, line)?;
                    self.finish_binexp(e1, e2, Insn::ShrI { a: 0, b, sc: i }, line);
                } else {
                    self.code_bin_regs(op, e1, e2, line)?;
                }
            }
            BinOp::Eq | BinOp::Ne => self.code_eq(op == BinOp::Eq, e1, e2, line)?,
            BinOp::Gt | BinOp::Ge => {
                std::mem::swap(e1, e2);
                let op = if op == BinOp::Gt {
                    BinOp::Lt
                } else {
                    BinOp::Le
                };
                self.code_order(op, e1, e2, line)?;
            }
            BinOp::Lt | BinOp::Le => self.code_order(op, e1, e2, line)?,
        }
        Ok(())
    }

    /// Emits `insn` (whose `b` operand is already `e1`'s register) as the value of `e1`.
    fn finish_binexp(&mut self, e1: &mut ExpDesc, e2: &ExpDesc, insn: Insn, line: Line) {
        self.free_exps(e1, e2);
        e1.k = ExpKind::Reloc(self.emit(insn, line));
    }

    fn code_arith(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: Line,
    ) -> CResult<()> {
        if e2.numeral().is_some() && self.exp_to_k(e2, line)? {
            let ExpKind::K(k) = e2.k else { unreachable!() };
            let k = k as u16;
            let b = self.exp_to_any_reg(e1, line)?;
            let insn = match op {
                BinOp::Add => Insn::AddK { a: 0, b, k },
                BinOp::Sub => Insn::SubK { a: 0, b, k },
                BinOp::Mul => Insn::MulK { a: 0, b, k },
                BinOp::Div => Insn::DivK { a: 0, b, k },
                BinOp::IDiv => Insn::IDivK { a: 0, b, k },
                BinOp::Mod => Insn::ModK { a: 0, b, k },
                BinOp::Pow => Insn::PowK { a: 0, b, k },
                _ => unreachable!(),
            };
            self.finish_binexp(e1, e2, insn, line);
            Ok(())
        } else {
            self.code_bin_regs(op, e1, e2, line)
        }
    }

    fn code_bin_regs(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: Line,
    ) -> CResult<()> {
        let c = self.exp_to_any_reg(e2, line)?;
        let b = self.exp_to_any_reg(e1, line)?;
        let insn = match op {
            BinOp::Add => Insn::Add { a: 0, b, c },
            BinOp::Sub => Insn::Sub { a: 0, b, c },
            BinOp::Mul => Insn::Mul { a: 0, b, c },
            BinOp::Div => Insn::Div { a: 0, b, c },
            BinOp::IDiv => Insn::IDiv { a: 0, b, c },
            BinOp::Mod => Insn::Mod { a: 0, b, c },
            BinOp::Pow => Insn::Pow { a: 0, b, c },
            BinOp::BAnd => Insn::BAnd { a: 0, b, c },
            BinOp::BOr => Insn::BOr { a: 0, b, c },
            BinOp::BXor => Insn::BXor { a: 0, b, c },
            BinOp::Shl => Insn::Shl { a: 0, b, c },
            BinOp::Shr => Insn::Shr { a: 0, b, c },
            _ => unreachable!(),
        };
        self.finish_binexp(e1, e2, insn, line);
        Ok(())
    }

    fn code_concat(&mut self, e1: &mut ExpDesc, e2: &ExpDesc, line: Line) {
        let fs = self.fsr();
        let pc = fs.pc();
        let e1r = match e1.k {
            ExpKind::NonReloc(r) => r,
            _ => unreachable!("concat operand not in a register"),
        };
        if pc > fs.last_target
            && let Insn::Concat { a, n } = fs.f.code[pc - 1]
        {
            debug_assert_eq!(e1r + 1, a);
            self.free_exp(e2);
            self.fs().f.code[pc - 1] = Insn::Concat { a: e1r, n: n + 1 };
        } else {
            self.emit(Insn::Concat { a: e1r, n: 2 }, line);
            self.free_exp(e2);
        }
    }

    fn code_eq(
        &mut self,
        is_eq: bool,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: Line,
    ) -> CResult<()> {
        if !matches!(e1.k, ExpKind::NonReloc(_)) {
            std::mem::swap(e1, e2);
        }
        let a = self.exp_to_any_reg(e1, line)?;
        let insn = if let Some((sb, float)) = Self::sc_number(e2) {
            Insn::EqI {
                a,
                sb,
                k: is_eq,
                float,
            }
        } else {
            let (b, isk) = self.exp_to_rk(e2, line)?;
            if isk {
                Insn::EqK { a, b, k: is_eq }
            } else {
                Insn::Eq {
                    a,
                    b: b as u8,
                    k: is_eq,
                }
            }
        };
        self.free_exps(e1, e2);
        e1.k = ExpKind::Jmp(self.cond_jump(insn, line) as usize);
        e1.t = NO_JUMP;
        e1.f = NO_JUMP;
        Ok(())
    }

    fn code_order(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: Line,
    ) -> CResult<()> {
        let lt = op == BinOp::Lt;
        let insn = if let Some((sb, float)) = Self::sc_number(e2) {
            let a = self.exp_to_any_reg(e1, line)?;
            if lt {
                Insn::LtI {
                    a,
                    sb,
                    k: true,
                    float,
                }
            } else {
                Insn::LeI {
                    a,
                    sb,
                    k: true,
                    float,
                }
            }
        } else if let Some((sb, float)) = Self::sc_number(e1) {
            let a = self.exp_to_any_reg(e2, line)?;
            if lt {
                Insn::GtI {
                    a,
                    sb,
                    k: true,
                    float,
                }
            } else {
                Insn::GeI {
                    a,
                    sb,
                    k: true,
                    float,
                }
            }
        } else {
            let a = self.exp_to_any_reg(e1, line)?;
            let b = self.exp_to_any_reg(e2, line)?;
            if lt {
                Insn::Lt { a, b, k: true }
            } else {
                Insn::Le { a, b, k: true }
            }
        };
        self.free_exps(e1, e2);
        e1.k = ExpKind::Jmp(self.cond_jump(insn, line) as usize);
        e1.t = NO_JUMP;
        e1.f = NO_JUMP;
        Ok(())
    }

    // ---------------------------------------------------------------- variables

    fn search_var(&self, level: usize, name: &str) -> Option<ExpKind> {
        let fs = &self.funcs[level];
        for i in (0..fs.nactvar).rev() {
            let v = &fs.actvar[i];
            if v.name == name {
                return Some(if v.kind == VarKind::CompileTimeConst {
                    ExpKind::Const(level, i)
                } else {
                    ExpKind::Local {
                        reg: v.reg,
                        vidx: i,
                    }
                });
            }
        }
        None
    }

    fn mark_upval(&mut self, level: usize, vidx: usize) {
        let fs = &mut self.funcs[level];
        let reg_level = fs.reg_level(vidx + 1);
        // Find the block the variable belongs to: the innermost block whose entry level is <= vidx.
        for bl in fs.blocks.iter_mut().rev() {
            if bl.nactvar <= vidx {
                bl.upval = true;
                break;
            }
        }
        let _ = reg_level;
        fs.need_close = true;
    }

    fn search_upvalue(&self, level: usize, name: &str) -> Option<u8> {
        self.funcs[level]
            .f
            .upvalues
            .iter()
            .position(|u| u.name == name)
            .map(|i| i as u8)
    }

    fn new_upvalue(&mut self, level: usize, name: &str, var: &ExpKind, line: Line) -> CResult<u8> {
        let n = self.funcs[level].f.upvalues.len();
        if n >= MAX_UPVALUES {
            // Report the limit for the function that overflowed.
            let ld = self.funcs[level].f.line_defined;
            let where_ = if ld == 0 {
                "main function".to_string()
            } else {
                format!("function at line {ld}")
            };
            return Err(self.error(
                line,
                format!("too many upvalues (limit is {MAX_UPVALUES}) in {where_}"),
            ));
        }
        let (in_stack, index, kind) = match *var {
            ExpKind::Local { reg, vidx } => (true, reg, self.funcs[level - 1].actvar[vidx].kind),
            ExpKind::Upval(i) => (false, i, self.funcs[level - 1].upval_kinds[i as usize]),
            _ => unreachable!(),
        };
        let fs = &mut self.funcs[level];
        fs.f.upvalues.push(UpvalueDesc {
            name: name.to_string(),
            in_stack,
            index,
        });
        fs.upval_kinds.push(kind);
        Ok(n as u8)
    }

    /// Resolves `name` at function `level`: local, upvalue, or `None` for a global.
    fn single_var_aux(
        &mut self,
        level: usize,
        name: &str,
        base: bool,
        line: Line,
    ) -> CResult<Option<ExpKind>> {
        if let Some(v) = self.search_var(level, name) {
            if let ExpKind::Local { vidx, .. } = v
                && !base
            {
                self.mark_upval(level, vidx);
            }
            return Ok(Some(v));
        }
        if let Some(idx) = self.search_upvalue(level, name) {
            return Ok(Some(ExpKind::Upval(idx)));
        }
        if level == 0 {
            return Ok(None);
        }
        match self.single_var_aux(level - 1, name, false, line)? {
            Some(v @ (ExpKind::Local { .. } | ExpKind::Upval(_))) => {
                let idx = self.new_upvalue(level, name, &v, line)?;
                Ok(Some(ExpKind::Upval(idx)))
            }
            other => Ok(other),
        }
    }

    fn single_var(&mut self, name: &str, line: Line) -> CResult<ExpDesc> {
        let level = self.funcs.len() - 1;
        if let Some(k) = self.single_var_aux(level, name, true, line)? {
            return Ok(ExpDesc::new(k));
        }
        let env = self
            .single_var_aux(level, "_ENV", true, line)?
            .expect("_ENV is always visible");
        let mut var = ExpDesc::new(env);
        self.exp_to_any_reg_up(&mut var, line)?;
        let mut key = ExpDesc::new(ExpKind::KStr(Rc::from(name.as_bytes())));
        self.indexed(&mut var, &mut key, line)?;
        Ok(var)
    }

    fn check_readonly(&self, e: &ExpDesc, line: Line) -> CResult<()> {
        let fs = self.fsr();
        let name = match e.k {
            ExpKind::Const(level, i) => Some(&self.funcs[level].actvar[i].name),
            ExpKind::Local { vidx, .. } => {
                let v = &fs.actvar[vidx];
                (v.kind != VarKind::Regular).then_some(&v.name)
            }
            ExpKind::Upval(i) => (fs.upval_kinds[i as usize] != VarKind::Regular)
                .then(|| &fs.f.upvalues[i as usize].name),
            _ => None,
        };
        match name {
            Some(n) => Err(self.error(line, format!("attempt to assign to const variable '{n}'"))),
            None => Ok(()),
        }
    }

    fn new_localvar(&mut self, name: &str, line: Line) -> CResult<usize> {
        let fs = self.fsr();
        if fs.actvar_n + 1 > MAX_VARS {
            return Err(self.error_limit(MAX_VARS, "local variables", line));
        }
        let fs = self.fs();
        // Entries past `actvar_n` are dead variables, kept (like PUC-Rio's) because pending
        // gotos still measure register levels with them; a new variable overwrites them.
        fs.actvar.truncate(fs.actvar_n);
        fs.actvar_n += 1;
        fs.actvar.push(VarDesc {
            name: name.to_string(),
            kind: VarKind::Regular,
            reg: 0,
            pidx: None,
            value: None,
        });
        Ok(fs.actvar_n - 1)
    }

    fn adjust_local_vars(&mut self, nvars: usize) {
        let fs = self.fs();
        let first_reg = fs.nvarstack();
        for reg_level in first_reg..first_reg + nvars {
            let vidx = fs.nactvar;
            fs.nactvar += 1;
            let pc = fs.pc() as u32;
            let v = &mut fs.actvar[vidx];
            v.reg = reg_level as u8;
            fs.f.local_vars.push(LocalVarInfo {
                name: v.name.clone(),
                start_pc: pc,
                end_pc: pc,
            });
            v.pidx = Some(fs.f.local_vars.len() - 1);
        }
    }

    fn remove_vars(&mut self, to_level: usize) {
        let fs = self.fs();
        let pc = fs.pc() as u32;
        while fs.nactvar > to_level {
            fs.nactvar -= 1;
            if let Some(p) = fs.actvar[fs.nactvar].pidx {
                fs.f.local_vars[p].end_pc = pc;
            }
        }
        fs.actvar_n = to_level;
    }

    // ---------------------------------------------------------------- blocks & gotos

    fn enter_block(&mut self, is_loop: bool) {
        let fs = self.fs();
        let inside_tbc = fs.blocks.last().is_some_and(|b| b.inside_tbc);
        fs.blocks.push(BlockCnt {
            first_label: fs.labels.len(),
            first_goto: fs.gotos.len(),
            nactvar: fs.nactvar,
            upval: false,
            is_loop,
            inside_tbc,
        });
        debug_assert_eq!(fs.free_reg, fs.nvarstack());
    }

    fn leave_block(&mut self, line: Line) -> CResult<()> {
        let (bl_nactvar, is_loop, upval, first_label, has_prev) = {
            let fs = self.fsr();
            let bl = fs.blocks.last().unwrap();
            (
                bl.nactvar,
                bl.is_loop,
                bl.upval,
                bl.first_label,
                fs.blocks.len() > 1,
            )
        };
        let stklevel = self.fsr().reg_level(bl_nactvar);
        self.remove_vars(bl_nactvar);
        let mut has_close = false;
        if is_loop {
            has_close = self.create_label("break", 0, false, line)?;
        }
        if !has_close && has_prev && upval {
            self.emit(Insn::Close { a: stklevel as u8 }, line);
        }
        let fs = self.fs();
        fs.free_reg = stklevel;
        fs.labels.truncate(first_label);
        let bl = fs.blocks.pop().unwrap();
        if has_prev {
            self.move_gotos_out(&bl);
        } else if bl.first_goto < self.fsr().gotos.len() {
            let gt = self.fsr().gotos[bl.first_goto].clone();
            return Err(self.undef_goto(&gt, line));
        }
        Ok(())
    }

    fn undef_goto(&self, gt: &LabelDesc, line: Line) -> CompileError {
        if gt.name == "break" {
            self.error(line, format!("break outside loop at line {}", gt.line))
        } else {
            self.error(
                line,
                format!(
                    "no visible label '{}' for <goto> at line {}",
                    gt.name, gt.line
                ),
            )
        }
    }

    fn move_gotos_out(&mut self, bl: &BlockCnt) {
        let fs = self.fs();
        let bl_level = fs.reg_level(bl.nactvar);
        for i in bl.first_goto..fs.gotos.len() {
            let gt_level = fs.reg_level(fs.gotos[i].nactvar.min(fs.actvar.len()));
            let gt = &mut fs.gotos[i];
            if gt_level > bl_level {
                gt.close |= bl.upval;
            }
            gt.nactvar = bl.nactvar;
        }
    }

    fn find_label(&self, name: &str) -> Option<LabelDesc> {
        self.fsr().labels.iter().find(|l| l.name == name).cloned()
    }

    fn solve_goto(&mut self, g: usize, label: &LabelDesc) -> CResult<()> {
        let gt = self.fsr().gotos[g].clone();
        if gt.nactvar < label.nactvar {
            let varname = self.fsr().actvar[gt.nactvar].name.clone();
            return Err(self.error(
                gt.line,
                format!(
                    "<goto {}> at line {} jumps into the scope of local '{}'",
                    gt.name, gt.line, varname
                ),
            ));
        }
        self.patch_list(gt.pc as i32, label.pc);
        self.fs().gotos.remove(g);
        Ok(())
    }

    fn solve_gotos(&mut self, lb: &LabelDesc) -> CResult<bool> {
        let mut i = self.fsr().blocks.last().unwrap().first_goto;
        let mut needs_close = false;
        while i < self.fsr().gotos.len() {
            if self.fsr().gotos[i].name == lb.name {
                needs_close |= self.fsr().gotos[i].close;
                self.solve_goto(i, lb)?;
            } else {
                i += 1;
            }
        }
        Ok(needs_close)
    }

    fn create_label(
        &mut self,
        name: &str,
        line: Line,
        last: bool,
        cur_line: Line,
    ) -> CResult<bool> {
        let pc = self.get_label();
        let fs = self.fs();
        let nactvar = if last {
            fs.blocks.last().unwrap().nactvar
        } else {
            fs.nactvar
        };
        let lb = LabelDesc {
            name: name.to_string(),
            pc,
            line,
            nactvar,
            close: false,
        };
        fs.labels.push(lb.clone());
        if self.solve_gotos(&lb)? {
            let a = self.fsr().nvarstack() as u8;
            self.emit(Insn::Close { a }, cur_line);
            return Ok(true);
        }
        Ok(false)
    }

    fn new_goto(&mut self, name: &str, line: Line, pc: i32) {
        let fs = self.fs();
        let nactvar = fs.nactvar;
        fs.gotos.push(LabelDesc {
            name: name.to_string(),
            pc: pc as usize,
            line,
            nactvar,
            close: false,
        });
    }

    fn mark_to_be_closed(&mut self) {
        let fs = self.fs();
        let bl = fs.blocks.last_mut().unwrap();
        bl.upval = true;
        bl.inside_tbc = true;
        fs.need_close = true;
    }

    // ---------------------------------------------------------------- functions

    fn main_function(&mut self, chunk: &ast::Chunk) -> CResult<FunctionProto> {
        let mut fs = FuncState::new(0, self.source.clone());
        fs.f.is_vararg = true;
        fs.f.upvalues.push(UpvalueDesc {
            name: "_ENV".into(),
            in_stack: true,
            index: 0,
        });
        fs.upval_kinds.push(VarKind::Regular);
        self.funcs.push(fs);
        self.enter_block(false);
        self.emit(Insn::VarargPrep { a: 0 }, 0);
        self.block_body(&chunk.block, false)?;
        self.close_function(chunk.last_line)
    }

    fn close_function(&mut self, last_line: Line) -> CResult<FunctionProto> {
        let first = self.fsr().nvarstack() as u8;
        self.ret(first, 0, last_line);
        self.leave_block(last_line)?;
        let mut fs = self.funcs.pop().unwrap();
        Self::finish(&mut fs);
        fs.f.last_line_defined = last_line;
        Ok(fs.f)
    }

    /// Final pass: jumps to jumps go straight to their final target.
    fn finish(fs: &mut FuncState) {
        for i in 0..fs.f.code.len() {
            if let Insn::Jmp { sj } = fs.f.code[i] {
                let mut target = (i as i32 + 1 + sj) as usize;
                for _ in 0..100 {
                    match fs.f.code.get(target) {
                        Some(Insn::Jmp { sj }) => target = (target as i32 + 1 + sj) as usize,
                        _ => break,
                    }
                }
                fs.f.code[i] = Insn::Jmp {
                    sj: target as i32 - (i as i32 + 1),
                };
            }
        }
    }

    fn ret(&mut self, first: u8, nret: i32, line: Line) {
        let insn = match nret {
            0 => Insn::Return0,
            1 => Insn::Return1 { a: first },
            _ => Insn::Return {
                a: first,
                b: (nret + 1) as u8,
            },
        };
        self.emit(insn, line);
    }

    fn function_body(&mut self, body: &FunctionBody, e: &mut ExpDesc) -> CResult<()> {
        let mut fs = FuncState::new(body.line, self.source.clone());
        fs.f.is_vararg = body.is_vararg;
        self.funcs.push(fs);
        self.enter_block(false);
        let mut nparams = 0;
        if body.is_method {
            self.new_localvar("self", body.line)?;
            self.adjust_local_vars(1);
            nparams += 1;
        }
        for p in &body.params {
            self.new_localvar(p, body.line)?;
            nparams += 1;
        }
        self.adjust_local_vars(body.params.len());
        self.fs().f.num_params = nparams as u8;
        if body.is_vararg {
            self.emit(Insn::VarargPrep { a: nparams as u8 }, body.line);
        }
        self.reserve_regs(nparams, body.line)?;
        self.block_body(&body.block, false)?;
        let proto = self.close_function(body.last_line)?;
        let fs = self.fs();
        fs.f.protos.push(Rc::new(proto));
        let bx = (fs.f.protos.len() - 1) as u32;
        *e = ExpDesc::new(ExpKind::Reloc(
            self.emit(Insn::Closure { a: 0, bx }, body.line),
        ));
        self.exp_to_next_reg(e, body.line)
    }

    // ---------------------------------------------------------------- statements

    /// Compiles a block's statements and return (without entering a scope).
    fn block_body(&mut self, block: &Block, in_repeat: bool) -> CResult<()> {
        let n = block.stats.len();
        for (i, stat) in block.stats.iter().enumerate() {
            if let Stat::Label { name, line } = stat {
                // A label is "last" when only labels follow it in a block that ends at
                // `end`/`else`/EOF (not `until`, not `return`): then locals are already out of scope.
                let last = !in_repeat
                    && block.ret.is_none()
                    && block.stats[i + 1..n]
                        .iter()
                        .all(|s| matches!(s, Stat::Label { .. }));
                if let Some(prev) = self.find_label(name) {
                    return Err(self.error(
                        *line,
                        format!("label '{}' already defined on line {}", name, prev.line),
                    ));
                }
                self.create_label(name, *line, last, *line)?;
            } else {
                self.statement(stat)?;
            }
            let fs = self.fs();
            debug_assert!(fs.f.max_stack as usize >= fs.free_reg);
            fs.free_reg = fs.nvarstack();
        }
        if let Some(r) = &block.ret {
            self.ret_stat(r)?;
        }
        Ok(())
    }

    fn block(&mut self, block: &Block, end_line: Line) -> CResult<()> {
        self.enter_block(false);
        self.block_body(block, false)?;
        self.leave_block(end_line)
    }

    fn statement(&mut self, stat: &Stat) -> CResult<()> {
        match stat {
            Stat::Call(e) => {
                let line = expr_line(e);
                let mut v = ExpDesc::new(ExpKind::Void);
                self.expr(e, &mut v)?;
                if let ExpKind::Call(pc) = v.k
                    && let Insn::Call { c, .. } = &mut self.fs().f.code[pc]
                {
                    *c = 1;
                } else {
                    return Err(self.error(line, "syntax error"));
                }
            }
            Stat::Local { names, exprs, line } => self.local_stat(names, exprs, *line)?,
            Stat::Assign {
                targets,
                exprs,
                line,
            } => self.assign_stat(targets, exprs, *line)?,
            Stat::Do(b) => {
                let line = block_last_line(b);
                self.block(b, line)?
            }
            Stat::While { cond, block, line } => {
                let init = self.get_label();
                let exit = self.cond(cond, *line)?;
                self.enter_block(true);
                self.block(block, *line)?;
                let j = self.jump(*line);
                self.patch_list(j, init);
                self.leave_block(*line)?;
                self.patch_to_here(exit);
            }
            Stat::Repeat { block, cond, line } => {
                let init = self.get_label();
                self.enter_block(true);
                self.enter_block(false);
                self.block_body(block, true)?;
                let mut exit = self.cond(cond, *line)?;
                let (upval, nactvar) = {
                    let bl = self.fsr().blocks.last().unwrap();
                    (bl.upval, bl.nactvar)
                };
                self.leave_block(*line)?;
                if upval {
                    let normal_exit = self.jump(*line);
                    self.patch_to_here(exit);
                    let a = self.fsr().reg_level(nactvar) as u8;
                    self.emit(Insn::Close { a }, *line);
                    exit = self.jump(*line);
                    self.patch_to_here(normal_exit);
                }
                self.patch_list(exit, init);
                self.leave_block(*line)?;
            }
            Stat::If {
                conds,
                else_block,
                line,
            } => {
                let mut escape = NO_JUMP;
                let n = conds.len();
                for (i, (c, b)) in conds.iter().enumerate() {
                    let more = i + 1 < n || else_block.is_some();
                    self.test_then_block(c, b, more, &mut escape, *line)?;
                }
                if let Some(b) = else_block {
                    self.block(b, *line)?;
                }
                self.patch_to_here(escape);
            }
            Stat::NumericFor {
                var,
                start,
                limit,
                step,
                block,
                line,
            } => {
                self.enter_block(true);
                let base = self.fsr().free_reg;
                for _ in 0..3 {
                    self.new_localvar("(for state)", *line)?;
                }
                self.new_localvar(var, *line)?;
                self.exp1(start)?;
                self.exp1(limit)?;
                if let Some(s) = step {
                    self.exp1(s)?;
                } else {
                    let r = self.fsr().free_reg as u8;
                    self.code_int(r, 1, *line)?;
                    self.reserve_regs(1, *line)?;
                }
                self.adjust_local_vars(3);
                self.for_body(base, *line, 1, false, block)?;
                self.leave_block(*line)?;
            }
            Stat::GenericFor {
                names,
                exprs,
                block,
                line,
            } => {
                self.enter_block(true);
                let base = self.fsr().free_reg;
                for _ in 0..4 {
                    self.new_localvar("(for state)", *line)?;
                }
                for n in names {
                    self.new_localvar(n, *line)?;
                }
                let mut e = ExpDesc::new(ExpKind::Void);
                let nexps = self.expr_list(exprs, &mut e)?;
                self.adjust_assign(4, nexps, &mut e, *line)?;
                self.adjust_local_vars(4);
                self.mark_to_be_closed();
                self.check_stack(3, *line)?;
                self.for_body(base, *line, names.len(), true, block)?;
                self.leave_block(*line)?;
            }
            Stat::Function {
                path,
                method,
                func,
                line,
            } => {
                let mut v = self.single_var(&path[0], *line)?;
                let mut keys: Vec<&str> = path[1..].iter().map(|s| s.as_str()).collect();
                if let Some(m) = method {
                    keys.push(m);
                }
                for k in keys {
                    self.exp_to_any_reg_up(&mut v, *line)?;
                    let mut key = ExpDesc::new(ExpKind::KStr(Rc::from(k.as_bytes())));
                    self.indexed(&mut v, &mut key, *line)?;
                }
                let mut b = ExpDesc::new(ExpKind::Void);
                self.function_body(func, &mut b)?;
                self.check_readonly(&v, *line)?;
                self.store_var(&v, &mut b, *line)?;
                self.fix_line(*line);
            }
            Stat::LocalFunction { name, func, line } => {
                let fvar = self.fsr().nactvar;
                self.new_localvar(name, *line)?;
                self.adjust_local_vars(1);
                let mut b = ExpDesc::new(ExpKind::Void);
                self.function_body(func, &mut b)?;
                let fs = self.fs();
                let pc = fs.pc() as u32;
                if let Some(p) = fs.actvar[fvar].pidx {
                    fs.f.local_vars[p].start_pc = pc;
                }
            }
            Stat::Break { line } => {
                let j = self.jump(*line);
                self.new_goto("break", *line, j);
            }
            Stat::Goto { label, line } => match self.find_label(label) {
                None => {
                    let j = self.jump(*line);
                    self.new_goto(label, *line, j);
                }
                Some(lb) => {
                    let lblevel = self.fsr().reg_level(lb.nactvar);
                    if self.fsr().nvarstack() > lblevel {
                        self.emit(Insn::Close { a: lblevel as u8 }, *line);
                    }
                    let j = self.jump(*line);
                    self.patch_list(j, lb.pc);
                }
            },
            Stat::Label { .. } => unreachable!("labels are handled by block_body"),
        }
        Ok(())
    }

    fn exp1(&mut self, e: &Expr) -> CResult<()> {
        let mut v = ExpDesc::new(ExpKind::Void);
        self.expr(e, &mut v)?;
        self.exp_to_next_reg(&mut v, expr_line(e))
    }

    /// `cond`: returns the false-exit list.
    fn cond(&mut self, e: &Expr, line: Line) -> CResult<i32> {
        let mut v = ExpDesc::new(ExpKind::Void);
        self.expr(e, &mut v)?;
        if v.k == ExpKind::Nil {
            v.k = ExpKind::False;
        }
        self.go_if_true(&mut v, line)?;
        Ok(v.f)
    }

    fn test_then_block(
        &mut self,
        cond: &Expr,
        block: &Block,
        followed: bool,
        escape: &mut i32,
        line: Line,
    ) -> CResult<()> {
        let mut v = ExpDesc::new(ExpKind::Void);
        self.expr(cond, &mut v)?;
        let jf;
        if let Some(Stat::Break { line: bline }) = block.stats.first() {
            self.go_if_false(&mut v, line)?;
            self.enter_block(false);
            self.new_goto("break", *bline, v.t);
            if block.stats.len() == 1 && block.ret.is_none() {
                self.leave_block(line)?;
                return Ok(());
            }
            jf = self.jump(line);
            let rest = Block {
                stats: block.stats[1..].to_vec(),
                ret: block.ret.clone(),
            };
            self.block_body(&rest, false)?;
        } else {
            self.go_if_true(&mut v, line)?;
            self.enter_block(false);
            jf = v.f;
            self.block_body(block, false)?;
        }
        self.leave_block(line)?;
        if followed {
            let j = self.jump(line);
            self.concat_jumps(escape, j);
        }
        self.patch_to_here(jf);
        Ok(())
    }

    fn for_body(
        &mut self,
        base: usize,
        line: Line,
        nvars: usize,
        generic: bool,
        block: &Block,
    ) -> CResult<()> {
        let prep = if generic {
            self.emit(
                Insn::TForPrep {
                    a: base as u8,
                    bx: 0,
                },
                line,
            )
        } else {
            self.emit(
                Insn::ForPrep {
                    a: base as u8,
                    bx: 0,
                },
                line,
            )
        };
        self.enter_block(false);
        self.adjust_local_vars(nvars);
        self.reserve_regs(nvars, line)?;
        self.block_body(block, false)?;
        self.leave_block(line)?;
        let here = self.get_label();
        let off = (here - (prep + 1)) as u32;
        match &mut self.fs().f.code[prep] {
            Insn::TForPrep { bx, .. } | Insn::ForPrep { bx, .. } => *bx = off,
            _ => unreachable!(),
        }
        if generic {
            self.emit(
                Insn::TForCall {
                    a: base as u8,
                    c: nvars as u8,
                },
                line,
            );
        }
        let endfor = self.fsr().pc();
        let back = (endfor + 1 - (prep + 1)) as u32;
        if generic {
            self.emit(
                Insn::TForLoop {
                    a: base as u8,
                    bx: back,
                },
                line,
            );
        } else {
            self.emit(
                Insn::ForLoop {
                    a: base as u8,
                    bx: back,
                },
                line,
            );
        }
        Ok(())
    }

    fn local_stat(&mut self, names: &[ast::LocalName], exprs: &[Expr], line: Line) -> CResult<()> {
        let mut to_close: Option<usize> = None;
        let mut e = ExpDesc::new(ExpKind::Void);
        // Evaluate first: the new names are not in scope in their own initialisers.
        let nexps = self.expr_list(exprs, &mut e)?;
        let first_vidx = self.fsr().actvar_n;
        for (i, n) in names.iter().enumerate() {
            let vidx = self.new_localvar(&n.name, line)?;
            self.fs().actvar[vidx].kind = match n.attrib {
                Attrib::None => VarKind::Regular,
                Attrib::Const => VarKind::Const,
                Attrib::Close => {
                    if to_close.is_some() {
                        return Err(
                            self.error(line, "multiple to-be-closed variables in local list")
                        );
                    }
                    to_close = Some(self.fsr().nactvar + i);
                    VarKind::Close
                }
            };
        }
        let nvars = names.len();
        let last = first_vidx + nvars - 1;
        if nvars == nexps
            && self.fsr().actvar[last].kind == VarKind::Const
            && let Some(v) = self.exp_to_const(&e)
        {
            let fs = self.fs();
            fs.actvar[last].kind = VarKind::CompileTimeConst;
            fs.actvar[last].value = Some(v);
            self.adjust_local_vars(nvars - 1);
            self.fs().nactvar += 1;
        } else {
            self.adjust_assign(nvars, nexps, &mut e, line)?;
            self.adjust_local_vars(nvars);
        }
        if let Some(level) = to_close {
            self.mark_to_be_closed();
            let a = self.fsr().reg_level(level) as u8;
            self.emit(Insn::Tbc { a }, line);
        }
        Ok(())
    }

    fn exp_to_const(&self, e: &ExpDesc) -> Option<ConstVal> {
        if e.has_jumps() {
            return None;
        }
        match &e.k {
            ExpKind::False => Some(ConstVal::Bool(false)),
            ExpKind::True => Some(ConstVal::Bool(true)),
            ExpKind::Nil => Some(ConstVal::Nil),
            ExpKind::KStr(s) => Some(ConstVal::Str(s.clone())),
            ExpKind::Const(level, i) => self.funcs[*level].actvar[*i].value.clone(),
            ExpKind::KInt(i) => Some(ConstVal::Int(*i)),
            ExpKind::KFlt(f) => Some(ConstVal::Float(*f)),
            _ => None,
        }
    }

    fn adjust_assign(
        &mut self,
        nvars: usize,
        nexps: usize,
        e: &mut ExpDesc,
        line: Line,
    ) -> CResult<()> {
        let needed = nvars as i32 - nexps as i32;
        if e.is_multi() {
            let extra = (needed + 1).max(0);
            self.set_returns(e, extra, line)?;
        } else {
            if e.k != ExpKind::Void {
                self.exp_to_next_reg(e, line)?;
            }
            if needed > 0 {
                let fr = self.fsr().free_reg;
                self.code_nil(fr, needed as usize, line);
            }
        }
        if needed > 0 {
            self.reserve_regs(needed as usize, line)?;
        } else {
            let fs = self.fs();
            fs.free_reg = (fs.free_reg as i32 + needed) as usize;
        }
        Ok(())
    }

    /// Evaluates an expression list: all but the last go to consecutive registers; the last is
    /// left in `e`. Returns the number of expressions.
    fn expr_list(&mut self, exprs: &[Expr], e: &mut ExpDesc) -> CResult<usize> {
        for (i, x) in exprs.iter().enumerate() {
            if i > 0 {
                self.exp_to_next_reg(e, expr_line(&exprs[i - 1]))?;
            }
            *e = ExpDesc::new(ExpKind::Void);
            self.expr(x, e)?;
        }
        Ok(exprs.len())
    }

    fn assign_stat(&mut self, targets: &[Expr], exprs: &[Expr], line: Line) -> CResult<()> {
        let mut lhs: Vec<ExpDesc> = Vec::with_capacity(targets.len());
        for t in targets {
            let mut v = ExpDesc::new(ExpKind::Void);
            self.expr(t, &mut v)?;
            if !v.is_var() {
                return Err(self.error(line, "syntax error"));
            }
            self.check_readonly(&v, line)?;
            if !lhs.is_empty() && !v.is_indexed() {
                self.check_conflict(&mut lhs, &v, line)?;
            }
            lhs.push(v);
        }
        let mut e = ExpDesc::new(ExpKind::Void);
        let nexps = self.expr_list(exprs, &mut e)?;
        let nvars = lhs.len();
        let mut iter = lhs.iter().rev();
        if nexps != nvars {
            self.adjust_assign(nvars, nexps, &mut e, line)?;
        } else {
            self.set_one_ret(&mut e);
            let last = iter.next().unwrap();
            self.store_var(last, &mut e, line)?;
        }
        for var in iter {
            let r = (self.fsr().free_reg - 1) as u8;
            let mut e = ExpDesc::new(ExpKind::NonReloc(r));
            self.store_var(var, &mut e, line)?;
        }
        Ok(())
    }

    fn check_conflict(&mut self, lhs: &mut [ExpDesc], v: &ExpDesc, line: Line) -> CResult<()> {
        let extra = self.fsr().free_reg as u8;
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match lh.k {
                ExpKind::IndexUp { t, idx } => {
                    if let ExpKind::Upval(u) = v.k
                        && t == u
                    {
                        conflict = true;
                        lh.k = ExpKind::IndexStr { t: extra, idx };
                    }
                }
                ExpKind::Indexed { t, idx } => {
                    if let ExpKind::Local { reg, .. } = v.k {
                        let nt = if t == reg {
                            conflict = true;
                            extra
                        } else {
                            t
                        };
                        let ni = if idx == reg {
                            conflict = true;
                            extra
                        } else {
                            idx
                        };
                        lh.k = ExpKind::Indexed { t: nt, idx: ni };
                    }
                }
                ExpKind::IndexInt { t, idx } => {
                    if let ExpKind::Local { reg, .. } = v.k
                        && t == reg
                    {
                        conflict = true;
                        lh.k = ExpKind::IndexInt { t: extra, idx };
                    }
                }
                ExpKind::IndexStr { t, idx } => {
                    if let ExpKind::Local { reg, .. } = v.k
                        && t == reg
                    {
                        conflict = true;
                        lh.k = ExpKind::IndexStr { t: extra, idx };
                    }
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                ExpKind::Local { reg, .. } => {
                    self.emit(Insn::Move { a: extra, b: reg }, line);
                }
                ExpKind::Upval(b) => {
                    self.emit(Insn::GetUpval { a: extra, b }, line);
                }
                _ => unreachable!(),
            }
            self.reserve_regs(1, line)?;
        }
        Ok(())
    }

    fn ret_stat(&mut self, r: &ast::Return) -> CResult<()> {
        let line = r.line;
        let mut first = self.fsr().nvarstack() as u8;
        let nret: i32;
        if r.exprs.is_empty() {
            nret = 0;
        } else {
            let mut e = ExpDesc::new(ExpKind::Void);
            let n = self.expr_list(&r.exprs, &mut e)?;
            if e.is_multi() {
                self.set_multret(&e, line)?;
                if let ExpKind::Call(pc) = e.k
                    && n == 1
                    && !self.fsr().blocks.last().unwrap().inside_tbc
                    && let Insn::Call { a, b, .. } = self.fsr().f.code[pc]
                {
                    self.fs().f.code[pc] = Insn::TailCall { a, b };
                }
                nret = -1;
            } else if n == 1 {
                first = self.exp_to_any_reg(&mut e, line)?;
                nret = 1;
            } else {
                self.exp_to_next_reg(&mut e, line)?;
                nret = n as i32;
            }
        }
        self.ret(first, nret, line);
        Ok(())
    }

    // ---------------------------------------------------------------- expressions

    fn expr(&mut self, e: &Expr, v: &mut ExpDesc) -> CResult<()> {
        match e {
            Expr::Nil => *v = ExpDesc::new(ExpKind::Nil),
            Expr::True => *v = ExpDesc::new(ExpKind::True),
            Expr::False => *v = ExpDesc::new(ExpKind::False),
            Expr::Integer(i) => *v = ExpDesc::new(ExpKind::KInt(*i)),
            Expr::Float(f) => *v = ExpDesc::new(ExpKind::KFlt(*f)),
            Expr::String(s) => *v = ExpDesc::new(ExpKind::KStr(Rc::from(s.as_slice()))),
            Expr::Vararg { line } => {
                if !self.fsr().f.is_vararg {
                    return Err(self.error(
                        *line,
                        "cannot use '...' outside a vararg function near '...'",
                    ));
                }
                *v = ExpDesc::new(ExpKind::Vararg(
                    self.emit(Insn::Vararg { a: 0, c: 1 }, *line),
                ));
            }
            Expr::Function(body) => self.function_body(body, v)?,
            Expr::Table { fields, line } => self.constructor(fields, *line, v)?,
            Expr::BinOp { .. } => {
                // A left-associative chain nests on its left as deep as it is long (the parser
                // does not bound it, like PUC's loop in `subexpr`): walk its left spine with a
                // loop, then apply the operators innermost first, as recursion would.
                let mut spine = Vec::new();
                let mut first = e;
                while let Expr::BinOp { op, lhs, rhs, line } = first {
                    spine.push((*op, &**rhs, *line));
                    first = lhs;
                }
                self.expr(first, v)?;
                for (op, rhs, line) in spine.into_iter().rev() {
                    self.infix(op, v, line)?;
                    let mut v2 = ExpDesc::new(ExpKind::Void);
                    self.expr(rhs, &mut v2)?;
                    self.posfix(op, v, &mut v2, line)?;
                }
            }
            Expr::UnOp { op, expr, line } => {
                self.expr(expr, v)?;
                self.prefix(*op, v, *line)?;
            }
            Expr::Name { name, line } => *v = self.single_var(name, *line)?,
            Expr::Index { .. } | Expr::Call { .. } | Expr::MethodCall { .. } => {
                // A suffix chain (`a.b.c`, `f()()`, `o:m():n()`) nests on its left as deep as it
                // is long, and PUC's `suffixedexp` loop does not bound it: walk the spine with a
                // loop, compile its head, then apply the suffixes innermost first.
                let mut spine = Vec::new();
                let mut head = e;
                loop {
                    match head {
                        Expr::Index { obj, .. } => {
                            spine.push(head);
                            head = obj;
                        }
                        Expr::Call { func, .. } => {
                            spine.push(head);
                            head = func;
                        }
                        Expr::MethodCall { obj, .. } => {
                            spine.push(head);
                            head = obj;
                        }
                        _ => break,
                    }
                }
                self.expr(head, v)?;
                for suffix in spine.into_iter().rev() {
                    self.suffix(suffix, v)?;
                }
            }
            Expr::Paren(inner) => {
                self.expr(inner, v)?;
                self.discharge_vars(v, expr_line(inner));
            }
        }
        Ok(())
    }

    /// Applies one suffix of a chain to `v`, the value of everything before it.
    fn suffix(&mut self, e: &Expr, v: &mut ExpDesc) -> CResult<()> {
        match e {
            Expr::Index { key, line, .. } => {
                self.exp_to_any_reg_up(v, *line)?;
                let mut k = ExpDesc::new(ExpKind::Void);
                self.expr(key, &mut k)?;
                self.exp_to_val(&mut k, *line)?;
                self.indexed(v, &mut k, *line)?;
            }
            Expr::Call { args, line, .. } => {
                self.exp_to_next_reg(v, *line)?;
                self.func_args(v, args, *line)?;
            }
            Expr::MethodCall {
                method, args, line, ..
            } => {
                let mut key = ExpDesc::new(ExpKind::KStr(Rc::from(method.as_bytes())));
                self.str_to_k(&mut key, *line)?;
                self.code_self(v, &mut key, *line)?;
                self.func_args(v, args, *line)?;
            }
            _ => unreachable!("suffix: not a suffix expression"),
        }
        Ok(())
    }

    fn func_args(&mut self, f: &mut ExpDesc, args: &[Expr], line: Line) -> CResult<()> {
        let mut a = ExpDesc::new(ExpKind::Void);
        if !args.is_empty() {
            self.expr_list(args, &mut a)?;
            if a.is_multi() {
                self.set_multret(&a, line)?;
            }
        }
        let base = match f.k {
            ExpKind::NonReloc(r) => r,
            _ => unreachable!("call: function not in a register"),
        };
        let nparams: i32 = if a.is_multi() {
            -1
        } else {
            if a.k != ExpKind::Void {
                self.exp_to_next_reg(&mut a, line)?;
            }
            self.fsr().free_reg as i32 - (base as i32 + 1)
        };
        let pc = self.emit(
            Insn::Call {
                a: base,
                b: (nparams + 1) as u8,
                c: 2,
            },
            line,
        );
        *f = ExpDesc::new(ExpKind::Call(pc));
        self.fs().free_reg = base as usize + 1;
        Ok(())
    }

    fn constructor(&mut self, fields: &[TableField], line: Line, t: &mut ExpDesc) -> CResult<()> {
        let pc = self.emit(Insn::NewTable { a: 0, b: 0, c: 0 }, line);
        let treg = self.fsr().free_reg as u8;
        *t = ExpDesc::new(ExpKind::NonReloc(treg));
        self.reserve_regs(1, line)?;
        let mut na: u32 = 0;
        let mut nh: u32 = 0;
        let mut to_store: u32 = 0;
        let mut pending = ExpDesc::new(ExpKind::Void);
        for field in fields {
            // close the previous list item
            if pending.k != ExpKind::Void {
                self.exp_to_next_reg(&mut pending, line)?;
                pending = ExpDesc::new(ExpKind::Void);
                if to_store == FIELDS_PER_FLUSH {
                    self.set_list(treg, na, to_store, line);
                    na += to_store;
                    to_store = 0;
                }
            }
            match field {
                TableField::Positional(e) => {
                    self.expr(e, &mut pending)?;
                    to_store += 1;
                }
                TableField::Named { name, value } => {
                    nh += 1;
                    self.rec_field(treg, None, name, value, line)?;
                }
                TableField::Keyed { key, value } => {
                    nh += 1;
                    self.rec_field(treg, Some(key), "", value, line)?;
                }
            }
        }
        if to_store > 0 {
            if pending.is_multi() {
                self.set_multret(&pending, line)?;
                self.set_list(treg, na, 0, line);
                // The open item's count is not known: size the array for the fixed ones.
                na += to_store - 1;
            } else {
                if pending.k != ExpKind::Void {
                    self.exp_to_next_reg(&mut pending, line)?;
                }
                self.set_list(treg, na, to_store, line);
                na += to_store;
            }
        }
        self.fs().f.code[pc] = Insn::NewTable {
            a: treg,
            b: nh.min(u16::MAX as u32) as u16,
            c: na,
        };
        Ok(())
    }

    /// `[key] = value` (or `name = value` when `key` is `None`). The registers the key and value
    /// use are released afterwards, so the level is taken before evaluating the key.
    fn rec_field(
        &mut self,
        treg: u8,
        key: Option<&Expr>,
        name: &str,
        value: &Expr,
        line: Line,
    ) -> CResult<()> {
        let reg = self.fsr().free_reg;
        let mut k = match key {
            Some(key) => {
                let mut k = ExpDesc::new(ExpKind::Void);
                self.expr(key, &mut k)?;
                self.exp_to_val(&mut k, line)?;
                k
            }
            None => ExpDesc::new(ExpKind::KStr(Rc::from(name.as_bytes()))),
        };
        let mut tab = ExpDesc::new(ExpKind::NonReloc(treg));
        self.indexed(&mut tab, &mut k, line)?;
        let mut val = ExpDesc::new(ExpKind::Void);
        self.expr(value, &mut val)?;
        self.store_var(&tab, &mut val, line)?;
        self.fs().free_reg = reg;
        Ok(())
    }

    fn set_list(&mut self, base: u8, nelems: u32, to_store: u32, line: Line) {
        self.emit(
            Insn::SetList {
                a: base,
                n: to_store as u8,
                c: nelems,
            },
            line,
        );
        self.fs().free_reg = base as usize + 1;
    }
}

fn expr_line(e: &Expr) -> Line {
    match e {
        Expr::Vararg { line }
        | Expr::Table { line, .. }
        | Expr::BinOp { line, .. }
        | Expr::UnOp { line, .. }
        | Expr::Name { line, .. }
        | Expr::Index { line, .. }
        | Expr::Call { line, .. }
        | Expr::MethodCall { line, .. } => *line,
        Expr::Function(f) => f.line,
        Expr::Paren(e) => expr_line(e),
        _ => 0,
    }
}

fn block_last_line(b: &Block) -> Line {
    if let Some(r) = &b.ret {
        return r.line;
    }
    b.stats.last().map_or(0, |s| match s {
        Stat::Local { line, .. }
        | Stat::Assign { line, .. }
        | Stat::While { line, .. }
        | Stat::Repeat { line, .. }
        | Stat::If { line, .. }
        | Stat::NumericFor { line, .. }
        | Stat::GenericFor { line, .. }
        | Stat::Function { line, .. }
        | Stat::LocalFunction { line, .. }
        | Stat::Break { line }
        | Stat::Goto { line, .. }
        | Stat::Label { line, .. } => *line,
        Stat::Call(e) => expr_line(e),
        Stat::Do(b) => block_last_line(b),
    })
}
