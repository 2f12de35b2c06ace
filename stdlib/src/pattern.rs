//! Lua 5.4 patterns (manual §6.4.1), a line-by-line port of PUC-Rio's
//! `lstrlib.c` matcher over byte slices.
//!
//! The port is deliberately literal: the same recursion structure, the same
//! lazy error detection (PUC reports a malformed pattern only when the matcher
//! actually reaches the bad spot, so `("b"):find("a%")` is `nil` while
//! `("a"):find("a%")` raises), and the same `MAXCCALLS` depth budget. Where C
//! reads the NUL terminator one past the end of a string, [`byte_at`] returns 0
//! so the behaviour is identical for patterns and subjects with embedded NULs.
//!
//! Two additions only make it faster: the search loops of [`Matcher`] skip
//! start positions where the pattern's first item cannot match (an attempt
//! there would fail at once, raising nothing), and plain searches use the
//! `memchr` crate. A [`Match`] borrows the matcher's capture table instead of
//! copying it.
//!
//! # Errors
//! Every [`PatternError`] is raised by PUC with `luaL_error`, i.e. as a plain
//! error message, never as a `bad argument #n to 'f' (...)` argument error.
//! Callers should raise `err.to_string()` as-is (plus the usual `luaL_where`
//! position prefix, which is empty for C functions).
//!
//! # Positions
//! All byte offsets in this API are 0-based. The one exception is
//! [`Capture::Position`], which already holds the 1-based value a Lua `()`
//! capture yields, so callers can push it unchanged.

use std::cell::Cell;
use std::fmt;

/// `LUA_MAXCAPTURES` in luaconf.h.
pub const MAX_CAPTURES: usize = 32;
/// `MAXCCALLS` in lstrlib.c: the recursion budget of one match attempt.
pub const MAX_CALLS: usize = 200;

thread_local! {
    static WORK_LIMIT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Bounds the work of each matcher created afterwards on this thread (one `find`/`match`, one
/// `gmatch` loop, one `gsub`): after `steps` branches of the matcher it fails with "pattern too
/// complex". `None`, the default, is PUC-Rio's behaviour: a pattern that backtracks
/// exponentially (`("a"):rep(60):find(("a-"):rep(30) .. "b")`) runs for as long as it takes,
/// and nothing else can interrupt it. A host running patterns over untrusted subjects (the fuzz
/// targets) sets a bound.
pub fn set_work_limit(steps: Option<u64>) {
    WORK_LIMIT.with(|w| w.set(steps));
}

/// Pattern characters that force the real matcher in `string.find`
/// (lstrlib.c `SPECIALS`).
const SPECIALS: &[u8] = b"^$*+?.([%-";
const L_ESC: u8 = b'%';

/// The capture length sentinels PUC stores in `capture[i].len`.
const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;

/// An error raised while compiling-as-you-go or matching a pattern, or while
/// expanding a `gsub` replacement string. `Display` gives PUC's exact text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// "malformed pattern (ends with '%')"
    EndsWithEscape,
    /// "malformed pattern (missing ']')"
    MissingBracket,
    /// "missing '[' after '%f' in pattern"
    FrontierNoBracket,
    /// "malformed pattern (missing arguments to '%b')"
    BalanceMissingArgs,
    /// "invalid capture index %N" (N as PUC prints it: the 1-based index,
    /// so `%0` in a pattern reports `%0`).
    InvalidCaptureIndex(i32),
    /// "invalid pattern capture" (a `)` with no open capture)
    InvalidPatternCapture,
    /// "unfinished capture"
    UnfinishedCapture,
    /// "too many captures"
    TooManyCaptures,
    /// "pattern too complex"
    TooComplex,
    /// "invalid use of '%' in replacement string"
    InvalidReplacementEscape,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndsWithEscape => f.write_str("malformed pattern (ends with '%')"),
            Self::MissingBracket => f.write_str("malformed pattern (missing ']')"),
            Self::FrontierNoBracket => f.write_str("missing '[' after '%f' in pattern"),
            Self::BalanceMissingArgs => {
                f.write_str("malformed pattern (missing arguments to '%b')")
            }
            Self::InvalidCaptureIndex(i) => write!(f, "invalid capture index %{i}"),
            Self::InvalidPatternCapture => f.write_str("invalid pattern capture"),
            Self::UnfinishedCapture => f.write_str("unfinished capture"),
            Self::TooManyCaptures => f.write_str("too many captures"),
            Self::TooComplex => f.write_str("pattern too complex"),
            Self::InvalidReplacementEscape => {
                f.write_str("invalid use of '%' in replacement string")
            }
        }
    }
}

impl std::error::Error for PatternError {}

/// One capture value as Lua sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// A substring capture: the 0-based half-open byte range `start..end`.
    Range(usize, usize),
    /// A position capture `()`: the 1-based position Lua returns.
    Position(usize),
}

/// PUC's `capture[i]`: start offset and length (or a sentinel).
#[derive(Clone, Copy, Debug, Default)]
struct RawCap {
    init: usize,
    len: isize,
}

/// A successful match: the whole-match range plus a view of the matcher's
/// capture table (no copy, no heap), valid until the matcher runs again.
#[derive(Clone, Copy, Debug)]
pub struct Match<'m> {
    /// 0-based start of the whole match.
    pub start: usize,
    /// 0-based exclusive end of the whole match.
    pub end: usize,
    /// The explicit captures (PUC `ms->capture[0..level]`).
    caps: &'m [RawCap],
}

impl Match<'_> {
    /// Number of explicit captures in the pattern (PUC `ms->level`); this is
    /// how many extra values `string.find` returns.
    pub fn capture_count(&self) -> usize {
        self.caps.len()
    }

    /// How many values `string.match`/`gmatch` return: the explicit
    /// captures, or 1 (the whole match) when there are none.
    pub fn push_count(&self) -> usize {
        self.caps.len().max(1)
    }

    /// Capture `i` (0-based) with PUC's `get_onecapture` semantics: index 0
    /// with no explicit captures is the whole match; other out-of-range
    /// indices are "invalid capture index %{i+1}"; a capture left open by
    /// the pattern (`"(a"`) is "unfinished capture".
    pub fn capture(&self, i: usize) -> Result<Capture, PatternError> {
        let Some(&c) = self.caps.get(i) else {
            if i != 0 {
                return Err(PatternError::InvalidCaptureIndex(i as i32 + 1));
            }
            return Ok(Capture::Range(self.start, self.end));
        };
        match c.len {
            CAP_UNFINISHED => Err(PatternError::UnfinishedCapture),
            CAP_POSITION => Ok(Capture::Position(c.init + 1)),
            len => Ok(Capture::Range(c.init, c.init + len as usize)),
        }
    }
}

/// The matcher state of one match attempt (PUC `MatchState`).
struct MatchState<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    /// Branches left before "pattern too complex" ([`set_work_limit`]; unbounded by default).
    work: u64,
    level: usize,
    caps: [RawCap; MAX_CAPTURES],
}

