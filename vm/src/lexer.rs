//! Lua 5.4 lexer over raw bytes, following PUC-Rio's `llex.c` closely enough that error
//! messages (including the text shown after "near") come out byte-for-byte the same.

use crate::parser::SyntaxError;

/// Lexer position value meaning "end of input" (PUC's `EOZ`).
const EOZ: i32 = -1;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    And,
    Break,
    Do,
    Else,
    ElseIf,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    /// `//`
    IDiv,
    /// `..`
    Concat,
    /// `...`
    Dots,
    /// `==`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `~=`
    Ne,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `::`
    DbColon,
    Eof,
    Float(f64),
    Int(i64),
    Name(String),
    Str(Vec<u8>, StrForm),
    /// Any other single byte: punctuation such as `+` or `(`, or a stray byte.
    Char(u8),
}

/// How a string literal was written; needed to rebuild the text PUC shows in "near '...'".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrForm {
    /// Quoted with this delimiter.
    Short(u8),
    /// Long bracket with this many `=`.
    Long(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// The lexer's line right after reading the token (PUC's `linenumber`), i.e. the line where
    /// the token ends.
    pub line: u32,
    /// Byte range of the token in the source, for rendering names and numerals.
    start: usize,
    end: usize,
}

fn keyword(name: &[u8]) -> Option<Tok> {
    Some(match name {
        b"and" => Tok::And,
        b"break" => Tok::Break,
        b"do" => Tok::Do,
        b"else" => Tok::Else,
        b"elseif" => Tok::ElseIf,
        b"end" => Tok::End,
        b"false" => Tok::False,
        b"for" => Tok::For,
        b"function" => Tok::Function,
        b"goto" => Tok::Goto,
        b"if" => Tok::If,
        b"in" => Tok::In,
        b"local" => Tok::Local,
        b"nil" => Tok::Nil,
        b"not" => Tok::Not,
        b"or" => Tok::Or,
        b"repeat" => Tok::Repeat,
        b"return" => Tok::Return,
        b"then" => Tok::Then,
        b"true" => Tok::True,
        b"until" => Tok::Until,
        b"while" => Tok::While,
        _ => return None,
    })
}

/// PUC's `luaX_token2str`: how a token *kind* is named in "'x' expected" messages.
pub fn token2str(tok: &Tok) -> String {
    let fixed = match tok {
        Tok::Char(c) => {
            return if is_print(*c) {
                format!("'{}'", *c as char)
            } else {
                format!("'<\\{}>'", c)
            };
        }
        Tok::Eof => return "<eof>".into(),
        Tok::Float(_) => return "<number>".into(),
        Tok::Int(_) => return "<integer>".into(),
        Tok::Name(_) => return "<name>".into(),
        Tok::Str(..) => return "<string>".into(),
        Tok::And => "and",
        Tok::Break => "break",
        Tok::Do => "do",
        Tok::Else => "else",
        Tok::ElseIf => "elseif",
        Tok::End => "end",
        Tok::False => "false",
        Tok::For => "for",
        Tok::Function => "function",
        Tok::Goto => "goto",
        Tok::If => "if",
        Tok::In => "in",
        Tok::Local => "local",
        Tok::Nil => "nil",
        Tok::Not => "not",
        Tok::Or => "or",
        Tok::Repeat => "repeat",
        Tok::Return => "return",
        Tok::Then => "then",
        Tok::True => "true",
        Tok::Until => "until",
        Tok::While => "while",
        Tok::IDiv => "//",
        Tok::Concat => "..",
        Tok::Dots => "...",
        Tok::Eq => "==",
        Tok::Ge => ">=",
        Tok::Le => "<=",
        Tok::Ne => "~=",
        Tok::Shl => "<<",
        Tok::Shr => ">>",
        Tok::DbColon => "::",
    };
    format!("'{fixed}'")
}

fn is_print(c: u8) -> bool {
    (0x20..0x7f).contains(&c)
}

fn is_alpha(c: i32) -> bool {
    c == b'_' as i32 || (c >= 0 && (c as u8).is_ascii_alphabetic())
}

fn is_alnum(c: i32) -> bool {
    is_alpha(c) || is_digit(c)
}

