//! Conditions of `.if`/`.elif` (HAProxy 2.6's `cfgcond.c`): terms `defined(name)`,
//! `feature(name)`, `streq(a,b)`, `strneq(a,b)`, `version_atleast(v)`, `version_before(v)` and
//! integers (non-zero is true), `!`, `&&` (binds tighter), `||`, parentheses. Errors carry
//! HAProxy's text and the 1-based position in the expression.

/// The HAProxy version Halo's configuration language follows (what `version_atleast` and
/// `version_before` compare with).
pub const HAPROXY_VERSION: (u32, u32, u32) = (2, 6, 12);

/// The build features `feature(...)` reports (HAProxy's `-vv` "Feature list" names).
pub const FEATURES: &[&str] = &["LUA", "THREAD"];

#[derive(Debug, PartialEq, Eq)]
pub struct CondError {
    /// The message (without "at position N").
    pub msg: String,
    /// 0-based byte offset in the expression.
    pub pos: usize,
}

/// Evaluates `text` for directive `directive` (`.if` or `.elif`); `env` resolves `defined()`.
pub fn eval(text: &str, directive: &str, env: &dyn Fn(&str) -> bool) -> Result<bool, CondError> {
    // HAProxy takes an empty condition as false.
    if text.trim().is_empty() {
        return Ok(false);
    }
    let mut p = CondParser {
        s: text.as_bytes(),
        text,
        i: 0,
        directive,
        env,
        last_token: 0,
        depth: 0,
    };
    let v = p.or_expr()?;
    p.skip_spaces();
    if p.i < p.s.len() {
        return Err(CondError {
            msg: format!(
                "unexpected character '{}' at the end of conditional expression '{text}' in '{directive}'",
                p.s[p.i] as char
            ),
            pos: p.i,
        });
    }
    Ok(v)
}

struct CondParser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    directive: &'a str,
    env: &'a dyn Fn(&str) -> bool,
    /// Where the last operator or opening token started (reported when a term is missing at
    /// the end of the text).
    last_token: usize,
    depth: usize,
}