/// Byte at `i`, or 0 past the end — C reads the string's NUL terminator
/// there, and several checks in lstrlib.c rely on that.
#[inline(always)]
fn byte_at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// Bits of the character classes in the C locale, one per class letter.
const CL_A: u16 = 1;
const CL_C: u16 = 1 << 1;
const CL_D: u16 = 1 << 2;
const CL_G: u16 = 1 << 3;
const CL_L: u16 = 1 << 4;
const CL_P: u16 = 1 << 5;
const CL_S: u16 = 1 << 6;
const CL_U: u16 = 1 << 7;
const CL_W: u16 = 1 << 8;
const CL_X: u16 = 1 << 9;
const CL_Z: u16 = 1 << 10;

/// The classes each byte belongs to (what C's `<ctype.h>` tables hold).
const CHAR_CLASSES: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut bits = 0;
        if c.is_ascii_alphabetic() {
            bits |= CL_A;
        }
        if c.is_ascii_control() {
            bits |= CL_C;
        }
        if c.is_ascii_digit() {
            bits |= CL_D;
        }
        if c.is_ascii_graphic() {
            bits |= CL_G;
        }
        if c.is_ascii_lowercase() {
            bits |= CL_L;
        }
        if c.is_ascii_punctuation() {
            bits |= CL_P;
        }
        // C isspace includes \v, which Rust's is_ascii_whitespace omits.
        if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            bits |= CL_S;
        }
        if c.is_ascii_uppercase() {
            bits |= CL_U;
        }
        if c.is_ascii_alphanumeric() {
            bits |= CL_W;
        }
        if c.is_ascii_hexdigit() {
            bits |= CL_X;
        }
        if c == 0 {
            bits |= CL_Z;
        }
        t[i] = bits;
        i += 1;
    }
    t
};

/// The class bit a class letter after `%` selects (either case), 0 for a non-class.
const CLASS_OF_LETTER: [u16; 256] = {
    let mut t = [0u16; 256];
    let letters: [(u8, u16); 11] = [
        (b'a', CL_A),
        (b'c', CL_C),
        (b'd', CL_D),
        (b'g', CL_G),
        (b'l', CL_L),
        (b'p', CL_P),
        (b's', CL_S),
        (b'u', CL_U),
        (b'w', CL_W),
        (b'x', CL_X),
        // Deprecated in 5.2 but still accepted by 5.4's lstrlib.c.
        (b'z', CL_Z),
    ];
    let mut i = 0;
    while i < letters.len() {
        let (l, bit) = letters[i];
        t[l as usize] = bit;
        t[l.to_ascii_uppercase() as usize] = bit;
        i += 1;
    }
    t
};

/// `match_class` in the C locale, table-driven like C's ctype.
#[inline]
fn match_class(c: u8, cl: u8) -> bool {
    let bit = CLASS_OF_LETTER[cl as usize];
    if bit == 0 {
        return cl == c;
    }
    let res = CHAR_CLASSES[c as usize] & bit != 0;
    if cl.is_ascii_uppercase() { !res } else { res }
}

/// `matchbracketclass`: `p` is the index of '[', `ec` the index of the
/// closing ']'.
fn match_bracket_class(c: u8, pat: &[u8], mut p: usize, ec: usize) -> bool {
    let mut sig = true;
    if byte_at(pat, p + 1) == b'^' {
        sig = false;
        p += 1;
    }
    loop {
        p += 1;
        if p >= ec {
            break;
        }
        let pc = pat[p];
        if pc == L_ESC {
            p += 1;
            if match_class(c, byte_at(pat, p)) {
                return sig;
            }
        } else if byte_at(pat, p + 1) == b'-' && p + 2 < ec {
            p += 2;
            if pc <= c && c <= pat[p] {
                return sig;
            }
        } else if pc == c {
            return sig;
        }
    }
    !sig
}

impl<'a> MatchState<'a> {
    fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        MatchState {
            src,
            pat,
            depth: MAX_CALLS,
            work: WORK_LIMIT.with(|w| w.get()).unwrap_or(u64::MAX),
            level: 0,
            caps: [RawCap::default(); MAX_CAPTURES],
        }
    }

    /// PUC `reprepstate`: fresh budget and captures for a new attempt.
    #[inline]
    fn reset(&mut self) {
        self.depth = MAX_CALLS;
        self.level = 0;
    }

    fn to_match(&self, start: usize, end: usize) -> Match<'_> {
        Match {
            start,
            end,
            caps: &self.caps[..self.level],
        }
    }

    /// `classEnd`: index just past the single-char class starting at `p`.
    #[inline]
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        class_end(self.pat, p)
    }

    /// The first position at or after `from` where a match may start, or
    /// `src.len() + 1` when there is none.
    #[inline]
    fn next_start(&self, first: FirstItem, from: usize) -> usize {
        let none = self.src.len() + 1;
        match first {
            FirstItem::Any => from,
            _ if from >= self.src.len() => none,
            FirstItem::Byte(b) => memchr::memchr(b, &self.src[from..]).map_or(none, |k| from + k),
            FirstItem::Class(p, ep) => (from..self.src.len())
                .find(|&i| self.single_match(i, p, ep))
                .unwrap_or(none),
        }
    }
}

/// `classEnd` on pattern `pat`: index just past the single-char class
/// starting at `p`.
fn class_end(pat: &[u8], mut p: usize) -> Result<usize, PatternError> {
    let c = pat[p]; // never past the end: callers stand on an item
    p += 1;
    match c {
        L_ESC => {
            if p >= pat.len() {
                return Err(PatternError::EndsWithEscape);
            }
            Ok(p + 1)
        }
        b'[' => {
            if byte_at(pat, p) == b'^' {
                p += 1;
            }
            // Look for the closing ']'; the first char is never it.
            loop {
                if p >= pat.len() {
                    return Err(PatternError::MissingBracket);
                }
                let cc = pat[p];
                p += 1;
                if cc == L_ESC && p < pat.len() {
                    p += 1; // skip escapes such as '%]'
                }
                if byte_at(pat, p) == b']' {
                    break;
                }
            }
            Ok(p + 1)
        }
        _ => Ok(p),
    }
}

