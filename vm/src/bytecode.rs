//! The instruction set and the compiled-function prototype.
//!
//! The design follows PUC-Rio Lua 5.4's register machine (lopcodes.h): the same operations and
//! operand meanings, so the compiler can use PUC's proven code-generation strategy and the
//! interpreter PUC's semantics. Differences, on purpose:
//! - instructions are a Rust enum (8 bytes) instead of packed 32-bit words: decoding is free and
//!   operands can be wider (constants up to 2^16 in `RK` operands, 2^32 in `LoadK`);
//! - arithmetic instructions carry their own metamethod fallback, so there is no `MMBIN*`;
//! - a `FunctionProto` is arena-free (`'static`, constants as plain data): one compilation can be
//!   loaded into several Lua states (`lua-load-per-thread`), and the compiler can be fuzzed alone.
//!
//! Conventions (as PUC-Rio): `R[x]` is register x of the current frame, `K[x]` constant x,
//! `RK(c)` is `K[c]` when the instruction's `k` flag is set and `R[c]` otherwise, `U[x]` upvalue x.
//! A conditional instruction (`Eq`, `Lt`, `Test`, ...) is always followed by a `Jmp`; when its
//! condition differs from `k` it skips that jump (`pc += 1`).
//! Jump offsets are relative to the instruction after the jump.