fn is_digit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_digit()
}

fn is_xdigit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_hexdigit()
}

/// C's `isspace` in the "C" locale, which PUC's `lisspace` mirrors.
fn is_space(c: i32) -> bool {
    matches!(c, 0x20 | 0x09..=0x0d)
}

fn hex_value(c: u8) -> u32 {
    (c as char).to_digit(16).unwrap_or(0)
}

fn render(bytes: &[u8]) -> String {
    // PUC formats the buffer with `%s`, so an embedded NUL cuts the text short.
    let cut = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    format!("'{}'", String::from_utf8_lossy(&bytes[..cut]))
}

pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    /// Current line (PUC's `linenumber`).
    pub line: u32,
    chunk_name: &'a str,
    /// PUC's token buffer, used only while reading strings so error messages show exactly
    /// what PUC would have accumulated.
    buf: Vec<u8>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8], chunk_name: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            line: 1,
            chunk_name,
            buf: Vec::new(),
        }
    }

    /// Starts lexing at `pos` with `line` as the current line (used to skip a `#` first line).
    pub fn with_start(src: &'a [u8], chunk_name: &'a str, pos: usize, line: u32) -> Self {
        let mut lx = Lexer::new(src, chunk_name);
        lx.pos = pos.min(src.len());
        lx.line = line;
        lx
    }

    /// PUC's `txtToken`: how a concrete token is shown after "near".
    pub fn token_text(&self, t: &Token) -> String {
        match &t.tok {
            Tok::Name(_) | Tok::Float(_) | Tok::Int(_) => render(&self.src[t.start..t.end]),
            Tok::Str(value, form) => {
                let mut raw = Vec::with_capacity(value.len() + 4);
                match *form {
                    StrForm::Short(q) => {
                        raw.push(q);
                        raw.extend_from_slice(value);
                        raw.push(q);
                    }
                    StrForm::Long(level) => {
                        raw.push(b'[');
                        raw.resize(raw.len() + level, b'=');
                        raw.push(b'[');
                        raw.extend_from_slice(value);
                        raw.push(b']');
                        raw.resize(raw.len() + level, b'=');
                        raw.push(b']');
                    }
                }
                render(&raw)
            }
            other => token2str(other),
        }
    }

    /// Builds a PUC-style message: `chunk:line: msg [near text]`.
    pub fn error(&self, msg: &str, near: Option<&str>) -> Box<SyntaxError> {
        let message = match near {
            Some(near) => format!("{}:{}: {} near {}", self.chunk_name, self.line, msg, near),
            None => format!("{}:{}: {}", self.chunk_name, self.line, msg),
        };
        Box::new(SyntaxError {
            message,
            line: self.line,
        })
    }

    fn cur(&self) -> i32 {
        match self.src.get(self.pos) {
            Some(&c) => c as i32,
            None => EOZ,
        }
    }

    fn advance(&mut self) {
        if self.pos < self.src.len() {
            self.pos += 1;
        }
    }

    fn save_and_next(&mut self) {
        if let Some(&c) = self.src.get(self.pos) {
            self.buf.push(c);
            self.pos += 1;
        }
    }

    fn cur_is_newline(&self) -> bool {
        matches!(self.cur(), 0x0a | 0x0d)
    }

    /// Skips one line break, treating `\r\n` and `\n\r` as a single one.
    fn inc_line(&mut self) -> Result<(), Box<SyntaxError>> {
        let old = self.cur();
        self.advance();
        if self.cur_is_newline() && self.cur() != old {
            self.advance();
        }
        self.line += 1;
        if self.line >= i32::MAX as u32 {
            return Err(self.error("chunk has too many lines", None));
        }
        Ok(())
    }

    fn check_next(&mut self, c: u8) -> bool {
        if self.cur() == c as i32 {
            self.advance();
            true
        } else {
            false
        }
    }

    pub fn next_token(&mut self) -> Result<Token, Box<SyntaxError>> {
        loop {
            let start = self.pos;
            let c = self.cur();
            let tok = match c {
                EOZ => Tok::Eof,
                0x0a | 0x0d => {
                    self.inc_line()?;
                    continue;
                }
                0x20 | 0x0c | 0x09 | 0x0b => {
                    self.advance();
                    continue;
                }
                0x2d /* - */ => {
                    self.advance();
                    if self.cur() != b'-' as i32 {
                        Tok::Char(b'-')
                    } else {
                        self.advance();
                        self.skip_comment()?;
                        continue;
                    }
                }
                0x5b /* [ */ => {
                    self.buf.clear();
                    let sep = self.skip_sep();
                    if sep >= 2 {
                        let value = self.read_long_string(sep, true)?;
                        Tok::Str(value, StrForm::Long(sep - 2))
                    } else if sep == 0 {
                        let near = render(&self.buf);
                        return Err(self.error("invalid long string delimiter", Some(&near)));
                    } else {
                        Tok::Char(b'[')
                    }
                }
                0x3d /* = */ => {
                    self.advance();
                    if self.check_next(b'=') { Tok::Eq } else { Tok::Char(b'=') }
                }
                0x3c /* < */ => {
                    self.advance();
                    if self.check_next(b'=') {
                        Tok::Le
                    } else if self.check_next(b'<') {
                        Tok::Shl
                    } else {
                        Tok::Char(b'<')
                    }
                }
                0x3e /* > */ => {
                    self.advance();
                    if self.check_next(b'=') {
                        Tok::Ge
                    } else if self.check_next(b'>') {
                        Tok::Shr
                    } else {
                        Tok::Char(b'>')
                    }
                }
                0x2f /* / */ => {
                    self.advance();
                    if self.check_next(b'/') { Tok::IDiv } else { Tok::Char(b'/') }
                }
                0x7e /* ~ */ => {
                    self.advance();
                    if self.check_next(b'=') { Tok::Ne } else { Tok::Char(b'~') }
                }
                0x3a /* : */ => {
                    self.advance();
                    if self.check_next(b':') { Tok::DbColon } else { Tok::Char(b':') }
                }
                0x22 | 0x27 => {
                    let value = self.read_string(c as u8)?;
                    Tok::Str(value, StrForm::Short(c as u8))
                }
                0x2e /* . */ => {
                    self.advance();
                    if self.check_next(b'.') {
                        if self.check_next(b'.') { Tok::Dots } else { Tok::Concat }
                    } else if !is_digit(self.cur()) {
                        Tok::Char(b'.')
                    } else {
                        self.read_numeral(start)?
                    }
                }
                _ if is_digit(c) => self.read_numeral(start)?,
                _ if is_alpha(c) => {
                    while is_alnum(self.cur()) {
                        self.advance();
                    }
                    let word = &self.src[start..self.pos];
                    match keyword(word) {
                        Some(k) => k,
                        // Names are ASCII-only, so this never loses data.
                        None => Tok::Name(String::from_utf8_lossy(word).into_owned()),
                    }
                }
                _ => {
                    self.advance();
                    Tok::Char(c as u8)
                }
            };
            return Ok(Token {
                tok,
                line: self.line,
                start,
                end: self.pos,
            });
        }
    }

    /// Called after `--`.
    fn skip_comment(&mut self) -> Result<(), Box<SyntaxError>> {
        if self.cur() == b'[' as i32 {
            self.buf.clear();
            let sep = self.skip_sep();
            if sep >= 2 {
                self.read_long_string(sep, false)?;
                return Ok(());
            }
        }
        while !self.cur_is_newline() && self.cur() != EOZ {
            self.advance();
        }
        Ok(())
    }

    /// PUC's `skip_sep`: on `[` or `]`, reads `[=*` and returns the level + 2 if it is followed
    /// by the same bracket, 1 for a lone bracket, 0 for a malformed opener like `[=`.
    fn skip_sep(&mut self) -> usize {
        let s = self.cur();
        let mut count = 0;
        self.save_and_next();
        while self.cur() == b'=' as i32 {
            self.save_and_next();
            count += 1;
        }
        if self.cur() == s {
            count + 2
        } else if count == 0 {
            1
        } else {
            0
        }
    }

    fn read_long_string(
        &mut self,
        sep: usize,
        is_string: bool,
    ) -> Result<Vec<u8>, Box<SyntaxError>> {
        let start_line = self.line;
        self.save_and_next();
        if self.cur_is_newline() {
            self.inc_line()?;
        }
        loop {
            match self.cur() {
                EOZ => {
                    let what = if is_string { "string" } else { "comment" };
                    let msg = format!("unfinished long {what} (starting at line {start_line})");
                    return Err(self.error(&msg, Some("<eof>")));
                }
                0x5d /* ] */ => {
                    if self.skip_sep() == sep {
                        self.save_and_next();
                        break;
                    }
                }
                0x0a | 0x0d => {
                    self.buf.push(b'\n');
                    self.inc_line()?;
                    if !is_string {
                        self.buf.clear();
                    }
                }
                _ => {
                    if is_string {
                        self.save_and_next();
                    } else {
                        // Comments can be huge; scan to the next interesting byte in one go.
                        let rest = &self.src[self.pos..];
                        let skip = rest
                            .iter()
                            .position(|&b| matches!(b, b']' | b'\n' | b'\r'))
                            .unwrap_or(rest.len());
                        self.pos += skip.max(1);
                    }
                }
            }
        }
        if !is_string {
            return Ok(Vec::new());
        }
        Ok(self.buf[sep..self.buf.len() - sep].to_vec())
    }

    fn esc_error(&mut self, msg: &str) -> Box<SyntaxError> {
        // PUC adds the offending character to the buffer so it shows up in the message.
        if self.cur() != EOZ {
            self.save_and_next();
        }
        let near = render(&self.buf);
        self.error(msg, Some(&near))
    }

    fn get_hexa(&mut self) -> Result<u32, Box<SyntaxError>> {
        self.save_and_next();
        let c = self.cur();
        if !is_xdigit(c) {
            return Err(self.esc_error("hexadecimal digit expected"));
        }
        Ok(hex_value(c as u8))
    }

    fn read_hexa_esc(&mut self) -> Result<u8, Box<SyntaxError>> {
        let hi = self.get_hexa()?;
        let lo = self.get_hexa()?;
        self.buf.truncate(self.buf.len() - 2);
        Ok(((hi << 4) + lo) as u8)
    }

    fn read_utf8_esc(&mut self) -> Result<u32, Box<SyntaxError>> {
        let mut remove = 4; // '\', 'u', '{' and the first digit
        self.save_and_next(); // skip 'u'
        if self.cur() != b'{' as i32 {
            return Err(self.esc_error("missing '{'"));
        }
        let mut r = self.get_hexa()?;
        loop {
            self.save_and_next();
            let c = self.cur();
            if !is_xdigit(c) {
                break;
            }
            remove += 1;
            if r > (0x7FFF_FFFFu32 >> 4) {
                return Err(self.esc_error("UTF-8 value too large"));
            }
            r = (r << 4) + hex_value(c as u8);
        }
        if self.cur() != b'}' as i32 {
            return Err(self.esc_error("missing '}'"));
        }
        self.advance();
        self.buf.truncate(self.buf.len() - remove);
        Ok(r)
    }

    fn read_dec_esc(&mut self) -> Result<u8, Box<SyntaxError>> {
        let mut r: u32 = 0;
        let mut i = 0;
        while i < 3 && is_digit(self.cur()) {
            r = 10 * r + (self.cur() as u32 - b'0' as u32);
            self.save_and_next();
            i += 1;
        }
        if r > 255 {
            return Err(self.esc_error("decimal escape too large"));
        }
        self.buf.truncate(self.buf.len() - i);
        Ok(r as u8)
    }

    fn read_string(&mut self, delim: u8) -> Result<Vec<u8>, Box<SyntaxError>> {
        self.buf.clear();
        self.save_and_next();
        while self.cur() != delim as i32 {
            match self.cur() {
                EOZ => return Err(self.error("unfinished string", Some("<eof>"))),
                0x0a | 0x0d => {
                    let near = render(&self.buf);
                    return Err(self.error("unfinished string", Some(&near)));
                }
                0x5c /* \ */ => {
                    self.save_and_next(); // keep '\' for error messages
                    let simple = match self.cur() {
                        0x61 => Some(0x07),
                        0x62 => Some(0x08),
                        0x66 => Some(0x0c),
                        0x6e => Some(b'\n'),
                        0x72 => Some(b'\r'),
                        0x74 => Some(b'\t'),
                        0x76 => Some(0x0b),
                        0x5c | 0x22 | 0x27 => Some(self.cur() as u8),
                        _ => None,
                    };
                    if let Some(c) = simple {
                        self.advance();
                        self.buf.pop();
                        self.buf.push(c);
                        continue;
                    }
                    match self.cur() {
                        0x78 /* x */ => {
                            let c = self.read_hexa_esc()?;
                            self.advance();
                            self.buf.pop();
                            self.buf.push(c);
                        }
                        0x75 /* u */ => {
                            let code = self.read_utf8_esc()?;
                            utf8_esc(&mut self.buf, code);
                        }
                        0x0a | 0x0d => {
                            self.inc_line()?;
                            self.buf.pop();
                            self.buf.push(b'\n');
                        }
                        EOZ => {} // reported as an unfinished string on the next iteration
                        0x7a /* z */ => {
                            self.buf.pop();
                            self.advance();
                            while is_space(self.cur()) {
                                if self.cur_is_newline() {
                                    self.inc_line()?;
                                } else {
                                    self.advance();
                                }
                            }
                        }
                        c => {
                            if !is_digit(c) {
                                return Err(self.esc_error("invalid escape sequence"));
                            }
                            let c = self.read_dec_esc()?;
                            self.buf.pop();
                            self.buf.push(c);
                        }
                    }
                }
                _ => self.save_and_next(),
            }
        }
        self.save_and_next();
        Ok(self.buf[1..self.buf.len() - 1].to_vec())
    }

    /// PUC's `read_numeral`: greedily takes everything that could belong to a numeral, then
    /// converts it as a whole, so `3..2` is one malformed token rather than `3.` `.2`.
    fn read_numeral(&mut self, start: usize) -> Result<Tok, Box<SyntaxError>> {
        let first = self.cur();
        self.advance();
        let mut expo = [b'E', b'e'];
        if first == b'0' as i32 && matches!(self.cur(), 0x78 | 0x58) {
            self.advance();
            expo = [b'P', b'p'];
        }
        loop {
            let c = self.cur();
            if c == expo[0] as i32 || c == expo[1] as i32 {
                self.advance();
                if matches!(self.cur(), 0x2b | 0x2d) {
                    self.advance();
                }
            } else if is_xdigit(c) || c == b'.' as i32 {
                self.advance();
            } else {
                break;
            }
        }
        if is_alpha(self.cur()) {
            // A numeral touching a letter is malformed; include the letter in the message.
            self.advance();
        }
        let text = &self.src[start..self.pos];
        match str2number(text) {
            Some(tok) => Ok(tok),
            None => {
                let near = render(text);
                Err(self.error("malformed number", Some(&near)))
            }
        }
    }
}