impl<'a> MatchState<'a> {
    /// `singlematch`: does the class `pat[p..ep]` match `src[s]`?
    #[inline]
    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            L_ESC => match_class(c, byte_at(self.pat, p + 1)),
            b'[' => match_bracket_class(c, self.pat, p, ep - 1),
            pc => pc == c,
        }
    }

    fn match_balance(&self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if p + 1 >= self.pat.len() {
            return Err(PatternError::BalanceMissingArgs);
        }
        let (b, e) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&b) {
            return Ok(None);
        }
        let mut cont = 1usize;
        for (i, &c) in self.src.iter().enumerate().skip(s + 1) {
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == b {
                cont += 1;
            }
        }
        Ok(None)
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, PatternError> {
        let mut i = 0usize;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        // Try the longest run first, giving back one repetition at a time.
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(
        &mut self,
        mut s: usize,
        p: usize,
        ep: usize,
    ) -> Result<Option<usize>, PatternError> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(
        &mut self,
        s: usize,
        p: usize,
        what: isize,
    ) -> Result<Option<usize>, PatternError> {
        let level = self.level;
        if level >= MAX_CAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        self.caps[level] = RawCap { init: s, len: what };
        self.level = level + 1;
        let res = self.do_match(s, p)?;
        if res.is_none() {
            self.level -= 1; // undo capture
        }
        Ok(res)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        let l = self.capture_to_close()?;
        self.caps[l].len = (s - self.caps[l].init) as isize;
        let res = self.do_match(s, p)?;
        if res.is_none() {
            self.caps[l].len = CAP_UNFINISHED; // undo close
        }
        Ok(res)
    }

    fn capture_to_close(&self) -> Result<usize, PatternError> {
        (0..self.level)
            .rev()
            .find(|&l| self.caps[l].len == CAP_UNFINISHED)
            .ok_or(PatternError::InvalidPatternCapture)
    }

    /// `match_capture` for a back-reference `%1`..`%9` (`l` is the digit).
    fn match_capture(&self, s: usize, l: u8) -> Result<Option<usize>, PatternError> {
        let idx = l as i32 - b'1' as i32;
        if idx < 0 || idx as usize >= self.level || self.caps[idx as usize].len == CAP_UNFINISHED {
            return Err(PatternError::InvalidCaptureIndex(idx + 1));
        }
        let cap = self.caps[idx as usize];
        // A position capture has a negative length; PUC's size_t comparison
        // makes a back-reference to it always fail.
        if cap.len < 0 {
            return Ok(None);
        }
        let len = cap.len as usize;
        let cap_bytes = &self.src[cap.init..cap.init + len];
        if self.src.len() - s >= len && &self.src[s..s + len] == cap_bytes {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }

    /// PUC `match`: returns the end of the match of `pat[p..]` at `src[s..]`.
    /// Tail calls are loops (PUC's `goto init`), so only genuine branching
    /// consumes the `MAX_CALLS` budget — and therefore Rust stack.
    fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if self.depth == 0 || self.work == 0 {
            return Err(PatternError::TooComplex);
        }
        self.depth -= 1;
        self.work -= 1;
        let res = self.match_body(s, p);
        self.depth += 1;
        res
    }

    #[inline(always)]
    fn match_body(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, PatternError> {
        let pat = self.pat;
        loop {
            if p >= pat.len() {
                return Ok(Some(s));
            }
            match pat[p] {
                b'(' => {
                    return if byte_at(pat, p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == pat.len() => {
                    return Ok(if s == self.src.len() { Some(s) } else { None });
                }
                L_ESC if byte_at(pat, p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(ns) => {
                        s = ns;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                L_ESC if byte_at(pat, p + 1) == b'f' => {
                    p += 2;
                    if byte_at(pat, p) != b'[' {
                        return Err(PatternError::FrontierNoBracket);
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 { 0 } else { self.src[s - 1] };
                    let cur = byte_at(self.src, s);
                    if !match_bracket_class(prev, pat, p, ep - 1)
                        && match_bracket_class(cur, pat, p, ep - 1)
                    {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                L_ESC if byte_at(pat, p + 1).is_ascii_digit() => {
                    match self.match_capture(s, pat[p + 1])? {
                        Some(ns) => {
                            s = ns;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    // A single-char class plus an optional suffix.
                    let ep = self.class_end(p)?;
                    let suffix = byte_at(pat, ep);
                    if !self.single_match(s, p, ep) {
                        if matches!(suffix, b'*' | b'?' | b'-') {
                            // The item accepts an empty match.
                            p = ep + 1;
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(r));
                            }
                            p = ep + 1;
                            continue;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                            continue;
                        }
                    }
                }
            }
        }
    }
}

/// Whether each byte is one of [`SPECIALS`].
const IS_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < SPECIALS.len() {
        t[SPECIALS[i] as usize] = true;
        i += 1;
    }
    t
};

/// PUC `nospecials` negated: `true` if `p` needs the pattern matcher, i.e.
/// contains any of `^$*+?.([%-`. `string.find` with a pattern for which
/// this is `false` may use [`find_plain`] (PUC does exactly that).
pub fn has_specials(p: &[u8]) -> bool {
    p.iter().any(|&c| IS_SPECIAL[c as usize])
}

/// Plain substring search (PUC `lmemfind`) starting at byte `init`
/// (0-based); returns the 0-based start of the first occurrence. An empty
/// needle matches at `init` if `init <= hay.len()`.
///
/// Like PUC, this looks for the needle's first byte (with `memchr`'s
/// vectorised search) and compares the rest; when first bytes keep matching
/// in vain it switches to `memchr`'s memmem, whose setup cost only pays on
/// such subjects.
pub fn find_plain(hay: &[u8], needle: &[u8], init: usize) -> Option<usize> {
    /// False first-byte candidates tolerated before switching to memmem.
    const MAX_MISSES: usize = 16;
    if init > hay.len() {
        return None;
    }
    let rest = &hay[init..];
    let at = match needle {
        [] => Some(0),
        [c] => memchr::memchr(*c, rest),
        _ if needle.len() > rest.len() => None,
        [first, tail @ ..] => {
            // Candidates must start no later than `last`.
            let last = rest.len() - needle.len();
            let mut pos = 0;
            let mut misses = 0;
            loop {
                let Some(k) = memchr::memchr(*first, &rest[pos..=last]) else {
                    break None;
                };
                let at = pos + k;
                if bytes_eq(&rest[at + 1..at + needle.len()], tail) {
                    break Some(at);
                }
                pos = at + 1;
                misses += 1;
                if misses == MAX_MISSES {
                    break memchr::memmem::find(&rest[pos..], needle).map(|k| pos + k);
                }
            }
        }
    };
    at.map(|k| init + k)
}

/// Slice equality that compares short slices inline: `==` on bytes calls
/// `memcmp`, whose call overhead dominates for a few bytes.
#[inline]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() <= 16 {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// What a match attempt at a given position needs first, so the search
/// loops can skip positions where it cannot start (PUC tries every
/// position; skipping ones that would fail at once changes nothing,
/// including which errors are raised).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FirstItem {
    /// Anything may start a match (or the pattern is left to the matcher).
    Any,
    /// A match starts with this literal byte.
    Byte(u8),
    /// A match starts with a byte of the class `pat[p..ep]`.
    Class(usize, usize),
}

/// The first item of `pat` (anchor already removed), looking through
/// capture openings, when it must consume one byte: a single-char class
/// without a `*`, `?` or `-` suffix. Malformed items give `Any`, so the
/// matcher reports them where PUC does.
fn first_item(pat: &[u8]) -> FirstItem {
    let mut p = 0;
    let mut opened = 0;
    while pat.get(p) == Some(&b'(') {
        opened += 1;
        // Past MAX_CAPTURES the matcher must raise "too many captures".
        if opened >= MAX_CAPTURES {
            return FirstItem::Any;
        }
        p += if pat.get(p + 1) == Some(&b')') { 2 } else { 1 };
    }
    let Some(&c) = pat.get(p) else {
        return FirstItem::Any;
    };
    let ep = match c {
        b')' | b'.' => return FirstItem::Any,
        b'$' if p + 1 == pat.len() => return FirstItem::Any,
        L_ESC if matches!(byte_at(pat, p + 1), b'b' | b'f' | b'0'..=b'9') => {
            return FirstItem::Any;
        }
        _ => match class_end(pat, p) {
            Ok(ep) => ep,
            Err(_) => return FirstItem::Any,
        },
    };
    match byte_at(pat, ep) {
        b'*' | b'?' | b'-' => FirstItem::Any,
        _ if c == L_ESC || c == b'[' => FirstItem::Class(p, ep),
        _ => FirstItem::Byte(c),
    }
}

/// A pattern bound to a subject: the matcher state (PUC `MatchState`) that
/// the search loops below reuse from one match attempt to the next. The
/// [`Match`] they return borrows its capture table.
pub struct Matcher<'a> {
    ms: MatchState<'a>,
    /// The pattern as given (a plain `find` searches for all of it).
    full: &'a [u8],
    /// Whether a leading `^` anchors the search (it was removed from `ms`).
    anchor: bool,
}

impl<'a> Matcher<'a> {
    /// For `find`, `match` and `gsub`: a leading `^` anchors matches at the
    /// start position.
    pub fn new(s: &'a [u8], p: &'a [u8]) -> Self {
        let (anchor, pat) = match p.split_first() {
            Some((b'^', rest)) => (true, rest),
            _ => (false, p),
        };
        Matcher {
            ms: MatchState::new(s, pat),
            full: p,
            anchor,
        }
    }

    /// For `gmatch`, where PUC does not strip a leading `^`: it is an
    /// ordinary character there.
    pub fn unanchored(s: &'a [u8], p: &'a [u8]) -> Self {
        Matcher {
            ms: MatchState::new(s, p),
            full: p,
            anchor: false,
        }
    }

    /// Where a match may start (see [`FirstItem`]); anchored searches make a
    /// single attempt.
    fn first(&self) -> FirstItem {
        if self.anchor {
            FirstItem::Any
        } else {
            first_item(self.ms.pat)
        }
    }

    /// Pattern search as in `string.find`/`string.match` (PUC
    /// `str_find_aux`, pattern branch): tries every start from `init`
    /// (0-based, already clamped by the caller per `posrelatI`), or only
    /// `init` if the pattern is anchored. `init > s.len()` finds nothing.
    pub fn find(&mut self, init: usize) -> Result<Option<Match<'_>>, PatternError> {
        let len = self.ms.src.len();
        if init > len {
            return Ok(None);
        }
        let first = self.first();
        let mut s1 = init;
        loop {
            s1 = self.ms.next_start(first, s1);
            if s1 > len {
                return Ok(None);
            }
            self.ms.reset();
            if let Some(e) = self.ms.do_match(s1, 0)? {
                return Ok(Some(self.ms.to_match(s1, e)));
            }
            s1 += 1;
            if self.anchor || s1 > len {
                return Ok(None);
            }
        }
    }

    /// `string.find` as a whole: a plain search when `plain` is set or the
    /// pattern has no specials, else [`Matcher::find`]. Plain results have
    /// no captures.
    pub fn find_auto(
        &mut self,
        init: usize,
        plain: bool,
    ) -> Result<Option<Match<'_>>, PatternError> {
        let p = self.full;
        if plain || !has_specials(p) {
            let at = find_plain(self.ms.src, p, init);
            return Ok(at.map(|at| Match {
                start: at,
                end: at + p.len(),
                caps: &[],
            }));
        }
        self.find(init)
    }

    /// The next `string.gmatch` match, or `None` when exhausted.
    pub fn gmatch_next(&mut self, st: &mut GmatchState) -> Result<Option<Match<'_>>, PatternError> {
        let len = self.ms.src.len();
        let first = self.first();
        let mut src = st.src;
        while src <= len {
            src = self.ms.next_start(first, src);
            if src > len {
                break;
            }
            self.ms.reset();
            if let Some(e) = self.ms.do_match(src, 0)?
                && Some(e) != st.last_match
            {
                st.src = e;
                st.last_match = Some(e);
                return Ok(Some(self.ms.to_match(src, e)));
            }
            src += 1;
        }
        st.src = src;
        Ok(None)
    }

    /// The next match `gsub` must replace, after appending the unmatched
    /// bytes before it to `out`. `None` once finished, after appending the
    /// rest of the subject. Lua 5.4 rule: a match ending where the previous
    /// match ended is skipped, so `("hello world"):gsub("%w*", "x")` gives
    /// `"x x"`, 2.
    pub fn gsub_next(
        &mut self,
        st: &mut GsubState,
        out: &mut Vec<u8>,
    ) -> Result<Option<Match<'_>>, PatternError> {
        let s = self.ms.src;
        let first = self.first();
        while !st.finished && st.n < st.max_n {
            let src = self.ms.next_start(first, st.src);
            if src > s.len() {
                break;
            }
            st.src = src;
            self.ms.reset();
            match self.ms.do_match(src, 0)? {
                Some(e) if Some(e) != st.last_match => {
                    st.n += 1;
                    // Unmatched bytes are copied in runs rather than one at a time.
                    out.extend_from_slice(&s[st.copied..src]);
                    st.src = e;
                    st.copied = e;
                    st.last_match = Some(e);
                    st.finished = self.anchor;
                    return Ok(Some(self.ms.to_match(src, e)));
                }
                _ if src < s.len() => st.src += 1,
                _ => break,
            }
            if self.anchor {
                break;
            }
        }
        st.finished = true;
        out.extend_from_slice(&s[st.copied..]);
        st.copied = s.len();
        Ok(None)
    }

    /// `string.gsub`'s whole loop for replacements that need no Lua call:
    /// for each match, `repl` appends the replacement to `out`; unmatched
    /// bytes are copied through. Returns the number of substitutions.
    ///
    /// `E` lets the replacement propagate its own error type.
    pub fn gsub<E: From<PatternError>>(
        &mut self,
        max_n: usize,
        out: &mut Vec<u8>,
        mut repl: impl FnMut(&Match<'_>, &mut Vec<u8>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let mut st = GsubState::new(max_n);
        while let Some(m) = self.gsub_next(&mut st, out)? {
            repl(&m, out)?;
        }
        Ok(st.count())
    }
}

/// The resumable state of a `string.gmatch` iterator; it holds no borrows so
/// the VM can keep it in the iterator closure next to the two strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GmatchState {
    /// Where the next attempt starts (0-based).
    src: usize,
    /// End of the previous match, which must not end an empty match again.
    last_match: Option<usize>,
}

impl GmatchState {
    /// `init` is the 0-based start from `posrelatI(init) - 1`; like PUC, a
    /// start past the end yields no matches at all.
    pub fn new(subject_len: usize, init: usize) -> Self {
        GmatchState {
            src: init.min(subject_len + 1),
            last_match: None,
        }
    }
}

/// The resumable state of a `string.gsub` loop (PUC `str_gsub`), so a
/// replacement function can run between two matches (the VM calls it
/// stacklessly). It holds no borrows: the caller keeps subject and pattern
/// and makes a [`Matcher`] for each run of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GsubState {
    /// Where the next attempt starts (0-based).
    src: usize,
    /// End of the previous match: a match ending there again is skipped.
    last_match: Option<usize>,
    /// Subject bytes before this offset are already in the output.
    copied: usize,
    /// Substitutions made so far.
    n: usize,
    max_n: usize,
    finished: bool,
}