use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Insn {
    /// R[a] := R[b]
    Move {
        a: u8,
        b: u8,
    },
    /// R[a] := i (integer)
    LoadI {
        a: u8,
        i: i32,
    },
    /// R[a] := i as float
    LoadF {
        a: u8,
        i: i32,
    },
    /// R[a] := K[k]
    LoadK {
        a: u8,
        k: u32,
    },
    /// R[a] := false
    LoadFalse {
        a: u8,
    },
    /// R[a] := false; pc++
    LFalseSkip {
        a: u8,
    },
    /// R[a] := true
    LoadTrue {
        a: u8,
    },
    /// R[a], ..., R[a+n] := nil
    LoadNil {
        a: u8,
        n: u8,
    },
    /// R[a] := U[b]
    GetUpval {
        a: u8,
        b: u8,
    },
    /// U[b] := R[a]
    SetUpval {
        a: u8,
        b: u8,
    },
    /// R[a] := U[b][K[k]] (K[k] a string)
    GetTabUp {
        a: u8,
        b: u8,
        k: u16,
    },
    /// R[a] := R[b][R[c]]
    GetTable {
        a: u8,
        b: u8,
        c: u8,
    },
    /// R[a] := R[b][c]
    GetI {
        a: u8,
        b: u8,
        c: u8,
    },
    /// R[a] := R[b][K[k]] (K[k] a string)
    GetField {
        a: u8,
        b: u8,
        k: u16,
    },
    /// U[a][K[b]] := RK(c) (K[b] a string)
    SetTabUp {
        a: u8,
        b: u16,
        c: u16,
        k: bool,
    },
    /// R[a][R[b]] := RK(c)
    SetTable {
        a: u8,
        b: u8,
        c: u16,
        k: bool,
    },
    /// R[a][b] := RK(c)
    SetI {
        a: u8,
        b: u8,
        c: u16,
        k: bool,
    },
    /// R[a][K[b]] := RK(c) (K[b] a string)
    SetField {
        a: u8,
        b: u16,
        c: u16,
        k: bool,
    },
    /// R[a] := {} with room for `c` array items and `b` hash items
    NewTable {
        a: u8,
        b: u16,
        c: u32,
    },
    /// R[a+1] := R[b]; R[a] := R[b][RK(c)]
    SelfOp {
        a: u8,
        b: u8,
        c: u16,
        k: bool,
    },

    /// R[a] := R[b] + sc
    AddI {
        a: u8,
        b: u8,
        sc: i16,
    },
    /// R[a] := R[b] op K[k] (K[k] a number)
    AddK {
        a: u8,
        b: u8,
        k: u16,
    },
    SubK {
        a: u8,
        b: u8,
        k: u16,
    },
    MulK {
        a: u8,
        b: u8,
        k: u16,
    },
    ModK {
        a: u8,
        b: u8,
        k: u16,
    },
    PowK {
        a: u8,
        b: u8,
        k: u16,
    },
    DivK {
        a: u8,
        b: u8,
        k: u16,
    },
    IDivK {
        a: u8,
        b: u8,
        k: u16,
    },
    /// R[a] := R[b] op K[k] (K[k] an integer)
    BAndK {
        a: u8,
        b: u8,
        k: u16,
    },
    BOrK {
        a: u8,
        b: u8,
        k: u16,
    },
    BXorK {
        a: u8,
        b: u8,
        k: u16,
    },
    /// R[a] := R[b] >> sc
    ShrI {
        a: u8,
        b: u8,
        sc: i16,
    },
    /// R[a] := sc << R[b]
    ShlI {
        a: u8,
        b: u8,
        sc: i16,
    },
    /// R[a] := R[b] op R[c]
    Add {
        a: u8,
        b: u8,
        c: u8,
    },
    Sub {
        a: u8,
        b: u8,
        c: u8,
    },
    Mul {
        a: u8,
        b: u8,
        c: u8,
    },
    Mod {
        a: u8,
        b: u8,
        c: u8,
    },
    Pow {
        a: u8,
        b: u8,
        c: u8,
    },
    Div {
        a: u8,
        b: u8,
        c: u8,
    },
    IDiv {
        a: u8,
        b: u8,
        c: u8,
    },
    BAnd {
        a: u8,
        b: u8,
        c: u8,
    },
    BOr {
        a: u8,
        b: u8,
        c: u8,
    },
    BXor {
        a: u8,
        b: u8,
        c: u8,
    },
    Shl {
        a: u8,
        b: u8,
        c: u8,
    },
    Shr {
        a: u8,
        b: u8,
        c: u8,
    },

    /// R[a] := -R[b]
    Unm {
        a: u8,
        b: u8,
    },
    /// R[a] := ~R[b]
    BNot {
        a: u8,
        b: u8,
    },
    /// R[a] := not R[b]
    Not {
        a: u8,
        b: u8,
    },
    /// R[a] := #R[b]
    Len {
        a: u8,
        b: u8,
    },
    /// R[a] := R[a] .. ... .. R[a+n-1]
    Concat {
        a: u8,
        n: u8,
    },

    /// close upvalues and to-be-closed variables >= R[a]
    Close {
        a: u8,
    },
    /// mark R[a] as a to-be-closed variable
    Tbc {
        a: u8,
    },
    /// pc += sj
    Jmp {
        sj: i32,
    },
    /// if ((R[a] == R[b]) ~= k) then pc++
    Eq {
        a: u8,
        b: u8,
        k: bool,
    },
    Lt {
        a: u8,
        b: u8,
        k: bool,
    },
    Le {
        a: u8,
        b: u8,
        k: bool,
    },
    /// if ((R[a] == K[b]) ~= k) then pc++
    EqK {
        a: u8,
        b: u16,
        k: bool,
    },
    /// if ((R[a] op sb) ~= k) then pc++; `float` says the immediate came from a float literal
    /// (it matters only for error messages)
    EqI {
        a: u8,
        sb: i16,
        k: bool,
        float: bool,
    },
    LtI {
        a: u8,
        sb: i16,
        k: bool,
        float: bool,
    },
    LeI {
        a: u8,
        sb: i16,
        k: bool,
        float: bool,
    },
    GtI {
        a: u8,
        sb: i16,
        k: bool,
        float: bool,
    },
    GeI {
        a: u8,
        sb: i16,
        k: bool,
        float: bool,
    },
    /// if (not R[a] == k) then pc++
    Test {
        a: u8,
        k: bool,
    },
    /// if (not R[b] == k) then pc++ else R[a] := R[b]
    TestSet {
        a: u8,
        b: u8,
        k: bool,
    },

    /// R[a], ..., R[a+c-2] := R[a](R[a+1], ..., R[a+b-1]); b == 0: arguments up to the top;
    /// c == 0: all results, setting the top
    Call {
        a: u8,
        b: u8,
        c: u8,
    },
    /// return R[a](R[a+1], ..., R[a+b-1])
    TailCall {
        a: u8,
        b: u8,
    },
    /// return R[a], ..., R[a+b-2]; b == 0: up to the top
    Return {
        a: u8,
        b: u8,
    },
    Return0,
    Return1 {
        a: u8,
    },

    /// numeric loop step: update counters; if the loop continues, pc -= bx
    ForLoop {
        a: u8,
        bx: u32,
    },
    /// numeric loop preparation; if the loop does not run, pc += bx + 1
    ForPrep {
        a: u8,
        bx: u32,
    },
    /// create the to-be-closed upvalue of a generic for; pc += bx
    TForPrep {
        a: u8,
        bx: u32,
    },
    /// R[a+4], ..., R[a+3+c] := R[a](R[a+1], R[a+2])
    TForCall {
        a: u8,
        c: u8,
    },
    /// if R[a+4] ~= nil then { R[a+2] := R[a+4]; pc -= bx }
    TForLoop {
        a: u8,
        bx: u32,
    },

    /// R[a][c+i] := R[a+i], 1 <= i <= n; n == 0: up to the top
    SetList {
        a: u8,
        n: u8,
        c: u32,
    },
    /// R[a] := closure(protos[bx])
    Closure {
        a: u8,
        bx: u32,
    },
    /// R[a], ..., R[a+c-2] = vararg; c == 0: all of them, setting the top
    Vararg {
        a: u8,
        c: u8,
    },
    /// adjust the vararg parameters (first instruction of a vararg function)
    VarargPrep {
        a: u8,
    },
}

