//! Recursive-descent parser for Lua 5.4, modelled on PUC-Rio's `lparser.c` so that the same
//! inputs are rejected with the same messages. It only builds the syntax tree: scoping, constant
//! folding, `goto` resolution and `const` checks are the compiler's job.

use crate::ast::{
    Attrib, BinOp, Block, Chunk, Expr, FunctionBody, Line, LocalName, Return, Stat, TableField,
    UnOp,
};
use crate::lexer::{Lexer, Tok, Token, token2str};

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// The complete message as PUC-Rio formats it, including `chunkname:line:`.
    pub message: String,
    pub line: u32,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

type PResult<T> = Result<T, SyntaxError>;

/// PUC counts parser recursion against the C-call limit (`LUAI_MAXCCALLS`).
const MAX_C_LEVELS: u32 = 200;
/// C levels PUC has already used when `load` is called from Lua code; starting from here makes
/// the nesting depth at which we give up the same as `lua5.4`'s.
const BASE_C_LEVELS: u32 = 2;

/// Parses a chunk. A first line starting with `#` is skipped, as `luaL_loadfile` does.
pub fn parse(source: &[u8], chunk_name: &str) -> Result<Chunk, SyntaxError> {
    if source.first() == Some(&b'#') {
        // Keep the newline itself so line numbers stay right.
        let (pos, line) = match source.iter().position(|&b| b == b'\n') {
            Some(nl) => (nl, 1),
            // PUC substitutes a newline for the skipped line even when it is the only one.
            None => (source.len(), 2),
        };
        return Parser::new(Lexer::with_start(source, chunk_name, pos, line))?.chunk();
    }
    parse_no_shebang(source, chunk_name)
}

/// Parses a chunk exactly as `load` does for strings: a leading `#` is a syntax error.
pub fn parse_no_shebang(source: &[u8], chunk_name: &str) -> Result<Chunk, SyntaxError> {
    Parser::new(Lexer::new(source, chunk_name))?.chunk()
}