impl CondParser<'_> {
    fn skip_spaces(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t') {
            self.i += 1;
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        self.skip_spaces();
        if self.s[self.i..].starts_with(op.as_bytes()) {
            self.last_token = self.i;
            self.i += op.len();
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self) -> Result<bool, CondError> {
        let mut v = self.and_expr()?;
        while self.eat("||") {
            // Both sides are parsed (syntax errors count) whatever the value.
            let r = self.and_expr()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and_expr(&mut self) -> Result<bool, CondError> {
        let mut v = self.term()?;
        while self.eat("&&") {
            let r = self.term()?;
            v = v && r;
        }
        Ok(v)
    }

    fn unparsable(&self, at: usize) -> CondError {
        // At the end of the text, HAProxy points at the token that wanted a term after it.
        let at = if at >= self.s.len() {
            self.last_token
        } else {
            at
        };
        CondError {
            msg: format!(
                "unparsable conditional expression '{}' in '{}'",
                &self.text[at..],
                self.directive
            ),
            pos: at,
        }
    }

    fn term(&mut self) -> Result<bool, CondError> {
        self.skip_spaces();
        let start = self.i;
        if self.depth > 64 {
            return Err(self.unparsable(start));
        }
        match self.s.get(self.i) {
            Some(b'!') => {
                self.last_token = self.i;
                self.i += 1;
                self.depth += 1;
                let v = self.term().map_err(|e| {
                    // A bad term after `!` is reported from the `!`.
                    if e.msg.starts_with("unparsable") {
                        self.unparsable(start)
                    } else {
                        e
                    }
                });
                self.depth -= 1;
                Ok(!v?)
            }
            Some(b'(') => {
                self.last_token = self.i;
                self.i += 1;
                self.depth += 1;
                let v = self.or_expr()?;
                self.depth -= 1;
                self.skip_spaces();
                if self.s.get(self.i) != Some(&b')') {
                    return Err(CondError {
                        msg: format!(
                            "expected ')' after conditional expression '{}' in '{}'",
                            &self.text[start..],
                            self.directive
                        ),
                        pos: start,
                    });
                }
                self.i += 1;
                Ok(v)
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' || *c == b'+' => {
                let mut j = self.i + 1;
                while j < self.s.len() && self.s[j].is_ascii_digit() {
                    j += 1;
                }
                // Any integer (a lone sign is not one); non-zero is true.
                let body = &self.text[self.i..j];
                if !body.bytes().any(|b| b.is_ascii_digit()) {
                    return Err(self.unparsable(start));
                }
                self.i = j;
                Ok(body.bytes().any(|b| (b'1'..=b'9').contains(&b)))
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => self.predicate(start),
            _ => Err(self.unparsable(start)),
        }
    }

    fn predicate(&mut self, start: usize) -> Result<bool, CondError> {
        let mut j = self.i;
        while j < self.s.len() && (self.s[j].is_ascii_alphanumeric() || self.s[j] == b'_') {
            j += 1;
        }
        let name = &self.text[self.i..j];
        let nargs = match name {
            "defined" | "feature" | "version_atleast" | "version_before" => 1,
            "streq" | "strneq" => 2,
            _ => return Err(self.unparsable(start)),
        };
        if self.s.get(j) != Some(&b'(') {
            return Err(self.unparsable(start));
        }
        let args_start = j + 1;
        let mut args = Vec::new();
        let mut k = args_start;
        let mut arg_start = k;
        loop {
            match self.s.get(k) {
                None => {
                    return Err(self.arg_error(
                        format!("expected ')' in argument 1 of predicate '{name}'"),
                        k,
                    ));
                }
                Some(b')') => {
                    args.push(&self.text[arg_start..k]);
                    break;
                }
                Some(b',') => {
                    args.push(&self.text[arg_start..k]);
                    if args.len() == nargs {
                        return Err(self.arg_error(
                            format!(
                                "expected ')' before '{}' in argument 1 of predicate '{name}'",
                                &self.text[k..],
                            ),
                            k,
                        ));
                    }
                    arg_start = k + 1;
                }
                Some(_) => {}
            }
            k += 1;
        }
        if nargs == 2 && args.len() < 2 {
            return Err(self.arg_error(
                format!(
                    "missing arguments (got {}/{nargs}), type 'string' expected in argument 1 of predicate '{name}'",
                    args.len(),
                ),
                k,
            ));
        }
        self.i = k + 1;
        let a = args[0];
        Ok(match name {
            "defined" => (self.env)(a),
            "feature" => FEATURES.contains(&a),
            "streq" => a == args[1],
            "strneq" => a != args[1],
            "version_atleast" => parse_version(a).is_some_and(|v| HAPROXY_VERSION >= v),
            _ => parse_version(a).is_some_and(|v| HAPROXY_VERSION < v),
        })
    }

    fn arg_error(&self, what: String, pos: usize) -> CondError {
        CondError {
            msg: format!(
                "{what} used in conditional expression in '{}'",
                self.directive
            ),
            pos,
        }
    }
}

/// `major[.minor[.patch]]`, missing parts being 0; None when it does not start with a number.
fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: &str) -> Result<bool, CondError> {
        eval(t, ".if", &|n| n == "HOME")
    }

    #[test]
    fn values() {
        assert_eq!(ev("1"), Ok(true));
        assert_eq!(ev("0"), Ok(false));
        assert_eq!(ev("-1"), Ok(true));
        assert_eq!(ev("defined(HOME) && !defined(NOPE)"), Ok(true));
        assert_eq!(ev("0 || 1 && 0"), Ok(false));
        assert_eq!(ev("(0 || 1) && 1"), Ok(true));
        assert_eq!(ev("streq(a,a) && strneq(a,b)"), Ok(true));
        assert_eq!(ev("feature(LUA) && !feature(OPENSSL)"), Ok(true));
        assert_eq!(ev("version_atleast(2.4) && version_before(9.0)"), Ok(true));
        assert_eq!(ev("version_atleast(2.6.13)"), Ok(false));
        assert_eq!(ev("version_atleast(abc)"), Ok(false));
    }

    #[test]
    fn errors() {
        let e = ev("bogus(x) && 1").unwrap_err();
        assert_eq!(
            (e.msg.as_str(), e.pos),
            (
                "unparsable conditional expression 'bogus(x) && 1' in '.if'",
                0
            )
        );
        assert_eq!(ev("1 &&").unwrap_err().pos, 2);
        assert_eq!(ev("1 || (").unwrap_err().pos, 5);
        assert_eq!(ev("(1 && )").unwrap_err().pos, 6);
        assert_eq!(
            ev("(1").unwrap_err().msg,
            "expected ')' after conditional expression '(1' in '.if'"
        );
        assert_eq!(
            ev("1a").unwrap_err().msg,
            "unexpected character 'a' at the end of conditional expression '1a' in '.if'"
        );
        let e = ev("defined(A,B)").unwrap_err();
        assert_eq!(
            (e.msg.as_str(), e.pos),
            (
                "expected ')' before ',B)' in argument 1 of predicate 'defined' used in conditional expression in '.if'",
                9
            )
        );
        assert_eq!(
            ev("streq(a)").unwrap_err().msg,
            "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression in '.if'"
        );
        assert!(ev(&"!".repeat(10_000)).is_err());
    }
}