impl GsubState {
    /// A loop making at most `max_n` substitutions.
    pub fn new(max_n: usize) -> Self {
        GsubState {
            src: 0,
            last_match: None,
            copied: 0,
            n: 0,
            max_n,
            finished: false,
        }
    }

    /// Number of substitutions made so far.
    pub fn count(&self) -> usize {
        self.n
    }
}

/// Appends the expansion of a `gsub` replacement string (PUC `add_s`):
/// `%0` is the whole match, `%1`..`%9` captures (position captures print
/// as integers), `%%` a percent; any other `%x` (or a trailing `%`) is
/// "invalid use of '%' in replacement string".
pub fn expand_replacement(
    repl: &[u8],
    s: &[u8],
    m: &Match,
    out: &mut Vec<u8>,
) -> Result<(), PatternError> {
    let mut rest = repl;
    while let Some(k) = memchr::memchr(L_ESC, rest) {
        out.extend_from_slice(&rest[..k]);
        let c = byte_at(rest, k + 1);
        match c {
            L_ESC => out.push(L_ESC),
            b'0' => out.extend_from_slice(&s[m.start..m.end]),
            b'1'..=b'9' => match m.capture((c - b'1') as usize)? {
                Capture::Range(a, b) => out.extend_from_slice(&s[a..b]),
                Capture::Position(pos) => {
                    out.extend_from_slice(pos.to_string().as_bytes());
                }
            },
            _ => return Err(PatternError::InvalidReplacementEscape),
        }
        rest = &rest[k + 2..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A work limit turns exponential backtracking into "pattern too complex"; without one
    /// (the default) the same matcher runs to its end, as in PUC-Rio.
    #[test]
    fn work_limit() {
        let s = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let p = b"a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-b";
        set_work_limit(Some(100_000));
        let r = Matcher::new(s, p).find(0).map(|m| m.is_some());
        set_work_limit(None);
        assert_eq!(r, Err(PatternError::TooComplex));
        assert_eq!(
            Matcher::new(b"ab", b"a-b").find(0).map(|m| m.is_some()),
            Ok(true)
        );
    }

    /// Lua's `posrelatI` followed by the `- 1` every caller does.
    fn start(init: i64, len: usize) -> usize {
        let len = len as i64;
        let p = if init > 0 {
            init
        } else if init == 0 || init < -len {
            1
        } else {
            len + init + 1
        };
        (p - 1) as usize
    }

    /// Renders results the way `print` would, space-separated.
    fn show_caps(s: &[u8], m: &Match, n: usize) -> Result<Vec<String>, PatternError> {
        (0..n)
            .map(|i| {
                Ok(match m.capture(i)? {
                    Capture::Range(a, b) => String::from_utf8_lossy(&s[a..b]).into_owned(),
                    Capture::Position(p) => p.to_string(),
                })
            })
            .collect()
    }

    fn lua_find(s: &[u8], p: &[u8], init: i64) -> String {
        let mut matcher = Matcher::new(s, p);
        let r = matcher
            .find_auto(start(init, s.len()), false)
            .and_then(|m| match m {
                None => Ok("nil".to_string()),
                Some(m) => {
                    let mut out = vec![(m.start + 1).to_string(), m.end.to_string()];
                    out.extend(show_caps(s, &m, m.capture_count())?);
                    Ok(out.join(" "))
                }
            });
        r.unwrap_or_else(|e| format!("ERR {e}"))
    }

    fn lua_match(s: &[u8], p: &[u8], init: i64) -> String {
        let mut matcher = Matcher::new(s, p);
        let r = matcher.find(start(init, s.len())).and_then(|m| match m {
            None => Ok("nil".to_string()),
            Some(m) => Ok(show_caps(s, &m, m.push_count())?.join(" ")),
        });
        r.unwrap_or_else(|e| format!("ERR {e}"))
    }

    fn lua_gsub(s: &[u8], p: &[u8], r: &[u8], max: i64) -> String {
        let max = if max == -99 {
            usize::MAX
        } else {
            max.max(0) as usize
        };
        let mut out = Vec::new();
        let res = Matcher::new(s, p)
            .gsub::<PatternError>(max, &mut out, |m, o| expand_replacement(r, s, m, o));
        match res {
            Ok(n) => format!("{} {n}", String::from_utf8_lossy(&out)),
            Err(e) => format!("ERR {e}"),
        }
    }

    fn lua_gmatch(s: &[u8], p: &[u8], init: i64) -> String {
        let mut st = GmatchState::new(s.len(), start(init, s.len()));
        let mut out = String::new();
        loop {
            match Matcher::unanchored(s, p).gmatch_next(&mut st) {
                Ok(None) => return out,
                Ok(Some(m)) => {
                    let caps = show_caps(s, &m, m.push_count()).unwrap();
                    out.push('[');
                    out.push_str(&caps.join("|"));
                    out.push(']');
                }
                Err(e) => return format!("ERR {e}"),
            }
        }
    }

    // Expectations below were produced by running the same calls in lua5.4.
    const FINDS: &[(&[u8], &[u8], i64, &str)] = &[
        (b"hello", b"l+", 1, "3 4"),
        (b"hello", b"l+", 4, "4 4"),
        (b"hello", b"xyz", 1, "nil"),
        (b"hello", b"", 1, "1 0"),
        (b"hello", b"", 10, "nil"),
        (b"hello", b"", 6, "6 5"),
        (b"hello", b"l", -2, "4 4"),
        (b"hello", b"^h", 1, "1 1"),
        (b"hello", b"^e", 1, "nil"),
        (b"hello", b"o$", 1, "5 5"),
        (b"hello", b"l$", 1, "nil"),
        (b"a$b", b"a$b", 1, "1 3"),
        (b"a^b", b"a^b", 1, "1 3"),
        (b"abc", b"b", 10, "nil"),
        (b"hello world", b"o w", 1, "5 7"),
        (b"a+b", b"+", 1, "2 2"),
        (b"a.b", b"%.", 1, "2 2"),
        (b"a(b", b"%(", 1, "2 2"),
        (b"THE (quick) fox", b"%f[%a]%a+", 1, "1 3"),
        (b"x = (a(b)c)", b"%b()", 1, "5 11"),
        (b"x = (a(b)c", b"%b()", 1, "7 9"),
        (b"aXb", b"%f[%u]", 1, "2 1"),
        (b"abc", b"%f[%z]", 1, "4 3"),
        (b"abc", b"%f[%Z]", 1, "1 0"),
        (b"ab\x00c", b"[%z]", 1, "3 3"),
        (b"\x00a\x00", b"%z", 1, "1 1"),
        (b"a]b", b"[]]", 1, "2 2"),
        (b"a^b", b"[^^]", 1, "1 1"),
        (b"a-b", b"[a-]", 2, "2 2"),
        (b"b", b"[a-]", 1, "nil"),
        (b"-", b"[a-]", 1, "1 1"),
        (b"-", b"[%a-z]", 1, "1 1"),
        (b"hello", b"()ll()", 1, "3 4 3 5"),
        (b"key=val", b"(%w+)=(%w+)", 1, "1 7 key val"),
        (b"abcabc", b"(abc)%1", 1, "1 6 abc"),
        (b"aaab", b"a-b", 1, "1 4"),
        (b"aaab", b"(a-)b", 1, "1 4 aaa"),
        (b"aaab", b"(a*)(b?)", 1, "1 4 aaa b"),
        (b"  abc  ", b"^%s*(.-)%s*$", 1, "1 7 abc"),
        (b" \x09\x0a\x0b\x0c\x0d", b"%s+", 1, "1 6"),
        (b"2024-01-02", b"(%d+)-(%d+)-(%d+)", 1, "1 10 2024 01 02"),
        (b"aab", b"()a%1", 1, "nil"),
        (b"abc", b"(()", 1, "ERR unfinished capture"),
        (b"abc", b"(a", 1, "ERR unfinished capture"),
        (b"a", b".)", 1, "ERR invalid pattern capture"),
        (b"a", b"%", 1, "ERR malformed pattern (ends with '%')"),
        (b"a", b"[a", 1, "ERR malformed pattern (missing ']')"),
        (b"a", b"%f", 1, "ERR missing '[' after '%f' in pattern"),
        (b"a", b"%fa", 1, "ERR missing '[' after '%f' in pattern"),
        (
            b"a",
            b"%b",
            1,
            "ERR malformed pattern (missing arguments to '%b')",
        ),
        (
            b"a",
            b"%b(",
            1,
            "ERR malformed pattern (missing arguments to '%b')",
        ),
        (b"a", b"(a)%2", 1, "ERR invalid capture index %2"),
        (b"a", b"%1", 1, "ERR invalid capture index %1"),
        (b"a", b"(a%1)", 1, "ERR invalid capture index %1"),
        (b"aaa", b"(a)%0", 1, "ERR invalid capture index %0"),
        (b"b", b"a%", 1, "nil"),
        (b"a", b"a%", 1, "ERR malformed pattern (ends with '%')"),
        (b"a", b"[%", 1, "ERR malformed pattern (missing ']')"),
        (b"a", b"[a-%", 1, "ERR malformed pattern (missing ']')"),
        (b"]", b"[^]", 1, "ERR malformed pattern (missing ']')"),
        (b"a", b"[^]]", 1, "1 1"),
        (b"abc", b"[b-]", 1, "2 2"),
        (b"abc", b"[^a-b]", 1, "3 3"),
        (b"ABCdef", b"%u+", 1, "1 3"),
        (b"ABCdef", b"%l+", 1, "4 6"),
        (b"ab12", b"%d*", 1, "1 0"),
        (b"ab12", b"%D+", 1, "1 2"),
        (b"x!y", b"%p", 1, "2 2"),
        (b"x!y", b"%P+", 1, "1 1"),
        (b"ab 12", b"%w+%s%d+", 1, "1 5"),
        (b"ab 12", b"%W", 1, "3 3"),
        (b"ffz", b"%x+", 1, "1 2"),
        (b"\x01a", b"%c", 1, "1 1"),
        (b"\x01a", b"%C", 1, "2 2"),
        (b"  a", b"%S", 1, "3 3"),
        (b"a b", b"%g+", 1, "1 1"),
        (b"a b", b"%G", 1, "2 2"),
        (b"abc", b"a.c", 1, "1 3"),
        (b"abc", b"a?b?c?d?", 1, "1 3"),
        (b"xabcx", b"[abc]+", 1, "2 4"),
        (b"xabcx", b"[^x]+", 1, "2 4"),
        (b"hello", b"l-o", 1, "3 5"),
        (b"hello", b"e?l*", 1, "1 0"),
        (b"hello", b"h+e+l+o+", 1, "1 5"),
        (b"(foo(bar))baz", b"%b()", 1, "1 10"),
        (b"[[x]]", b"%b[]", 1, "1 5"),
        (b"if x then y end", b"%f[%w]%w+%f[%W]", 1, "1 2"),
        (b"aaa", b"a-", 1, "1 0"),
        (b"aaa", b"a-$", 1, "1 3"),
        (b"aaa", b"^(a*)$", 1, "1 3 aaa"),
        (b"%", b"%%", 1, "1 1"),
        (b"a.b", b"[.]", 1, "2 2"),
        (b"a%b", b"[%%]", 1, "2 2"),
        (b"a]b", b"[%]]", 1, "2 2"),
        (b"abc", b"[]", 1, "ERR malformed pattern (missing ']')"),
        (b"x", b"[x-]", 1, "1 1"),
        (b"z", b"[a-%z]", 1, "1 1"),
        (b"hello", b"(h)(e)(l)(l)(o)", 1, "1 5 h e l l o"),
        (b"hello", b"((h)(e))", 1, "1 2 he h e"),
        (b"abab", b"(ab)%1", 1, "1 4 ab"),
        (b"ab", b"()(a)()", 1, "1 1 1 a 2"),
        (b"hello", b"(l)(l)", 1, "3 4 l l"),
        (b"\xff\x80", b"[\x80-\xff]+", 1, "1 2"),
        (b"a\x00b", b"\x00", 1, "2 2"),
        (b"a\x00b", b"%z", 1, "2 2"),
        (b"a\x00b", b"[\x00]", 1, "2 2"),
        (b"hello", b".-", 3, "3 2"),
    ];
    const MATCHES: &[(&[u8], &[u8], i64, &str)] = &[
        (b"hello", b"l+", 1, "ll"),
        (b"hello", b"l+", 4, "l"),
        (b"hello", b"xyz", 1, "nil"),
        (b"hello", b"", 1, ""),
        (b"hello", b"", 10, "nil"),
        (b"hello", b"", 6, ""),
        (b"hello", b"l", -2, "l"),
        (b"hello", b"^h", 1, "h"),
        (b"hello", b"^e", 1, "nil"),
        (b"hello", b"o$", 1, "o"),
        (b"hello", b"l$", 1, "nil"),
        (b"a$b", b"a$b", 1, "a$b"),
        (b"a^b", b"a^b", 1, "a^b"),
        (b"abc", b"b", 10, "nil"),
        (b"hello world", b"o w", 1, "o w"),
        (b"a+b", b"+", 1, "+"),
        (b"a.b", b"%.", 1, "."),
        (b"a(b", b"%(", 1, "("),
        (b"THE (quick) fox", b"%f[%a]%a+", 1, "THE"),
        (b"x = (a(b)c)", b"%b()", 1, "(a(b)c)"),
        (b"x = (a(b)c", b"%b()", 1, "(b)"),
        (b"aXb", b"%f[%u]", 1, ""),
        (b"abc", b"%f[%z]", 1, ""),
        (b"abc", b"%f[%Z]", 1, ""),
        (b"ab\x00c", b"[%z]", 1, "\x00"),
        (b"\x00a\x00", b"%z", 1, "\x00"),
        (b"a]b", b"[]]", 1, "]"),
        (b"a^b", b"[^^]", 1, "a"),
        (b"a-b", b"[a-]", 2, "-"),
        (b"b", b"[a-]", 1, "nil"),
        (b"-", b"[a-]", 1, "-"),
        (b"-", b"[%a-z]", 1, "-"),
        (b"hello", b"()ll()", 1, "3 5"),
        (b"key=val", b"(%w+)=(%w+)", 1, "key val"),
        (b"abcabc", b"(abc)%1", 1, "abc"),
        (b"aaab", b"a-b", 1, "aaab"),
        (b"aaab", b"(a-)b", 1, "aaa"),
        (b"aaab", b"(a*)(b?)", 1, "aaa b"),
        (b"  abc  ", b"^%s*(.-)%s*$", 1, "abc"),
        (b" \x09\x0a\x0b\x0c\x0d", b"%s+", 1, " \x09\x0a\x0b\x0c\x0d"),
        (b"2024-01-02", b"(%d+)-(%d+)-(%d+)", 1, "2024 01 02"),
        (b"aab", b"()a%1", 1, "nil"),
        (b"abc", b"(()", 1, "ERR unfinished capture"),
        (b"abc", b"(a", 1, "ERR unfinished capture"),
        (b"a", b".)", 1, "ERR invalid pattern capture"),
        (b"a", b"%", 1, "ERR malformed pattern (ends with '%')"),
        (b"a", b"[a", 1, "ERR malformed pattern (missing ']')"),
        (b"a", b"%f", 1, "ERR missing '[' after '%f' in pattern"),
        (b"a", b"%fa", 1, "ERR missing '[' after '%f' in pattern"),
        (
            b"a",
            b"%b",
            1,
            "ERR malformed pattern (missing arguments to '%b')",
        ),
        (
            b"a",
            b"%b(",
            1,
            "ERR malformed pattern (missing arguments to '%b')",
        ),
        (b"a", b"(a)%2", 1, "ERR invalid capture index %2"),
        (b"a", b"%1", 1, "ERR invalid capture index %1"),
        (b"a", b"(a%1)", 1, "ERR invalid capture index %1"),
        (b"aaa", b"(a)%0", 1, "ERR invalid capture index %0"),
        (b"b", b"a%", 1, "nil"),
        (b"a", b"a%", 1, "ERR malformed pattern (ends with '%')"),
        (b"a", b"[%", 1, "ERR malformed pattern (missing ']')"),
        (b"a", b"[a-%", 1, "ERR malformed pattern (missing ']')"),
        (b"]", b"[^]", 1, "ERR malformed pattern (missing ']')"),
        (b"a", b"[^]]", 1, "a"),
        (b"abc", b"[b-]", 1, "b"),
        (b"abc", b"[^a-b]", 1, "c"),
        (b"ABCdef", b"%u+", 1, "ABC"),
        (b"ABCdef", b"%l+", 1, "def"),
        (b"ab12", b"%d*", 1, ""),
        (b"ab12", b"%D+", 1, "ab"),
        (b"x!y", b"%p", 1, "!"),
        (b"x!y", b"%P+", 1, "x"),
        (b"ab 12", b"%w+%s%d+", 1, "ab 12"),
        (b"ab 12", b"%W", 1, " "),
        (b"ffz", b"%x+", 1, "ff"),
        (b"\x01a", b"%c", 1, "\x01"),
        (b"\x01a", b"%C", 1, "a"),
        (b"  a", b"%S", 1, "a"),
        (b"a b", b"%g+", 1, "a"),
        (b"a b", b"%G", 1, " "),
        (b"abc", b"a.c", 1, "abc"),
        (b"abc", b"a?b?c?d?", 1, "abc"),
        (b"xabcx", b"[abc]+", 1, "abc"),
        (b"xabcx", b"[^x]+", 1, "abc"),
        (b"hello", b"l-o", 1, "llo"),
        (b"hello", b"e?l*", 1, ""),
        (b"hello", b"h+e+l+o+", 1, "hello"),
        (b"(foo(bar))baz", b"%b()", 1, "(foo(bar))"),
        (b"[[x]]", b"%b[]", 1, "[[x]]"),
        (b"if x then y end", b"%f[%w]%w+%f[%W]", 1, "if"),
        (b"aaa", b"a-", 1, ""),
        (b"aaa", b"a-$", 1, "aaa"),
        (b"aaa", b"^(a*)$", 1, "aaa"),
        (b"%", b"%%", 1, "%"),
        (b"a.b", b"[.]", 1, "."),
        (b"a%b", b"[%%]", 1, "%"),
        (b"a]b", b"[%]]", 1, "]"),
        (b"abc", b"[]", 1, "ERR malformed pattern (missing ']')"),
        (b"x", b"[x-]", 1, "x"),
        (b"z", b"[a-%z]", 1, "z"),
        (b"hello", b"(h)(e)(l)(l)(o)", 1, "h e l l o"),
        (b"hello", b"((h)(e))", 1, "he h e"),
        (b"abab", b"(ab)%1", 1, "ab"),
        (b"ab", b"()(a)()", 1, "1 a 2"),
        (b"hello", b"(l)(l)", 1, "l l"),
        (b"\xff\x80", b"[\x80-\xff]+", 1, "\u{fffd}\u{fffd}"),
        (b"a\x00b", b"\x00", 1, "\x00"),
        (b"a\x00b", b"%z", 1, "\x00"),
        (b"a\x00b", b"[\x00]", 1, "\x00"),
        (b"hello", b".-", 3, ""),
    ];
    /// (subject, pattern, replacement, max or -99 for none, expected)
    type GsubCase = (
        &'static [u8],
        &'static [u8],
        &'static [u8],
        i64,
        &'static str,
    );
    const GSUBS: &[GsubCase] = &[
        (b"hello world", b"%w*", b"x", -99, "x x 2"),
        (b"abc", b"%w*", b"-", -99, "- 1"),
        (b"abc", b"", b"-", -99, "-a-b-c- 4"),
        (b"", b"b*", b"x", -99, "x 1"),
        (b"abc", b".-", b"x", -99, "xaxbxcx 4"),
        (b"abc", b"b*", b"x", -99, "xaxcx 3"),
        (b"hello", b"l", b"L", 1, "heLlo 1"),
        (b"hello", b"l", b"L", 0, "hello 0"),
        (b"hello", b"l", b"L", -1, "hello 0"),
        (b"abc", b"()", b"%1", -99, "1a2b3c4 4"),
        (b"abc", b"b", b"%0%0%%", -99, "abb%c 1"),
        (b"abc", b"a", b"%2", -99, "ERR invalid capture index %2"),
        (
            b"abc",
            b"a",
            b"%x",
            -99,
            "ERR invalid use of '%' in replacement string",
        ),
        (b"abc", b"(a)", b"%2", -99, "ERR invalid capture index %2"),
        (
            b"abc",
            b"a",
            b"%",
            -99,
            "ERR invalid use of '%' in replacement string",
        ),
        (b"abc", b"(a", b"x", -99, "xbc 1"),
        (b"abc", b"(a", b"%1", -99, "ERR unfinished capture"),
        (b"abc", b"()b", b"%1", -99, "a2c 1"),
        (b"abc", b"(b)", b"%0", -99, "abc 1"),
        (b"abc", b"^a", b"x", -99, "xbc 1"),
        (b"aaa", b"^a", b"x", -99, "xaa 1"),
        (b"abc", b"^", b"x", -99, "xabc 1"),
        (b"abc", b"$", b"x", -99, "abcx 1"),
        (b"abc", b"%w", b"%%%0", -99, "%a%b%c 3"),
        (b"hello world", b"(%w+)", b"<%1>", -99, "<hello> <world> 2"),
        (
            b"hello world",
            b"(%w+) (%w+)",
            b"%2 %1",
            -99,
            "world hello 1",
        ),
        (b"abc", b"%w", b"%1", -99, "abc 3"),
        (b"abc", b"x*", b"-", -99, "-a-b-c- 4"),
        (b"a,b,,c", b"[^,]*", b"[%0]", -99, "[a],[b],[],[c] 4"),
        (b"one two", b"(o)", b"%1%1", 1, "oone two 1"),
        (b"abc", b"", b"", -99, "abc 4"),
        (b"hello", b"l+", b"", -99, "heo 1"),
        (b"a.b.c", b".", b"%%", -99, "%%%%% 5"),
        (b"a.b.c", b"%.", b"/", -99, "a/b/c 2"),
        (b"a b", b" ", b"%9", -99, "ERR invalid capture index %9"),
    ];
    const GMATCHES: &[(&[u8], &[u8], i64, &str)] = &[
        (b"hello world", b"%w*", 1, "[hello][world]"),
        (b"abcdef", b"..", 3, "[cd][ef]"),
        (b"abc", b"()(b*)", 1, "[1|][2|b][4|]"),
        (b"abc", b"b*", -1, "[][]"),
        (b"abc", b"b*", 10, ""),
        (b"abc", b"b*", 4, "[]"),
        (b"key=1, k2=22", b"(%w+)=(%w+)", 1, "[key|1][k2|22]"),
        (b"^a^a", b"^a", 1, "[^a][^a]"),
        (b"abc", b"", 1, "[][][][]"),
        (b"abc", b"", 2, "[][][]"),
        (b"aaa", b"a-", 1, "[][][][]"),
        (b"one two  three", b"%a+", 1, "[one][two][three]"),
        (b"x", b"%", 1, "ERR malformed pattern (ends with '%')"),
    ];

    #[test]
    fn find_matches_lua() {
        for &(s, p, init, want) in FINDS {
            assert_eq!(
                lua_find(s, p, init),
                want,
                "find({s:?}, {:?}, {init})",
                String::from_utf8_lossy(p)
            );
        }
    }

    #[test]
    fn match_matches_lua() {
        for &(s, p, init, want) in MATCHES {
            assert_eq!(
                lua_match(s, p, init),
                want,
                "match({s:?}, {:?}, {init})",
                String::from_utf8_lossy(p)
            );
        }
    }

    #[test]
    fn gsub_matches_lua() {
        for &(s, p, r, max, want) in GSUBS {
            assert_eq!(
                lua_gsub(s, p, r, max),
                want,
                "gsub({s:?}, {:?}, {r:?}, {max})",
                String::from_utf8_lossy(p)
            );
        }
    }

    #[test]
    fn gmatch_matches_lua() {
        for &(s, p, init, want) in GMATCHES {
            assert_eq!(
                lua_gmatch(s, p, init),
                want,
                "gmatch({s:?}, {:?}, {init})",
                String::from_utf8_lossy(p)
            );
        }
    }

    #[test]
    fn recursion_budget_matches_puc() {
        let s = "a".repeat(300);
        let p = format!("{}{}", "a?".repeat(300), "a".repeat(300));
        assert_eq!(
            lua_find(s.as_bytes(), p.as_bytes(), 1),
            "ERR pattern too complex"
        );
        // 199 nested '?' levels still fit in PUC's budget.
        let s = "a".repeat(199);
        assert_eq!(
            lua_find(s.as_bytes(), "a?".repeat(199).as_bytes(), 1),
            "1 199"
        );
        let s = "(".repeat(300);
        assert_eq!(
            lua_find(s.as_bytes(), "%(".repeat(300).as_bytes(), 1),
            "1 300"
        );
    }

    #[test]
    fn capture_limit() {
        assert_eq!(
            lua_find(b"a", "()".repeat(33).as_bytes(), 1),
            "ERR too many captures"
        );
        let want = format!("1 0{}", " 1".repeat(32));
        assert_eq!(lua_find(b"a", "()".repeat(32).as_bytes(), 1), want);
        let s = "x".repeat(40);
        assert_eq!(
            lua_match(s.as_bytes(), "(x)".repeat(40).as_bytes(), 1),
            "ERR too many captures"
        );
    }

    #[test]
    fn max_depth_fits_small_thread_stack() {
        // The VM may run scripts on 2 MB threads; PUC's budget must be the
        // only limit, so the deepest allowed recursion has to fit there.
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let s = "a".repeat(400);
                for p in [
                    "a?".repeat(250),
                    "(a)?".repeat(30) + &"a-".repeat(250),
                    "a*".repeat(250),
                ] {
                    let _ = Matcher::new(s.as_bytes(), p.as_bytes()).find(0);
                    let _ = Matcher::new(s.as_bytes(), p.as_bytes()).gsub::<PatternError>(
                        3,
                        &mut Vec::new(),
                        |_, _| Ok(()),
                    );
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn plain_search() {
        assert!(!has_specials(b"a)b]c"));
        assert!(has_specials(b"a.b"));
        assert!(has_specials(b"\0%"));
        let hay = b"the quick brown fox jumps over the lazy dog, the end";
        assert_eq!(find_plain(hay, b"the", 0), Some(0));
        assert_eq!(find_plain(hay, b"the", 1), Some(31));
        assert_eq!(find_plain(hay, b"the", 32), Some(45));
        assert_eq!(find_plain(hay, b"end", 0), Some(49));
        assert_eq!(find_plain(hay, b"ends", 0), None);
        assert_eq!(find_plain(hay, b"", 52), Some(52));
        assert_eq!(find_plain(hay, b"", 53), None);
        assert_eq!(find_plain(b"aaaaaaaaaaaaaaaaaaab", b"ab", 0), Some(18));
        assert_eq!(find_plain(b"ab", b"abc", 0), None);
        // Bytes at every offset relative to the 8-byte word boundary.
        for n in 0..40 {
            let mut h = vec![b'.'; 40];
            h[n] = b'x';
            assert_eq!(find_plain(&h, b"x", 0), Some(n));
        }
        assert_eq!(lua_find(b"a+b", b"+", 1), "2 2");
    }

    #[test]
    fn replacement_positions_and_escapes() {
        let s = b"abc";
        let mut matcher = Matcher::new(s, b"()b");
        let m = matcher.find(0).unwrap().unwrap();
        let mut out = Vec::new();
        expand_replacement(b"[%1|%0|%%]", s, &m, &mut out).unwrap();
        assert_eq!(out, b"[2|b|%]");
        assert_eq!(
            expand_replacement(b"x%", s, &m, &mut out),
            Err(PatternError::InvalidReplacementEscape)
        );
        assert_eq!(
            expand_replacement(b"%2", s, &m, &mut out),
            Err(PatternError::InvalidCaptureIndex(2))
        );
    }

    /// Random patterns from a small alphabet full of metacharacters must
    /// never panic, only match or return an error.
    #[test]
    fn random_patterns_never_panic() {
        let alphabet = b"ab%()[]^$*+-?.fbz019AWsd";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let plen = (next() % 12) as usize;
            let slen = (next() % 16) as usize;
            let p: Vec<u8> = (0..plen)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let s: Vec<u8> = (0..slen)
                .map(|_| b"ab()[]%\0"[(next() % 8) as usize])
                .collect();
            let init = (next() % (slen as u64 + 2)) as usize;
            if let Ok(Some(m)) = Matcher::new(&s, &p).find(init) {
                assert!(m.start <= m.end && m.end <= s.len());
                for i in 0..m.push_count() {
                    let _ = m.capture(i);
                }
                let _ = expand_replacement(&p, &s, &m, &mut Vec::new());
            }
            let _ = Matcher::new(&s, &p).find_auto(init, false);
            let _ =
                Matcher::new(&s, &p).gsub::<PatternError>(usize::MAX, &mut Vec::new(), |m, o| {
                    expand_replacement(b"%0%1", &s, m, o)
                });
            let mut st = GmatchState::new(s.len(), init);
            for _ in 0..(slen + 3) {
                if !matches!(
                    Matcher::unanchored(&s, &p).gmatch_next(&mut st),
                    Ok(Some(_))
                ) {
                    break;
                }
            }
        }
    }
}