/// PUC's `luaO_chunkid` with `LUA_IDSIZE` 60: the display form of a chunk's source name.
pub fn chunk_id(source_name: &[u8]) -> String {
    const IDSIZE: usize = 60;
    let len = source_name.len();
    let mut out: Vec<u8> = Vec::with_capacity(IDSIZE);
    match source_name.first() {
        Some(b'=') => {
            let rest = &source_name[1..];
            out.extend_from_slice(&rest[..rest.len().min(IDSIZE - 1)]);
        }
        Some(b'@') => {
            let rest = &source_name[1..];
            if len <= IDSIZE {
                out.extend_from_slice(rest);
            } else {
                out.extend_from_slice(b"...");
                out.extend_from_slice(&rest[rest.len() - (IDSIZE - 4)..]);
            }
        }
        _ => {
            // Room left for the source after `[string "`, `..."]` and the C terminator.
            let avail = IDSIZE - 15;
            let nl = source_name.iter().position(|&b| b == b'\n');
            out.extend_from_slice(b"[string \"");
            if len < avail && nl.is_none() {
                out.extend_from_slice(source_name);
            } else {
                let n = nl.unwrap_or(len).min(avail);
                out.extend_from_slice(&source_name[..n]);
                out.extend_from_slice(b"...");
            }
            out.extend_from_slice(b"\"]");
        }
    }
    // PUC's result is a C string: anything after an embedded NUL is lost.
    if let Some(cut) = out.iter().position(|&b| b == 0) {
        out.truncate(cut);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Left and right priorities, as in PUC's `priority` table.
fn binop_priority(op: BinOp) -> (u8, u8) {
    match op {
        BinOp::Or => (1, 1),
        BinOp::And => (2, 2),
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (3, 3),
        BinOp::BOr => (4, 4),
        BinOp::BXor => (5, 5),
        BinOp::BAnd => (6, 6),
        BinOp::Shl | BinOp::Shr => (7, 7),
        BinOp::Concat => (9, 8),
        BinOp::Add | BinOp::Sub => (10, 10),
        BinOp::Mul | BinOp::Div | BinOp::IDiv | BinOp::Mod => (11, 11),
        BinOp::Pow => (14, 13),
    }
}

const UNARY_PRIORITY: u8 = 12;

fn binop_of(tok: &Tok) -> Option<BinOp> {
    Some(match tok {
        Tok::Char(b'+') => BinOp::Add,
        Tok::Char(b'-') => BinOp::Sub,
        Tok::Char(b'*') => BinOp::Mul,
        Tok::Char(b'%') => BinOp::Mod,
        Tok::Char(b'^') => BinOp::Pow,
        Tok::Char(b'/') => BinOp::Div,
        Tok::IDiv => BinOp::IDiv,
        Tok::Char(b'&') => BinOp::BAnd,
        Tok::Char(b'|') => BinOp::BOr,
        Tok::Char(b'~') => BinOp::BXor,
        Tok::Shl => BinOp::Shl,
        Tok::Shr => BinOp::Shr,
        Tok::Concat => BinOp::Concat,
        Tok::Ne => BinOp::Ne,
        Tok::Eq => BinOp::Eq,
        Tok::Char(b'<') => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Char(b'>') => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::And => BinOp::And,
        Tok::Or => BinOp::Or,
        _ => return None,
    })
}

fn unop_of(tok: &Tok) -> Option<UnOp> {
    Some(match tok {
        Tok::Not => UnOp::Not,
        Tok::Char(b'-') => UnOp::Neg,
        Tok::Char(b'~') => UnOp::BNot,
        Tok::Char(b'#') => UnOp::Len,
        _ => return None,
    })
}

struct Parser<'a> {
    lx: Lexer<'a>,
    tok: Token,
    ahead: Option<Token>,
    level: u32,
    /// Whether the function being parsed accepts `...`.
    vararg: bool,
}

impl<'a> Parser<'a> {
    fn new(mut lx: Lexer<'a>) -> PResult<Self> {
        let tok = lx.next_token()?;
        Ok(Parser {
            lx,
            tok,
            ahead: None,
            level: BASE_C_LEVELS,
            vararg: true,
        })
    }

    fn next(&mut self) -> PResult<()> {
        self.tok = match self.ahead.take() {
            Some(t) => t,
            None => self.lx.next_token()?,
        };
        Ok(())
    }

    fn lookahead(&mut self) -> PResult<&Tok> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lx.next_token()?);
        }
        Ok(&self.ahead.as_ref().expect("just filled").tok)
    }

    fn is(&self, t: &Tok) -> bool {
        self.tok.tok == *t
    }

    fn is_char(&self, c: u8) -> bool {
        self.tok.tok == Tok::Char(c)
    }

    /// An error reported "near" the current token (PUC's `luaX_syntaxerror`).
    fn error(&self, msg: &str) -> SyntaxError {
        if self.tok.tok == Tok::Char(0) {
            // PUC's token code for a NUL byte is 0, which its `lexerror` reads as "no token".
            return self.lx.error(msg, None);
        }
        let near = self.lx.token_text(&self.tok);
        self.lx.error(msg, Some(&near))
    }

    fn error_expected(&self, t: &Tok) -> SyntaxError {
        self.error(&format!("{} expected", token2str(t)))
    }

    fn enter(&mut self) -> PResult<()> {
        self.level += 1;
        if self.level >= MAX_C_LEVELS {
            // lua5.4 reports this as a bare runtime error, without position.
            return Err(SyntaxError {
                message: "C stack overflow".into(),
                line: self.lx.line,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.level -= 1;
    }

    fn test_next(&mut self, t: &Tok) -> PResult<bool> {
        if self.is(t) {
            self.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn check(&self, t: &Tok) -> PResult<()> {
        if self.is(t) {
            Ok(())
        } else {
            Err(self.error_expected(t))
        }
    }

    fn check_next(&mut self, t: &Tok) -> PResult<()> {
        self.check(t)?;
        self.next()
    }

    fn check_match(&mut self, what: &Tok, who: &Tok, line: Line) -> PResult<()> {
        if self.test_next(what)? {
            return Ok(());
        }
        if line == self.lx.line {
            Err(self.error_expected(what))
        } else {
            Err(self.error(&format!(
                "{} expected (to close {} at line {})",
                token2str(what),
                token2str(who),
                line
            )))
        }
    }

    fn check_name(&mut self) -> PResult<String> {
        match &mut self.tok.tok {
            Tok::Name(n) => {
                let n = std::mem::take(n);
                self.next()?;
                Ok(n)
            }
            _ => Err(self.error_expected(&Tok::Name(String::new()))),
        }
    }

    fn chunk(mut self) -> PResult<Chunk> {
        let block = self.block()?;
        self.check(&Tok::Eof)?;
        Ok(Chunk {
            block,
            last_line: self.tok.line,
        })
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match self.tok.tok {
            Tok::Else | Tok::ElseIf | Tok::End | Tok::Eof => true,
            Tok::Until => with_until,
            _ => false,
        }
    }

    fn block(&mut self) -> PResult<Block> {
        let mut block = Block::default();
        while !self.block_follow(true) {
            if self.is(&Tok::Return) {
                self.enter()?;
                block.ret = Some(self.retstat()?);
                self.leave();
                break;
            }
            if let Some(stat) = self.statement()? {
                block.stats.push(stat);
            }
        }
        Ok(block)
    }

    fn retstat(&mut self) -> PResult<Return> {
        let line = self.tok.line;
        self.next()?;
        let exprs = if self.block_follow(true) || self.is_char(b';') {
            Vec::new()
        } else {
            self.explist()?
        };
        self.test_next(&Tok::Char(b';'))?;
        Ok(Return { exprs, line })
    }

    fn statement(&mut self) -> PResult<Option<Stat>> {
        let line = self.tok.line;
        self.enter()?;
        let stat = match self.tok.tok {
            Tok::Char(b';') => {
                self.next()?;
                None
            }
            Tok::If => Some(self.ifstat(line)?),
            Tok::While => {
                self.next()?;
                let cond = self.expr()?;
                self.check_next(&Tok::Do)?;
                let block = self.block()?;
                self.check_match(&Tok::End, &Tok::While, line)?;
                Some(Stat::While { cond, block, line })
            }
            Tok::Do => {
                self.next()?;
                let block = self.block()?;
                self.check_match(&Tok::End, &Tok::Do, line)?;
                Some(Stat::Do(block))
            }
            Tok::For => Some(self.forstat(line)?),
            Tok::Repeat => {
                self.next()?;
                let block = self.block()?;
                self.check_match(&Tok::Until, &Tok::Repeat, line)?;
                let cond = self.expr()?;
                Some(Stat::Repeat { block, cond, line })
            }
            Tok::Function => {
                self.next()?;
                let mut path = vec![self.check_name()?];
                while self.is_char(b'.') {
                    self.next()?;
                    path.push(self.check_name()?);
                }
                let method = if self.is_char(b':') {
                    self.next()?;
                    Some(self.check_name()?)
                } else {
                    None
                };
                let func = self.body(method.is_some(), line)?;
                Some(Stat::Function {
                    path,
                    method,
                    func,
                    line,
                })
            }
            Tok::Local => {
                self.next()?;
                if self.test_next(&Tok::Function)? {
                    let name = self.check_name()?;
                    // PUC takes the function's line from the token after the name.
                    let fline = self.tok.line;
                    let func = self.body(false, fline)?;
                    Some(Stat::LocalFunction { name, func, line })
                } else {
                    Some(self.localstat(line)?)
                }
            }
            Tok::DbColon => {
                self.next()?;
                let name = self.check_name()?;
                self.check_next(&Tok::DbColon)?;
                Some(Stat::Label { name, line })
            }
            Tok::Break => {
                self.next()?;
                Some(Stat::Break { line })
            }
            Tok::Goto => {
                self.next()?;
                let label = self.check_name()?;
                Some(Stat::Goto { label, line })
            }
            _ => Some(self.exprstat()?),
        };
        self.leave();
        Ok(stat)
    }

    fn ifstat(&mut self, line: Line) -> PResult<Stat> {
        let mut conds = Vec::new();
        loop {
            // Skips `if` or `elseif`.
            self.next()?;
            let cond = self.expr()?;
            self.check_next(&Tok::Then)?;
            let block = self.block()?;
            conds.push((cond, block));
            if !self.is(&Tok::ElseIf) {
                break;
            }
        }
        let else_block = if self.test_next(&Tok::Else)? {
            Some(self.block()?)
        } else {
            None
        };
        self.check_match(&Tok::End, &Tok::If, line)?;
        Ok(Stat::If {
            conds,
            else_block,
            line,
        })
    }

    fn forstat(&mut self, line: Line) -> PResult<Stat> {
        self.next()?;
        let var = self.check_name()?;
        let stat = match self.tok.tok {
            Tok::Char(b'=') => {
                self.next()?;
                let start = self.expr()?;
                self.check_next(&Tok::Char(b','))?;
                let limit = self.expr()?;
                let step = if self.test_next(&Tok::Char(b','))? {
                    Some(self.expr()?)
                } else {
                    None
                };
                self.check_next(&Tok::Do)?;
                let block = self.block()?;
                Stat::NumericFor {
                    var,
                    start,
                    limit,
                    step,
                    block,
                    line,
                }
            }
            Tok::Char(b',') | Tok::In => {
                let mut names = vec![var];
                while self.test_next(&Tok::Char(b','))? {
                    names.push(self.check_name()?);
                }
                self.check_next(&Tok::In)?;
                // PUC attributes the iterator call to the line where the explist starts.
                let call_line = self.tok.line;
                let exprs = self.explist()?;
                self.check_next(&Tok::Do)?;
                let block = self.block()?;
                Stat::GenericFor {
                    names,
                    exprs,
                    block,
                    line: call_line,
                }
            }
            _ => return Err(self.error("'=' or 'in' expected")),
        };
        self.check_match(&Tok::End, &Tok::For, line)?;
        Ok(stat)
    }

    fn localstat(&mut self, line: Line) -> PResult<Stat> {
        let mut names = Vec::new();
        let mut has_close = false;
        loop {
            let name = self.check_name()?;
            let mut attrib = Attrib::None;
            if self.test_next(&Tok::Char(b'<'))? {
                let attr = self.check_name()?;
                self.check_next(&Tok::Char(b'>'))?;
                attrib = match attr.as_str() {
                    "const" => Attrib::Const,
                    "close" => Attrib::Close,
                    _ => return Err(self.lx.error(&format!("unknown attribute '{attr}'"), None)),
                };
            }
            if attrib == Attrib::Close {
                if has_close {
                    return Err(self
                        .lx
                        .error("multiple to-be-closed variables in local list", None));
                }
                has_close = true;
            }
            names.push(LocalName { name, attrib });
            if !self.test_next(&Tok::Char(b','))? {
                break;
            }
        }
        let exprs = if self.test_next(&Tok::Char(b'='))? {
            self.explist()?
        } else {
            Vec::new()
        };
        Ok(Stat::Local { names, exprs, line })
    }

    fn exprstat(&mut self) -> PResult<Stat> {
        let first = self.suffixedexp()?;
        if !(self.is_char(b'=') || self.is_char(b',')) {
            if !matches!(first, Expr::Call { .. } | Expr::MethodCall { .. }) {
                return Err(self.error("syntax error"));
            }
            return Ok(Stat::Call(first));
        }
        let is_target = |e: &Expr| matches!(e, Expr::Name { .. } | Expr::Index { .. });
        if !is_target(&first) {
            return Err(self.error("syntax error"));
        }
        let mut targets = vec![first];
        // PUC recurses once per extra target and parses the values at the deepest level.
        let saved_level = self.level;
        while self.test_next(&Tok::Char(b','))? {
            let target = self.suffixedexp()?;
            self.enter()?;
            if !is_target(&target) {
                return Err(self.error("syntax error"));
            }
            targets.push(target);
        }
        let line = self.tok.line;
        self.check_next(&Tok::Char(b'='))?;
        let exprs = self.explist()?;
        self.level = saved_level;
        Ok(Stat::Assign {
            targets,
            exprs,
            line,
        })
    }

    fn body(&mut self, is_method: bool, line: Line) -> PResult<Box<FunctionBody>> {
        self.check_next(&Tok::Char(b'('))?;
        let mut params = Vec::new();
        let mut is_vararg = false;
        if !self.is_char(b')') {
            loop {
                match self.tok.tok {
                    Tok::Name(_) => params.push(self.check_name()?),
                    Tok::Dots => {
                        self.next()?;
                        is_vararg = true;
                    }
                    _ => return Err(self.error("<name> or '...' expected")),
                }
                if is_vararg || !self.test_next(&Tok::Char(b','))? {
                    break;
                }
            }
        }
        self.check_next(&Tok::Char(b')'))?;
        let outer_vararg = std::mem::replace(&mut self.vararg, is_vararg);
        let block = self.block()?;
        self.vararg = outer_vararg;
        let last_line = self.tok.line;
        self.check_match(&Tok::End, &Tok::Function, line)?;
        Ok(Box::new(FunctionBody {
            params,
            is_method,
            is_vararg,
            block,
            line,
            last_line,
        }))
    }

    fn explist(&mut self) -> PResult<Vec<Expr>> {
        let mut list = vec![self.expr()?];
        while self.test_next(&Tok::Char(b','))? {
            list.push(self.expr()?);
        }
        Ok(list)
    }

    fn expr(&mut self) -> PResult<Expr> {
        Ok(self.subexpr(0)?.0)
    }

    /// Parses an expression whose binary operators all bind tighter than `limit`; returns it
    /// with the first operator it did not consume.
    fn subexpr(&mut self, limit: u8) -> PResult<(Expr, Option<BinOp>)> {
        self.enter()?;
        let mut e = if let Some(op) = unop_of(&self.tok.tok) {
            let line = self.tok.line;
            self.next()?;
            let (operand, _) = self.subexpr(UNARY_PRIORITY)?;
            Expr::UnOp {
                op,
                expr: Box::new(operand),
                line,
            }
        } else {
            self.simpleexp()?
        };
        let mut op = binop_of(&self.tok.tok);
        while let Some(o) = op {
            let (left, right) = binop_priority(o);
            if left <= limit {
                break;
            }
            let line = self.tok.line;
            self.next()?;
            let (rhs, next_op) = self.subexpr(right)?;
            e = Expr::BinOp {
                op: o,
                lhs: Box::new(e),
                rhs: Box::new(rhs),
                line,
            };
            op = next_op;
        }
        self.leave();
        Ok((e, op))
    }

    fn simpleexp(&mut self) -> PResult<Expr> {
        let e = match &mut self.tok.tok {
            Tok::Float(f) => Expr::Float(*f),
            Tok::Int(i) => Expr::Integer(*i),
            Tok::Str(s, _) => Expr::String(std::mem::take(s)),
            Tok::Nil => Expr::Nil,
            Tok::True => Expr::True,
            Tok::False => Expr::False,
            Tok::Dots => {
                if !self.vararg {
                    return Err(self.error("cannot use '...' outside a vararg function"));
                }
                Expr::Vararg {
                    line: self.tok.line,
                }
            }
            Tok::Char(b'{') => return self.constructor(),
            Tok::Function => {
                self.next()?;
                // PUC's `linedefined` for a function expression is the line of its `(`.
                let line = self.tok.line;
                return Ok(Expr::Function(self.body(false, line)?));
            }
            _ => return self.suffixedexp(),
        };
        self.next()?;
        Ok(e)
    }

    fn primaryexp(&mut self) -> PResult<Expr> {
        match self.tok.tok {
            Tok::Char(b'(') => {
                let line = self.tok.line;
                self.next()?;
                let e = self.expr()?;
                self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                Ok(Expr::Paren(Box::new(e)))
            }
            Tok::Name(_) => {
                let line = self.tok.line;
                let name = self.check_name()?;
                Ok(Expr::Name { name, line })
            }
            _ => Err(self.error("unexpected symbol")),
        }
    }

    fn suffixedexp(&mut self) -> PResult<Expr> {
        let mut e = self.primaryexp()?;
        loop {
            match self.tok.tok {
                Tok::Char(b'.') => {
                    let line = self.tok.line;
                    self.next()?;
                    let name = self.check_name()?;
                    e = Expr::Index {
                        obj: Box::new(e),
                        key: Box::new(Expr::String(name.into_bytes())),
                        line,
                    };
                }
                Tok::Char(b'[') => {
                    let line = self.tok.line;
                    self.next()?;
                    let key = self.expr()?;
                    self.check_next(&Tok::Char(b']'))?;
                    e = Expr::Index {
                        obj: Box::new(e),
                        key: Box::new(key),
                        line,
                    };
                }
                Tok::Char(b':') => {
                    self.next()?;
                    let method = self.check_name()?;
                    let (args, line) = self.funcargs()?;
                    e = Expr::MethodCall {
                        obj: Box::new(e),
                        method,
                        args,
                        line,
                    };
                }
                Tok::Char(b'(') | Tok::Char(b'{') | Tok::Str(..) => {
                    let (args, line) = self.funcargs()?;
                    e = Expr::Call {
                        func: Box::new(e),
                        args,
                        line,
                    };
                }
                _ => return Ok(e),
            }
        }
    }

    fn funcargs(&mut self) -> PResult<(Vec<Expr>, Line)> {
        let line = self.tok.line;
        let args = match &mut self.tok.tok {
            Tok::Char(b'(') => {
                self.next()?;
                let args = if self.is_char(b')') {
                    Vec::new()
                } else {
                    self.explist()?
                };
                self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                args
            }
            Tok::Char(b'{') => vec![self.constructor()?],
            Tok::Str(s, _) => {
                let s = std::mem::take(s);
                self.next()?;
                vec![Expr::String(s)]
            }
            _ => return Err(self.error("function arguments expected")),
        };
        Ok((args, line))
    }

    fn constructor(&mut self) -> PResult<Expr> {
        let line = self.tok.line;
        self.check_next(&Tok::Char(b'{'))?;
        let mut fields = Vec::new();
        loop {
            if self.is_char(b'}') {
                break;
            }
            fields.push(self.field()?);
            if !(self.test_next(&Tok::Char(b','))? || self.test_next(&Tok::Char(b';'))?) {
                break;
            }
        }
        self.check_match(&Tok::Char(b'}'), &Tok::Char(b'{'), line)?;
        Ok(Expr::Table { fields, line })
    }

    fn field(&mut self) -> PResult<TableField> {
        let named = matches!(self.tok.tok, Tok::Name(_)) && *self.lookahead()? == Tok::Char(b'=');
        if named {
            let name = self.check_name()?;
            self.next()?; // skip '='
            let value = self.expr()?;
            return Ok(TableField::Named { name, value });
        }
        match self.tok.tok {
            Tok::Char(b'[') => {
                self.next()?;
                let key = self.expr()?;
                self.check_next(&Tok::Char(b']'))?;
                self.check_next(&Tok::Char(b'='))?;
                let value = self.expr()?;
                Ok(TableField::Keyed { key, value })
            }
            _ => Ok(TableField::Positional(self.expr()?)),
        }
    }
}