impl Insn {
    /// The register an instruction writes as its `a` operand, if it writes one (`SelfOp` also
    /// writes `a + 1`). The compiler uses it to relocate results, `debug` to trace names.
    pub fn target_mut(&mut self) -> Option<&mut u8> {
        use Insn::*;
        match self {
            Move { a, .. }
            | LoadI { a, .. }
            | LoadF { a, .. }
            | LoadK { a, .. }
            | LoadFalse { a }
            | LFalseSkip { a }
            | LoadTrue { a }
            | LoadNil { a, .. }
            | GetUpval { a, .. }
            | GetTabUp { a, .. }
            | GetTable { a, .. }
            | GetI { a, .. }
            | GetField { a, .. }
            | NewTable { a, .. }
            | SelfOp { a, .. }
            | AddI { a, .. }
            | AddK { a, .. }
            | SubK { a, .. }
            | MulK { a, .. }
            | ModK { a, .. }
            | PowK { a, .. }
            | DivK { a, .. }
            | IDivK { a, .. }
            | BAndK { a, .. }
            | BOrK { a, .. }
            | BXorK { a, .. }
            | ShrI { a, .. }
            | ShlI { a, .. }
            | Add { a, .. }
            | Sub { a, .. }
            | Mul { a, .. }
            | Mod { a, .. }
            | Pow { a, .. }
            | Div { a, .. }
            | IDiv { a, .. }
            | BAnd { a, .. }
            | BOr { a, .. }
            | BXor { a, .. }
            | Shl { a, .. }
            | Shr { a, .. }
            | Unm { a, .. }
            | BNot { a, .. }
            | Not { a, .. }
            | Len { a, .. }
            | Concat { a, .. }
            | TestSet { a, .. }
            | Closure { a, .. }
            | Vararg { a, .. } => Some(a),
            _ => None,
        }
    }

    pub fn target(mut self) -> Option<u8> {
        self.target_mut().copied()
    }
}

/// A constant of a function prototype.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Nil,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    String(Box<[u8]>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct UpvalueDesc {
    pub name: String,
    /// Whether the upvalue is a register of the enclosing function (else an upvalue of it).
    pub in_stack: bool,
    pub index: u8,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalVarInfo {
    pub name: String,
    /// First instruction where the variable is active.
    pub start_pc: u32,
    /// First instruction where the variable is dead.
    pub end_pc: u32,
}

/// A compiled function: everything but the runtime objects.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProto {
    pub code: Vec<Insn>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    pub constants: Vec<Constant>,
    pub protos: Vec<Rc<FunctionProto>>,
    pub upvalues: Vec<UpvalueDesc>,
    pub local_vars: Vec<LocalVarInfo>,
    pub num_params: u8,
    pub is_vararg: bool,
    /// Registers the function needs.
    pub max_stack: u8,
    /// The chunk name as given to `load` (`@file`, `=name`, or the source itself).
    pub source: Rc<[u8]>,
    pub line_defined: u32,
    pub last_line_defined: u32,
}

#[cfg(test)]
mod tests {
    #[test]
    fn insn_is_8_bytes() {
        assert_eq!(std::mem::size_of::<super::Insn>(), 8);
    }
}