/// PUC's `luaO_utf8esc`: encodes up to 2^31 - 1 as "extended" UTF-8 (up to 6 bytes).
fn utf8_esc(out: &mut Vec<u8>, mut x: u32) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = [0u8; 6];
    let mut n = 0;
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        tail[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    out.push(((!mfb << 1) | x) as u8);
    out.extend(tail[..n].iter().rev());
}

/// Converts a complete numeral the way PUC's `luaO_str2num` does for lexer input: integer if
/// it fits (hex integers wrap around), float otherwise, `None` if malformed.
pub fn str2number(s: &[u8]) -> Option<Tok> {
    if let Some(i) = str2int(s) {
        return Some(Tok::Int(i));
    }
    str2float(s).map(Tok::Float)
}

fn is_hex_prefix(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X')
}

fn str2int(s: &[u8]) -> Option<i64> {
    if is_hex_prefix(s) {
        let digits = &s[2..];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let a = digits.iter().fold(0u64, |a, &d| {
            a.wrapping_mul(16).wrapping_add(hex_value(d) as u64)
        });
        Some(a as i64)
    } else {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut a: i64 = 0;
        for &d in s {
            // Decimal integers that overflow are read as floats instead.
            a = a.checked_mul(10)?.checked_add((d - b'0') as i64)?;
        }
        Some(a)
    }
}

