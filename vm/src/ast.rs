//! The abstract syntax tree the parser produces and the compiler consumes.
//!
//! Invariants:
//! - The tree is purely syntactic: names are not resolved (local/upvalue/global is the compiler's
//!   job), constant folding is not done here, and `goto`/label visibility is checked by the compiler.
//! - Every node that can raise a runtime error or start a call carries the source line the
//!   compiler must attach to the instructions it emits (PUC-Rio reports the line of the operator
//!   for binary operators, of the `(`/string/table argument for calls, of the `.`/`[` for indexing).
//! - Strings are bytes: Lua strings are not UTF-8.
//!
//! This module must never depend on the VM's runtime types (`Value`, the arena): the parser runs
//! without an arena, which is what lets the `compile` fuzz target and the tests run it alone.

/// Source line number, 1-based.
pub type Line = u32;

/// A whole chunk: the body of the main function, which is always vararg.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub block: Block,
    /// The line of the end of the chunk (for the implicit final `return`).
    pub last_line: Line,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub stats: Vec<Stat>,
    /// The optional final `return` statement.
    pub ret: Option<Return>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Return {
    pub exprs: Vec<Expr>,
    pub line: Line,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attrib {
    /// No attribute: an ordinary local.
    None,
    /// `<const>`
    Const,
    /// `<close>`
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocalName {
    pub name: String,
    pub attrib: Attrib,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stat {
    /// A function call used as a statement (`f(x)`, `o:m()`); the expression is always
    /// `Expr::Call` or `Expr::MethodCall`.
    Call(Expr),
    /// `local a <const>, b = e1, e2`
    Local {
        names: Vec<LocalName>,
        exprs: Vec<Expr>,
        line: Line,
    },
    /// `t1, t2 = e1, e2`; each target is `Expr::Name` or `Expr::Index`.
    Assign {
        targets: Vec<Expr>,
        exprs: Vec<Expr>,
        line: Line,
    },
    Do(Block),
    While {
        cond: Expr,
        block: Block,
        line: Line,
    },
    /// `repeat block until cond`: `cond` sees the block's locals.
    Repeat {
        block: Block,
        cond: Expr,
        line: Line,
    },
    /// `if c1 then b1 elseif c2 then b2 else b3 end`
    If {
        conds: Vec<(Expr, Block)>,
        else_block: Option<Block>,
        line: Line,
    },
    /// `for var = start, limit, step do block end`
    NumericFor {
        var: String,
        start: Expr,
        limit: Expr,
        step: Option<Expr>,
        block: Block,
        line: Line,
    },
    /// `for n1, n2 in e1, e2 do block end`
    GenericFor {
        names: Vec<String>,
        exprs: Vec<Expr>,
        block: Block,
        line: Line,
    },
    /// `function a.b.c:m() end` — `path` is `["a", "b", "c"]`, `method` is `Some("m")`.
    Function {
        path: Vec<String>,
        method: Option<String>,
        func: Box<FunctionBody>,
        line: Line,
    },
    /// `local function f() end`
    LocalFunction {
        name: String,
        func: Box<FunctionBody>,
        line: Line,
    },
    Break {
        line: Line,
    },
    Goto {
        label: String,
        line: Line,
    },
    Label {
        name: String,
        line: Line,
    },
}

/// A function's parameters and body, for `function` expressions and statements.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionBody {
    /// Named parameters, in order. For a method (`function a:m()`), the parser does NOT add
    /// `self`: `is_method` tells the compiler to.
    pub params: Vec<String>,
    pub is_method: bool,
    pub is_vararg: bool,
    pub block: Block,
    /// The line of the `function` keyword.
    pub line: Line,
    /// The line of the closing `end`.
    pub last_line: Line,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
    Pow,
    Concat,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-`
    Neg,
    /// `not`
    Not,
    /// `#`
    Len,
    /// `~`
    BNot,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableField {
    /// `[k] = v`
    Keyed { key: Expr, value: Expr },
    /// `name = v` (the key is the string `name`)
    Named { name: String, value: Expr },
    /// `v` (a positional item)
    Positional(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Nil,
    True,
    False,
    /// `...`
    Vararg {
        line: Line,
    },
    Integer(i64),
    Float(f64),
    String(Vec<u8>),
    Function(Box<FunctionBody>),
    Table {
        fields: Vec<TableField>,
        line: Line,
    },
    BinOp {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        /// The line of the operator token.
        line: Line,
    },
    UnOp {
        op: UnOp,
        expr: Box<Expr>,
        line: Line,
    },
    /// A plain name: resolved by the compiler to a local, an upvalue or `_ENV.name`.
    Name {
        name: String,
        line: Line,
    },
    /// `obj[key]`, and `obj.name` as `key = Expr::String(name)`.
    Index {
        obj: Box<Expr>,
        key: Box<Expr>,
        line: Line,
    },
    /// `func(args)`, `func "str"`, `func {table}`
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        line: Line,
    },
    /// `obj:method(args)`
    MethodCall {
        obj: Box<Expr>,
        method: String,
        args: Vec<Expr>,
        line: Line,
    },
    /// `(e)`: truncates a multi-value expression to one value, and is not an assignment target.
    Paren(Box<Expr>),
}

impl Drop for Expr {
    /// Left-associative operator chains (`1 + 1 + ... + 1`) and suffix chains (`a.b.c...`,
    /// `f()()...`) nest on their left as deep as they are long, which the parser does not bound
    /// (neither does PUC-Rio's): unlink the left spine iteratively, so dropping never recurses
    /// that deep. (Every other kind of nesting is bounded by the parser's level limit.)
    fn drop(&mut self) {
        let Some(left) = self.left_child() else {
            return;
        };
        let mut next = std::mem::replace(left, Expr::Nil);
        while let Some(left) = next.left_child() {
            let inner = std::mem::replace(left, Expr::Nil);
            // The node dropped here has a `Nil` left side: its own drop stays shallow.
            next = inner;
        }
    }
}

impl Expr {
    /// The child a chain nests through: an operator's left operand, a suffix's object.
    fn left_child(&mut self) -> Option<&mut Expr> {
        match self {
            Expr::BinOp { lhs, .. } => Some(lhs),
            Expr::Index { obj, .. } | Expr::MethodCall { obj, .. } => Some(obj),
            Expr::Call { func, .. } => Some(func),
            _ => None,
        }
    }
}

impl Expr {
    /// Whether this expression can produce several values (a call or `...`), when it is the last
    /// in a list and not parenthesised.
    pub fn is_multi(&self) -> bool {
        matches!(
            self,
            Expr::Call { .. } | Expr::MethodCall { .. } | Expr::Vararg { .. }
        )
    }
}
