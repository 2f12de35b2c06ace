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

/// Boxed so that `Result`s stay small: the parser's recursion depth times its frame size must
/// fit comfortably in a 2 MB thread stack even in unoptimised builds.
type PResult<T> = Result<T, Box<SyntaxError>>;

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
        return Parser::new(Lexer::with_start(source, chunk_name, pos, line))
            .and_then(Parser::chunk)
            .map_err(|e| *e);
    }
    parse_no_shebang(source, chunk_name)
}

/// Parses a chunk exactly as `load` does for strings: a leading `#` is a syntax error.
pub fn parse_no_shebang(source: &[u8], chunk_name: &str) -> Result<Chunk, SyntaxError> {
    Parser::new(Lexer::new(source, chunk_name))
        .and_then(Parser::chunk)
        .map_err(|e| *e)
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
    fn error(&self, msg: &str) -> Box<SyntaxError> {
        if self.tok.tok == Tok::Char(0) {
            // PUC's token code for a NUL byte is 0, which its `lexerror` reads as "no token".
            return self.lx.error(msg, None);
        }
        let near = self.lx.token_text(&self.tok);
        self.lx.error(msg, Some(&near))
    }

    fn error_expected(&self, t: &Tok) -> Box<SyntaxError> {
        self.error(&format!("{} expected", token2str(t)))
    }

    fn enter(&mut self) -> PResult<()> {
        self.level += 1;
        if self.level >= MAX_C_LEVELS {
            // lua5.4 reports this as a bare runtime error, without position.
            return Err(Box::new(SyntaxError {
                message: "C stack overflow".into(),
                line: self.lx.line,
            }));
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
            self.statement(&mut block.stats)?;
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

    /// Parses one statement into `out`. Every kind of statement has its own function, returning
    /// nothing on success: a large `Stat` in each match arm's temporaries would make this frame,
    /// which sits on the stack once per nesting level, many kilobytes big in debug builds.
    fn statement(&mut self, out: &mut Vec<Stat>) -> PResult<()> {
        let line = self.tok.line;
        self.enter()?;
        match self.tok.tok {
            Tok::Char(b';') => self.next()?,
            Tok::If => self.ifstat(line, out)?,
            Tok::While => self.whilestat(line, out)?,
            Tok::Do => self.dostat(line, out)?,
            Tok::For => self.forstat(line, out)?,
            Tok::Repeat => self.repeatstat(line, out)?,
            Tok::Function => self.funcstat(line, out)?,
            Tok::Local => self.localstat(line, out)?,
            Tok::DbColon => self.labelstat(line, out)?,
            Tok::Break => {
                self.next()?;
                out.push(Stat::Break { line });
            }
            Tok::Goto => self.gotostat(line, out)?,
            _ => self.exprstat(out)?,
        }
        self.leave();
        Ok(())
    }

    fn whilestat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
        self.next()?;
        let cond = self.expr()?;
        self.check_next(&Tok::Do)?;
        let block = self.block()?;
        self.check_match(&Tok::End, &Tok::While, line)?;
        out.push(Stat::While { cond, block, line });
        Ok(())
    }

    fn dostat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
        self.next()?;
        let block = self.block()?;
        self.check_match(&Tok::End, &Tok::Do, line)?;
        out.push(Stat::Do(block));
        Ok(())
    }

    fn repeatstat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
        self.next()?;
        let block = self.block()?;
        self.check_match(&Tok::Until, &Tok::Repeat, line)?;
        let cond = self.expr()?;
        out.push(Stat::Repeat { block, cond, line });
        Ok(())
    }

    fn funcstat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
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
        out.push(Stat::Function {
            path,
            method,
            func,
            line,
        });
        Ok(())
    }

    fn labelstat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
        self.next()?;
        let name = self.check_name()?;
        self.check_next(&Tok::DbColon)?;
        out.push(Stat::Label { name, line });
        Ok(())
    }

    fn gotostat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
        self.next()?;
        let label = self.check_name()?;
        out.push(Stat::Goto { label, line });
        Ok(())
    }

    fn ifstat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
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
        out.push(Stat::If {
            conds,
            else_block,
            line,
        });
        Ok(())
    }

    fn forstat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
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
        out.push(stat);
        Ok(())
    }

    fn localstat(&mut self, line: Line, out: &mut Vec<Stat>) -> PResult<()> {
        self.next()?;
        if self.test_next(&Tok::Function)? {
            let name = self.check_name()?;
            // PUC takes the function's line from the token after the name.
            let fline = self.tok.line;
            let func = self.body(false, fline)?;
            out.push(Stat::LocalFunction { name, func, line });
            return Ok(());
        }
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
        out.push(Stat::Local { names, exprs, line });
        Ok(())
    }

    fn exprstat(&mut self, out: &mut Vec<Stat>) -> PResult<()> {
        let first = self.suffixedexp()?;
        if !(self.is_char(b'=') || self.is_char(b',')) {
            if !matches!(first, Expr::Call { .. } | Expr::MethodCall { .. }) {
                return Err(self.error("syntax error"));
            }
            out.push(Stat::Call(first));
            return Ok(());
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
        out.push(Stat::Assign {
            targets,
            exprs,
            line,
        });
        Ok(())
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
        let entry_level = self.level;
        let mut e = self.operand()?;
        let mut op = binop_of(&self.tok.tok);
        while let Some(o) = op {
            // A left-associative chain is built in a loop, as PUC does, so its length is not
            // limited by the nesting depth: the tree it makes nests on its left as deep as the
            // chain is long, which its consumers walk iteratively (the compiler's `expr`, and
            // `Expr`'s `Drop`).
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
        self.level = entry_level - 1;
        Ok((e, op))
    }

    /// A unary operation or a simple expression: what `subexpr` starts with.
    fn operand(&mut self) -> PResult<Expr> {
        let Some(op) = unop_of(&self.tok.tok) else {
            return self.simpleexp();
        };
        let line = self.tok.line;
        self.next()?;
        let (operand, _) = self.subexpr(UNARY_PRIORITY)?;
        Ok(Expr::UnOp {
            op,
            expr: Box::new(operand),
            line,
        })
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
        // Each suffix kind is its own function, taking the expression by reference, to keep
        // this frame (part of every nesting level) small in debug builds. Suffixes are not
        // levels: PUC's loop accepts chains of any length, and the compiler and `Expr`'s `Drop`
        // walk them with loops.
        loop {
            match self.tok.tok {
                Tok::Char(b'.') => self.field_suffix(&mut e)?,
                Tok::Char(b'[') => self.index_suffix(&mut e)?,
                Tok::Char(b':') => self.method_suffix(&mut e)?,
                Tok::Char(b'(') | Tok::Char(b'{') | Tok::Str(..) => self.call_suffix(&mut e)?,
                _ => return Ok(e),
            }
        }
    }

    fn field_suffix(&mut self, e: &mut Expr) -> PResult<()> {
        let line = self.tok.line;
        self.next()?;
        let name = self.check_name()?;
        let obj = Box::new(std::mem::replace(e, Expr::Nil));
        *e = Expr::Index {
            obj,
            key: Box::new(Expr::String(name.into_bytes())),
            line,
        };
        Ok(())
    }

    fn index_suffix(&mut self, e: &mut Expr) -> PResult<()> {
        let line = self.tok.line;
        self.next()?;
        let key = Box::new(self.expr()?);
        self.check_next(&Tok::Char(b']'))?;
        let obj = Box::new(std::mem::replace(e, Expr::Nil));
        *e = Expr::Index { obj, key, line };
        Ok(())
    }

    fn method_suffix(&mut self, e: &mut Expr) -> PResult<()> {
        self.next()?;
        let method = self.check_name()?;
        let (args, line) = self.funcargs()?;
        let obj = Box::new(std::mem::replace(e, Expr::Nil));
        *e = Expr::MethodCall {
            obj,
            method,
            args,
            line,
        };
        Ok(())
    }

    fn call_suffix(&mut self, e: &mut Expr) -> PResult<()> {
        let (args, line) = self.funcargs()?;
        let func = Box::new(std::mem::replace(e, Expr::Nil));
        *e = Expr::Call { func, args, line };
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &[u8]) -> String {
        match parse_no_shebang(src, "test.lua") {
            Ok(_) => panic!("expected an error for {:?}", String::from_utf8_lossy(src)),
            Err(e) => e.message,
        }
    }

    fn ok(src: &str) -> Chunk {
        parse(src.as_bytes(), "test.lua").unwrap_or_else(|e| panic!("{src:?}: {}", e.message))
    }

    /// The expression of `return <src>`.
    fn ret_expr(src: &str) -> Expr {
        let mut chunk = ok(&format!("return {src}"));
        chunk.block.ret.take().unwrap().exprs.remove(0)
    }

    fn ret_string(src: &[u8]) -> Vec<u8> {
        let mut full = b"return ".to_vec();
        full.extend_from_slice(src);
        let mut chunk = parse(&full, "test.lua").unwrap_or_else(|e| panic!("{}", e.message));
        match &chunk.block.ret.take().unwrap().exprs[0] {
            Expr::String(s) => s.clone(),
            other => panic!("not a string: {other:?}"),
        }
    }

    fn binop_str(op: BinOp) -> &'static str {
        match op {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::IDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Concat => "..",
            BinOp::BAnd => "&",
            BinOp::BOr => "|",
            BinOp::BXor => "~",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Eq => "==",
            BinOp::Ne => "~=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    /// Renders an expression fully parenthesised, to check the tree's shape compactly.
    fn show(e: &Expr) -> String {
        match e {
            Expr::Nil => "nil".into(),
            Expr::True => "true".into(),
            Expr::False => "false".into(),
            Expr::Vararg { .. } => "...".into(),
            Expr::Integer(i) => i.to_string(),
            Expr::Float(f) => format!("{f:?}"),
            Expr::String(s) => format!("{:?}", String::from_utf8_lossy(s)),
            Expr::Function(_) => "function".into(),
            Expr::Table { fields, .. } => {
                let items: Vec<String> = fields
                    .iter()
                    .map(|f| match f {
                        TableField::Keyed { key, value } => {
                            format!("[{}]={}", show(key), show(value))
                        }
                        TableField::Named { name, value } => format!("{name}={}", show(value)),
                        TableField::Positional(v) => show(v),
                    })
                    .collect();
                format!("{{{}}}", items.join(","))
            }
            Expr::BinOp { op, lhs, rhs, .. } => {
                format!("({} {} {})", show(lhs), binop_str(*op), show(rhs))
            }
            Expr::UnOp { op, expr, .. } => {
                let o = match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "not ",
                    UnOp::Len => "#",
                    UnOp::BNot => "~",
                };
                format!("({o}{})", show(expr))
            }
            Expr::Name { name, .. } => name.clone(),
            Expr::Index { obj, key, .. } => format!("{}[{}]", show(obj), show(key)),
            Expr::Call { func, args, .. } => {
                let a: Vec<String> = args.iter().map(show).collect();
                format!("{}({})", show(func), a.join(","))
            }
            Expr::MethodCall {
                obj, method, args, ..
            } => {
                let a: Vec<String> = args.iter().map(show).collect();
                format!("{}:{method}({})", show(obj), a.join(","))
            }
            Expr::Paren(e) => format!("<{}>", show(e)),
        }
    }

    #[test]
    fn error_messages_match_lua54() {
        // Expected strings were produced by `load(src, "=test.lua")` in lua5.4 (5.4.4).
        let cases: &[(&[u8], &str)] = &[
            (b"x = = 1", "test.lua:1: unexpected symbol near '='"),
            (b"x =", "test.lua:1: unexpected symbol near <eof>"),
            (b"x = 1 end", "test.lua:1: <eof> expected near 'end'"),
            (b"local x <foo> = 1", "test.lua:1: unknown attribute 'foo'"),
            (
                b"local x <close>, y <close> = 1",
                "test.lua:1: multiple to-be-closed variables in local list",
            ),
            (b"x", "test.lua:1: syntax error near <eof>"),
            (b"(f)", "test.lua:1: syntax error near <eof>"),
            (b"(f) = 1", "test.lua:1: syntax error near '='"),
            (b"f() = 1", "test.lua:1: syntax error near '='"),
            (b"a, f() = 1", "test.lua:1: syntax error near '='"),
            (b"x = \"abc", "test.lua:1: unfinished string near <eof>"),
            (
                b"x = \"abc\x0ay",
                "test.lua:1: unfinished string near '\"abc'",
            ),
            (b"x = 0x", "test.lua:1: malformed number near '0x'"),
            (b"x = 3..2", "test.lua:1: malformed number near '3..2'"),
            (b"x = 1e", "test.lua:1: malformed number near '1e'"),
            (b"x = 0xg", "test.lua:1: malformed number near '0xg'"),
            (
                b"function f() x = ... end",
                "test.lua:1: cannot use '...' outside a vararg function near '...'",
            ),
            (b"x = \x01", "test.lua:1: unexpected symbol near '<\\1>'"),
            (b"x = \x80", "test.lua:1: unexpected symbol near '<\\128>'"),
            (b"\x00", "test.lua:1: unexpected symbol"),
            (
                b"for x do end",
                "test.lua:1: '=' or 'in' expected near 'do'",
            ),
            (
                b"function f(1) end",
                "test.lua:1: <name> or '...' expected near '1'",
            ),
            (b"f(", "test.lua:1: unexpected symbol near <eof>"),
            (b"f(\x0a\x0a", "test.lua:3: unexpected symbol near <eof>"),
            (
                b"if x then\x0a\x0a",
                "test.lua:3: 'end' expected (to close 'if' at line 1) near <eof>",
            ),
            (
                b"x = [==[ abc",
                "test.lua:1: unfinished long string (starting at line 1) near <eof>",
            ),
            (
                b"--[==[ abc\x0a\x0a",
                "test.lua:3: unfinished long comment (starting at line 1) near <eof>",
            ),
            (
                b"x = [=",
                "test.lua:1: invalid long string delimiter near '[='",
            ),
            (
                b"x = '\\q'",
                "test.lua:1: invalid escape sequence near ''\\q'",
            ),
            (
                b"x = '\\x4'",
                "test.lua:1: hexadecimal digit expected near ''\\x4''",
            ),
            (
                b"x = '\\x4g'",
                "test.lua:1: hexadecimal digit expected near ''\\x4g'",
            ),
            (
                b"x = '\\300'",
                "test.lua:1: decimal escape too large near ''\\300''",
            ),
            (
                b"x = '\\u{110000000}'",
                "test.lua:1: UTF-8 value too large near ''\\u{110000000'",
            ),
            (b"x = '\\u{12'", "test.lua:1: missing '}' near ''\\u{12''"),
            (b"x = '\\u12'", "test.lua:1: missing '{' near ''\\u1'"),
            (
                b"x = 'a\\0b' 'c' +",
                "test.lua:1: unexpected symbol near ''c''",
            ),
            (
                b"return return",
                "test.lua:1: unexpected symbol near 'return'",
            ),
            (b"goto 1", "test.lua:1: <name> expected near '1'"),
            (b"::a", "test.lua:1: '::' expected near <eof>"),
            (b"x.1", "test.lua:1: syntax error near '.1'"),
            (b"a:b", "test.lua:1: function arguments expected near <eof>"),
            (
                b"a:b.c()",
                "test.lua:1: function arguments expected near '.'",
            ),
            (
                b"x = 1 \"a\\0b\"",
                "test.lua:1: unexpected symbol near '\"a'",
            ),
            (b"local 1", "test.lua:1: <name> expected near '1'"),
            (b"x = {a=1 b=2}", "test.lua:1: '}' expected near 'b'"),
            (b"x = (1", "test.lua:1: ')' expected near <eof>"),
            (
                b"x = (1\x0a\x0a",
                "test.lua:3: ')' expected (to close '(' at line 1) near <eof>",
            ),
            (b"x = y[1", "test.lua:1: ']' expected near <eof>"),
            (
                b"#!shebang\x0areturn 1",
                "test.lua:1: unexpected symbol near '#'",
            ),
            (b"return 1; x = 2", "test.lua:1: <eof> expected near 'x'"),
            (
                b"x = 1\x0a\x0a\x0a+",
                "test.lua:4: unexpected symbol near <eof>",
            ),
            (b"x = 1.2.3", "test.lua:1: malformed number near '1.2.3'"),
            (b"x = 0x1.8p", "test.lua:1: malformed number near '0x1.8p'"),
            (b"x = 12abc", "test.lua:1: malformed number near '12abc'"),
            (b"x = 5_", "test.lua:1: malformed number near '5_'"),
            (b"x = ~= 3", "test.lua:1: unexpected symbol near '~='"),
            (b"x = a :: b", "test.lua:1: '::' expected near <eof>"),
            (
                b"function a.b:c.d() end",
                "test.lua:1: '(' expected near '.'",
            ),
            (
                b"x = function(a,) end",
                "test.lua:1: <name> or '...' expected near ')'",
            ),
            (
                b"x = function(...,a) end",
                "test.lua:1: ')' expected near ','",
            ),
            (b"x = {[1] 2}", "test.lua:1: '=' expected near '2'"),
            (
                b"if x then else elseif y then end",
                "test.lua:1: 'end' expected near 'elseif'",
            ),
            (
                b"do x = 1\x0a\x0a end end",
                "test.lua:3: <eof> expected near 'end'",
            ),
            (b"local x <const", "test.lua:1: '>' expected near <eof>"),
            (b"x, y", "test.lua:1: '=' expected near <eof>"),
            (b"x = 'abc\\", "test.lua:1: unfinished string near <eof>"),
            (
                b"x = '\\u{}'",
                "test.lua:1: hexadecimal digit expected near ''\\u{}'",
            ),
            (
                b"x = '\\xZZ'",
                "test.lua:1: hexadecimal digit expected near ''\\xZ'",
            ),
            (b"x = '\\25", "test.lua:1: unfinished string near <eof>"),
            (
                b"x = '\\256'",
                "test.lua:1: decimal escape too large near ''\\256''",
            ),
            (b"goto = 1", "test.lua:1: <name> expected near '='"),
            (b"x = nil()", "test.lua:1: unexpected symbol near ')'"),
            (b"x = {}.a", "test.lua:1: unexpected symbol near '.'"),
            (b"a:b() = 1", "test.lua:1: syntax error near '='"),
            (
                b"[=[",
                "test.lua:1: unfinished long string (starting at line 1) near <eof>",
            ),
            (
                b"x = 1\x0d\x0ay = = 2",
                "test.lua:2: unexpected symbol near '='",
            ),
            (
                b"x = 1\x0a\x0dy = = 2",
                "test.lua:2: unexpected symbol near '='",
            ),
            (
                b"x = 1\x0d\x0dy = = 2",
                "test.lua:3: unexpected symbol near '='",
            ),
            (
                b"x = 1\x0a\x0ay = = 2",
                "test.lua:3: unexpected symbol near '='",
            ),
            (
                b"x = [[\x0a\x0a]] = 1",
                "test.lua:3: unexpected symbol near '='",
            ),
            (
                b"f [[a\x0ab]] .. = 1",
                "test.lua:2: unexpected symbol near '..'",
            ),
        ];
        for (src, expected) in cases {
            assert_eq!(
                err(src),
                *expected,
                "source: {:?}",
                String::from_utf8_lossy(src)
            );
        }
    }

    #[test]
    fn precedence_and_associativity() {
        let cases = [
            ("1 + 2 * 3", "(1 + (2 * 3))"),
            ("1 - 2 - 3", "((1 - 2) - 3)"),
            ("a .. b .. c", "(a .. (b .. c))"),
            ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
            ("-2 ^ 2", "(-(2 ^ 2))"),
            ("2 ^ -3", "(2 ^ (-3))"),
            ("-x ^ -y ^ z", "(-(x ^ (-(y ^ z))))"),
            ("not a == b", "((not a) == b)"),
            ("a or b and c", "(a or (b and c))"),
            ("a and b or c and d", "((a and b) or (c and d))"),
            ("a < b == c", "((a < b) == c)"),
            ("a | b ~ c & d", "(a | (b ~ (c & d)))"),
            ("a << 1 & b >> 2", "((a << 1) & (b >> 2))"),
            ("1 .. 2 << 3", "((1 .. 2) << 3)"),
            ("a + b .. c + d", "((a + b) .. (c + d))"),
            ("a // b % c * d / e", "((((a // b) % c) * d) / e)"),
            ("#t + 1", "((#t) + 1)"),
            ("~a ~ ~b", "((~a) ~ (~b))"),
            ("- - 1", "(-(-1))"),
            (
                "a ~= b and c >= d or e <= f",
                "(((a ~= b) and (c >= d)) or (e <= f))",
            ),
            ("(a + b) * c", "(<(a + b)> * c)"),
            ("a.b.c[1]:m(2)(3)", "a[\"b\"][\"c\"][1]:m(2)(3)"),
            ("f 'x' {1} (2)", "f(\"x\")({1})(2)"),
            ("{1, x = 2; [3] = 4, f(),}", "{1,x=2,[3]=4,f()}"),
            ("{x}", "{x}"),
            ("{x == 1}", "{(x == 1)}"),
            ("nil, true, false", "nil"),
            ("...", "..."),
        ];
        for (src, expected) in cases {
            assert_eq!(show(&ret_expr(src)), expected, "{src}");
        }
        assert_eq!(ret_expr("-1"), {
            Expr::UnOp {
                op: UnOp::Neg,
                expr: Box::new(Expr::Integer(1)),
                line: 1,
            }
        });
    }

    #[test]
    fn numerals() {
        let ints = [
            ("0", 0),
            ("42", 42),
            ("9223372036854775807", i64::MAX),
            ("0xff", 255),
            ("0XA", 10),
            ("0xffffffffffffffff", -1),
            ("0x7fffffffffffffffff", -1),
            ("0x10000000000000000", 0),
        ];
        for (src, v) in ints {
            assert_eq!(ret_expr(src), Expr::Integer(v), "{src}");
        }
        let floats = [
            ("9223372036854775808", 9223372036854775808.0),
            ("1.5", 1.5),
            ("1.", 1.0),
            (".5", 0.5),
            ("3e2", 300.0),
            ("3E-2", 0.03),
            ("1.e+1", 10.0),
            ("0x1p4", 16.0),
            ("0x.8", 0.5),
            ("0xA.8p1", 21.0),
            ("0x.1", 0.0625),
            ("0x1P-2", 0.25),
            ("1e999", f64::INFINITY),
            ("0x1p99999", f64::INFINITY),
            ("0x1p-1075", 0.0),
            ("0x1.8p-1074", 1e-323),
            ("0x3p-1076", 5e-324),
            ("0x1.fffffffffffff8p0", 2.0),
            ("0x1.fffffffffffff7ffffp0", 1.9999999999999998),
            ("0x10000000000000001p0", 18446744073709551616.0),
            ("0x20000000000000101p0", 36893488147419107000.0),
        ];
        for (src, v) in floats {
            assert_eq!(ret_expr(src), Expr::Float(v), "{src}");
        }
        for bad in [
            "3..2", "0x", "0xg", "1e", "1e+", "0x1p", "0x.p1", "1.2.3", "08x", "2_",
        ] {
            assert_eq!(
                err(format!("return {bad}").as_bytes()),
                format!("test.lua:1: malformed number near '{bad}'")
            );
        }
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            ret_string(br#""\a\b\f\n\r\t\v\\\"\'""#),
            b"\x07\x08\x0c\n\r\t\x0b\\\"'"
        );
        assert_eq!(ret_string(br#"'\x41\x7a\xFF'"#), b"Az\xff");
        assert_eq!(ret_string(br#"'\65\0\255\0012'"#), b"A\0\xff\x012");
        assert_eq!(ret_string(b"'a\\z  \n\r\n \t b'"), b"ab");
        assert_eq!(ret_string(b"'a\\\nb\\\r\nc\\\n\rd\\\re'"), b"a\nb\nc\nd\ne");
        assert_eq!(
            ret_string(br#"'\u{41}\u{7FF}\u{FFFF}'"#),
            "A\u{7ff}\u{ffff}".as_bytes()
        );
        assert_eq!(ret_string(br#"'\u{10FFFF}'"#), "\u{10ffff}".as_bytes());
        assert_eq!(
            ret_string(br#"'\u{7FFFFFFF}'"#),
            b"\xfd\xbf\xbf\xbf\xbf\xbf"
        );
        assert_eq!(ret_string(br#"'\u{200000}'"#), b"\xf8\x88\x80\x80\x80");
        assert_eq!(ret_string(b"'\xff\x00'"), b"\xff\x00");
        assert_eq!(ret_string(b"[[\nabc]]"), b"abc");
        assert_eq!(ret_string(b"[[\r\nabc]]"), b"abc");
        assert_eq!(ret_string(b"[==[a]]b]=]c]==]"), b"a]]b]=]c");
        assert_eq!(ret_string(b"[[a\r\nb\n\rc\rd\ne]]"), b"a\nb\nc\nd\ne");
        assert_eq!(ret_string(b"[=[\n\nx]=]"), b"\nx");
    }

    #[test]
    fn comments_and_lines() {
        let chunk = ok("-- c\n--[[ long\ncomment ]] x = 1 --[==[\n]==]\n\ny = 2\n");
        assert_eq!(chunk.block.stats.len(), 2);
        match &chunk.block.stats[1] {
            Stat::Assign { targets, line, .. } => {
                assert_eq!(*line, 6);
                assert!(matches!(targets[0], Expr::Name { line: 6, .. }));
            }
            s => panic!("{s:?}"),
        }
        assert_eq!(chunk.last_line, 7);
        // `\r\n`, `\n\r`, `\r` and `\n` are one line break each.
        let chunk = ok("a=1\r\nb=1\n\rc=1\rd=1\ne=1");
        assert!(matches!(chunk.block.stats[4], Stat::Assign { line: 5, .. }));
    }

    #[test]
    fn expression_lines() {
        let e = ret_expr("a\n+\nb(\n1)\n.c");
        let Expr::BinOp { line, rhs, .. } = &e else {
            panic!()
        };
        assert_eq!(*line, 2);
        let Expr::Index { obj, line, .. } = &**rhs else {
            panic!()
        };
        assert_eq!(*line, 5);
        assert!(matches!(**obj, Expr::Call { line: 3, .. }));
        assert!(matches!(
            ret_expr("o\n:m\n'x'"),
            Expr::MethodCall { line: 3, .. }
        ));
        assert!(matches!(ret_expr("\n{}"), Expr::Table { line: 2, .. }));
        assert!(matches!(ret_expr("- \n x"), Expr::UnOp { line: 1, .. }));
        let Expr::Function(f) = &ret_expr("function(a)\n\nend") else {
            panic!()
        };
        assert_eq!((f.line, f.last_line), (1, 3));
    }

    #[test]
    fn statements() {
        let chunk = ok("local a <const>, b <close>, c = 1, 2\n\
             a, b.c, d[1] = f()\n\
             do end while x do break end repeat local y until y\n\
             if a then elseif b then else end\n\
             for i = 1, 10, 2 do end for k, v in pairs(t) do end for i = 1, 2 do end\n\
             function a.b.c:m(x, ...) return self, ... end\n\
             function g() end\n\
             local function h(...) end\n\
             ::top:: goto top\n\
             f() o:m() ;;\n\
             return 1, 2;");
        let s = &chunk.block.stats;
        let Stat::Local { names, exprs, .. } = &s[0] else {
            panic!("{:?}", s[0])
        };
        let attribs: Vec<Attrib> = names.iter().map(|n| n.attrib).collect();
        assert_eq!(attribs, [Attrib::Const, Attrib::Close, Attrib::None]);
        assert_eq!(exprs.len(), 2);
        let Stat::Assign { targets, exprs, .. } = &s[1] else {
            panic!()
        };
        assert_eq!(targets.len(), 3);
        assert!(exprs[0].is_multi());
        assert!(matches!(s[2], Stat::Do(_)));
        assert!(
            matches!(&s[3], Stat::While { block, .. } if matches!(block.stats[0], Stat::Break { .. }))
        );
        assert!(matches!(s[4], Stat::Repeat { .. }));
        assert!(
            matches!(&s[5], Stat::If { conds, else_block: Some(_), line: 4 } if conds.len() == 2)
        );
        assert!(matches!(&s[6], Stat::NumericFor { var, step: Some(_), .. } if var == "i"));
        assert!(
            matches!(&s[7], Stat::GenericFor { names, exprs, .. } if names.len() == 2 && exprs.len() == 1)
        );
        assert!(matches!(&s[8], Stat::NumericFor { step: None, .. }));
        let Stat::Function {
            path, method, func, ..
        } = &s[9]
        else {
            panic!()
        };
        assert_eq!(path, &["a", "b", "c"]);
        assert_eq!(method.as_deref(), Some("m"));
        assert!(func.is_method && func.is_vararg);
        assert_eq!(func.params, ["x"]);
        assert_eq!(func.block.ret.as_ref().unwrap().exprs.len(), 2);
        assert!(
            matches!(&s[10], Stat::Function { path, method: None, func, .. } if path == &["g"] && !func.is_vararg)
        );
        assert!(
            matches!(&s[11], Stat::LocalFunction { name, func, .. } if name == "h" && func.is_vararg)
        );
        assert!(matches!(&s[12], Stat::Label { name, .. } if name == "top"));
        assert!(matches!(&s[13], Stat::Goto { label, .. } if label == "top"));
        assert!(matches!(&s[14], Stat::Call(Expr::Call { .. })));
        assert!(matches!(&s[15], Stat::Call(Expr::MethodCall { .. })));
        assert_eq!(s.len(), 16);
        assert_eq!(chunk.block.ret.as_ref().unwrap().exprs.len(), 2);
        // `break` is accepted anywhere; the compiler checks it is inside a loop.
        assert!(matches!(ok("break").block.stats[0], Stat::Break { .. }));
        assert!(ok("return").block.ret.unwrap().exprs.is_empty());
    }

    #[test]
    fn shebang_line() {
        let chunk = ok("#!/usr/bin/lua\nreturn 1");
        assert_eq!(chunk.block.ret.unwrap().line, 2);
        assert!(ok("# only a comment").block.stats.is_empty());
        assert_eq!(
            parse(b"#!x\nx = = 1", "t").unwrap_err().message,
            "t:2: unexpected symbol near '='"
        );
    }

    #[test]
    fn token_rendering_in_messages() {
        assert_eq!(
            err(b"x = 1 'abc'"),
            "test.lua:1: unexpected symbol near ''abc''"
        );
        assert_eq!(
            err(b"x = 1 [==[ab\ncd]==]"),
            "test.lua:2: unexpected symbol near '[==[ab\ncd]==]'"
        );
        assert_eq!(
            err(b"x = 1 3.50"),
            "test.lua:1: unexpected symbol near '3.50'"
        );
        assert_eq!(err(b"x = 1 abc"), "test.lua:1: syntax error near <eof>");
        assert_eq!(
            err(b"x = 1 while"),
            "test.lua:1: unexpected symbol near <eof>"
        );
        assert_eq!(
            err(b"x = 1 ..."),
            "test.lua:1: unexpected symbol near '...'"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // lua5.4 fails at 196 nested parentheses when `load` is called from Lua.
        let nest = |n: usize, open: &str, close: &str| {
            format!("x = {}1{}", open.repeat(n), close.repeat(n))
        };
        assert!(parse(nest(195, "(", ")").as_bytes(), "t").is_ok());
        assert_eq!(
            parse(nest(196, "(", ")").as_bytes(), "t")
                .unwrap_err()
                .message,
            "C stack overflow"
        );
        for (open, close) in [("(", ")"), ("{", "}"), ("f(", ")"), ("-", ""), ("not ", "")] {
            let src = nest(100_000, open, close);
            assert!(parse(src.as_bytes(), "t").is_err(), "{open}");
        }
        let src = format!("{}{}", "do ".repeat(100_000), "end ".repeat(100_000));
        assert!(parse(src.as_bytes(), "t").is_err());
        let src = format!(
            "{}{}",
            "x = function() ".repeat(50_000),
            "end ".repeat(50_000)
        );
        assert!(parse(src.as_bytes(), "t").is_err());
        let src = format!("x = 1{}", "^1".repeat(100_000));
        assert!(parse(src.as_bytes(), "t").is_err());
        let src = format!("x{} = 1", ",x".repeat(100_000));
        assert!(parse(src.as_bytes(), "t").is_err());
        // Left-associative operator chains are unlimited, as in PUC: the tree nests on its left
        // as deep as the chain is long, and compiling and dropping it must not recurse that deep.
        // (`and`/`or` chains are shorter: their jump lists make them quadratic, in PUC too.)
        for (chain, n) in [
            ("+1", 50_000),
            ("|1", 50_000),
            ("==a", 50_000),
            (" or 1", 3_000),
        ] {
            let src = format!("x = a{}", chain.repeat(n));
            let chunk = parse(src.as_bytes(), "t").unwrap();
            assert!(crate::compiler::compile(&chunk, src.as_bytes().into(), "t").is_ok());
        }
        // Suffix chains too, statements and assignment targets included.
        for chain in [".x", "()", ":m()", "[1]", "'s'", "{}"] {
            for src in [
                format!("x = a{}", chain.repeat(100_000)),
                format!("a{}()", chain.repeat(100_000)),
                format!("a{}.y = 1", chain.repeat(100_000)),
            ] {
                let chunk = parse(src.as_bytes(), "t").unwrap();
                assert!(crate::compiler::compile(&chunk, src.as_bytes().into(), "t").is_ok());
            }
        }
    }

    #[test]
    fn random_bytes_do_not_panic() {
        // A small xorshift generator keeps the test deterministic without dependencies.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let bytes: Vec<u8> = (0..100_000).map(|_| next() as u8).collect();
        assert!(parse(&bytes, "t").is_err());
        // Mostly-valid token soup explores the parser more than raw noise.
        let words: &[&str] = &[
            "x", "=", "(", ")", "{", "}", "[", "]", "function", "end", "if", "then", "local", ",",
            "1", "'s'", "..", "...", "+", "-", "not", "return", "do", "for", "in", ":", ".", ";",
            "::", "goto", "while", "<", ">", "[[", "]]", "--", "\n", "0x", "e", "\\",
        ];
        for _ in 0..2000 {
            let n = (next() % 40) as usize;
            let src: String = (0..n)
                .map(|_| words[(next() % words.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ");
            let _ = parse(src.as_bytes(), "t");
        }
    }

    #[test]
    fn chunk_ids_match_lua54() {
        assert_eq!(chunk_id(b"=abc"), "abc");
        assert_eq!(
            chunk_id(format!("={}", "b".repeat(59)).as_bytes()),
            "b".repeat(59)
        );
        assert_eq!(
            chunk_id(format!("={}", "d".repeat(100)).as_bytes()),
            "d".repeat(59)
        );
        assert_eq!(chunk_id(b"@file.lua"), "file.lua");
        assert_eq!(
            chunk_id(format!("@{}", "f".repeat(59)).as_bytes()),
            "f".repeat(59)
        );
        assert_eq!(
            chunk_id(format!("@{}", "g".repeat(60)).as_bytes()),
            format!("...{}", "g".repeat(56))
        );
        assert_eq!(
            chunk_id(format!("@{}", "0123456789".repeat(10)).as_bytes()),
            "...45678901234567890123456789012345678901234567890123456789"
        );
        assert_eq!(chunk_id(b"x = 1"), "[string \"x = 1\"]");
        let s44 = "i".repeat(44);
        assert_eq!(chunk_id(s44.as_bytes()), format!("[string \"{s44}\"]"));
        assert_eq!(
            chunk_id("j".repeat(45).as_bytes()),
            format!("[string \"{}...\"]", "j".repeat(45))
        );
        assert_eq!(
            chunk_id("k".repeat(46).as_bytes()),
            format!("[string \"{}...\"]", "k".repeat(45))
        );
        assert_eq!(chunk_id(b"line1\nline2"), "[string \"line1...\"]");
        assert_eq!(chunk_id(b""), "[string \"\"]");
        assert_eq!(chunk_id(b"="), "");
        assert_eq!(chunk_id(b"@"), "");
    }
}