/// Splits `digits [. digits] [exp-mark [sign] decdigits]`, requiring at least one mantissa digit
/// and at least one exponent digit if there is an exponent mark.
struct FloatParts<'s> {
    int: &'s [u8],
    frac: &'s [u8],
    /// The exponent after the mark, with its optional sign.
    exp: Option<&'s [u8]>,
}

fn split_float(s: &[u8], hex: bool) -> Option<FloatParts<'_>> {
    let is_d = |b: &u8| {
        if hex {
            b.is_ascii_hexdigit()
        } else {
            b.is_ascii_digit()
        }
    };
    let int_len = s.iter().take_while(|b| is_d(b)).count();
    let (int_part, mut rest) = s.split_at(int_len);
    let mut frac_part: &[u8] = &[];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|b| is_d(b)).count();
        frac_part = &rest[1..1 + n];
        rest = &rest[1 + n..];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mark = if hex { b'p' } else { b'e' };
    let exp = match rest.first() {
        None => None,
        Some(&c) if c | 0x20 == mark => {
            let e = &rest[1..];
            let digits = match e.first() {
                Some(b'+') | Some(b'-') => &e[1..],
                _ => e,
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(e)
        }
        Some(_) => return None,
    };
    Some(FloatParts {
        int: int_part,
        frac: frac_part,
        exp,
    })
}

fn str2float(s: &[u8]) -> Option<f64> {
    if is_hex_prefix(s) {
        return split_float(&s[2..], true).map(hex_float);
    }
    split_float(s, false)?;
    // The grammar check above guarantees ASCII and excludes "inf"/"nan", which Rust would
    // accept but Lua does not; Rust's conversion is correctly rounded like glibc's strtod.
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// Correctly rounded (ties-to-even) conversion of a hexadecimal float, like C99 `strtod`.
fn hex_float(parts: FloatParts<'_>) -> f64 {
    let FloatParts {
        int: int_part,
        frac: frac_part,
        exp,
    } = parts;
    let mut m: u64 = 0;
    let mut e: i64 = 0;
    let mut sticky = false;
    for (i, &d) in int_part.iter().chain(frac_part).enumerate() {
        let is_frac = i >= int_part.len();
        if m < (1 << 60) {
            m = m * 16 + hex_value(d) as u64;
            if is_frac {
                e -= 4;
            }
        } else {
            sticky |= d != b'0';
            if !is_frac {
                e += 4;
            }
        }
    }
    if let Some(exp) = exp {
        let (neg, digits) = match exp[0] {
            b'-' => (true, &exp[1..]),
            b'+' => (false, &exp[1..]),
            _ => (false, exp),
        };
        // Saturate: anything this large already overflows or underflows.
        let p = digits
            .iter()
            .fold(0i64, |a, &d| (a * 10 + (d - b'0') as i64).min(1 << 40));
        e += if neg { -p } else { p };
    }
    if m == 0 {
        return 0.0;
    }
    let bits = 64 - m.leading_zeros() as i64;
    let top = e + bits - 1;
    if top > 1023 {
        return f64::INFINITY;
    }
    let prec = if top >= -1022 { 53 } else { top + 1075 };
    if prec < 0 {
        return 0.0;
    }
    let shift = bits - prec;
    let (mant, e2) = if shift <= 0 {
        (m, e)
    } else {
        let shift = shift as u32; // 1..=64
        let mant = if shift == 64 { 0 } else { m >> shift };
        let rem = if shift == 64 {
            m
        } else {
            m & ((1 << shift) - 1)
        };
        let half = 1u64 << (shift - 1);
        let up = rem > half || (rem == half && (sticky || mant & 1 == 1));
        (mant + up as u64, e + shift as i64)
    };
    // `mant` has at most 54 bits, so it converts exactly; scaling by powers of two is exact
    // because the rounding above already produced a representable value.
    let mut x = mant as f64;
    let mut k = e2;
    let pow2 = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
    while k > 1000 {
        x *= pow2(1000);
        k -= 1000;
    }
    while k < -1000 {
        x *= pow2(-1000);
        k += 1000;
    }
    x * pow2(k)
}
