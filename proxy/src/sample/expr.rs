//! Sample expressions `fetch(args),conv1(args),conv2`: parsing with HAProxy's
//! `sample_parse_expr` rules and messages, and evaluation (async because `lua.<name>` fetches
//! and converters run Lua; built-ins never wait).

use crate::lua_names::LuaNames;

use super::arg::{Arg, ArgSpec, ArgType, make_arg_list};
use super::conv::{ConvDef, find_converter};
use super::fetch::{FetchDef, FetchMode, find_fetch};
use super::source::{LuaSamples, SampleSource};
use super::value::{Sample, SampleType};

/// Lua fetches and converters take up to 12 optional string arguments (hlua.c `ARG12`).
pub const LUA_ARGS: ArgSpec = ArgSpec::new(
    0,
    &[
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
        ArgType::Str,
    ],
);

#[derive(Clone, Debug)]
pub enum FetchRef {
    Builtin(&'static FetchDef),
    /// `lua.<name>`: the registered name, without the prefix.
    Lua(String),
}

#[derive(Clone, Debug)]
pub enum ConvRef {
    Builtin(&'static ConvDef),
    Lua(String),
}

#[derive(Clone, Debug)]
pub struct ConvCall {
    pub conv: ConvRef,
    pub args: Vec<Arg>,
}

/// A parsed sample expression.
#[derive(Clone, Debug)]
pub struct SampleExpr {
    pub fetch: FetchRef,
    pub args: Vec<Arg>,
    pub convs: Vec<ConvCall>,
    /// The expression's text, for messages.
    pub text: String,
}

/// Where an expression is parsed, which changes HAProxy's wording of errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExprCtx {
    /// `%[...]`, `set-var` and other rule arguments: stops at the first character that cannot
    /// continue the expression (the caller checks what follows).
    Embedded,
    /// A whole word that must be entirely an expression.
    Word,
    /// An ACL criterion.
    Acl,
}

/// `is_idchar`: characters of fetch and converter names.
pub fn is_idchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+' | b'$' | b':')
}

fn ident(s: &str) -> usize {
    s.bytes().take_while(|&c| is_idchar(c)).count()
}

impl SampleExpr {
    /// Parses an expression at the start of `text`; returns it and the bytes consumed.
    /// Errors are HAProxy's message bodies (the caller adds its context).
    pub fn parse(text: &str, lua: &LuaNames, ctx: ExprCtx) -> Result<(SampleExpr, usize), String> {
        let acl = ctx == ExprCtx::Acl;
        let n = ident(text);
        if n == 0 {
            return Err("missing fetch method".into());
        }
        let fkw = &text[..n];
        let (fetch, spec, out) = match lookup_fetch(fkw, lua) {
            Some(x) => x,
            None if acl => {
                // HAProxy quotes the whole criterion word (arguments and converters too).
                return Err(format!(
                    "unknown fetch method '{fkw}' in ACL expression '{text}'"
                ));
            }
            None => return Err(format!("unknown fetch method '{fkw}'")),
        };
        let parsed = make_arg_list(&text[n..], &spec).map_err(|e| {
            if acl {
                format!("ACL keyword '{fkw}' : {}", e.msg)
            } else {
                format!("fetch method '{fkw}' : {}", e.msg)
            }
        })?;
        let mut args = parsed.args;
        if let FetchRef::Builtin(def) = &fetch
            && let Some(v) = def.validate
        {
            v(&mut args).map_err(|e| {
                if acl {
                    format!("ACL keyword '{fkw}' : {e}")
                } else {
                    format!("invalid args in fetch method '{fkw}' : {e}")
                }
            })?;
        }
        let mut pos = n + parsed.consumed;
        let mut prev = out;
        let mut convs = Vec::new();
        let mut ckw: Option<String> = None;
        loop {
            let rest = &text[pos..];
            if !rest.is_empty() && !rest.starts_with(',') {
                if ctx == ExprCtx::Embedded {
                    break;
                }
                return Err(match (&ckw, acl) {
                    (Some(c), false) => format!("missing comma after converter '{c}'"),
                    (None, false) => format!("missing comma after fetch keyword '{fkw}'"),
                    (Some(c), true) => {
                        format!("ACL keyword '{fkw}' : missing comma after converter '{c}'.")
                    }
                    (None, true) => {
                        format!("ACL keyword '{fkw}' : missing comma after fetch keyword.")
                    }
                });
            }
            while text[pos..].starts_with(',') {
                pos += 1;
            }
            if pos >= text.len() {
                break;
            }
            let n = ident(&text[pos..]);
            let name = &text[pos..pos + n];
            ckw = Some(name.to_string());
            let (conv, spec, input, out) = lookup_conv(name, lua).ok_or_else(|| {
                if acl {
                    format!("ACL keyword '{fkw}' : unknown converter '{name}'.")
                } else {
                    format!("unknown converter '{name}'")
                }
            })?;
            if !prev.can_cast(input) {
                return Err(if acl {
                    format!("ACL keyword '{fkw}' : converter '{name}' cannot be applied.")
                } else {
                    format!("converter '{name}' cannot be applied")
                });
            }
            prev = out;
            let parsed = make_arg_list(&text[pos + n..], &spec).map_err(|e| {
                if acl {
                    format!(
                        "ACL keyword '{fkw}' : invalid arg {} in converter '{name}' : {}.",
                        e.pos + 1,
                        e.msg
                    )
                } else {
                    format!(
                        "invalid arg {} in converter '{name}' : {}",
                        e.pos + 1,
                        e.msg
                    )
                }
            })?;
            let mut cargs = parsed.args;
            if let ConvRef::Builtin(def) = &conv
                && let Some(v) = def.validate
            {
                v(&mut cargs).map_err(|e| {
                    if acl {
                        format!("ACL keyword '{fkw}' : invalid args in converter '{name}' : {e}.")
                    } else {
                        format!("invalid args in converter '{name}' : {e}")
                    }
                })?;
            }
            convs.push(ConvCall { conv, args: cargs });
            pos += n + parsed.consumed;
        }
        Ok((
            SampleExpr {
                fetch,
                args,
                convs,
                text: text[..pos].to_string(),
            },
            pos,
        ))
    }

    /// The declared type of the expression's result (what ACLs pick their default match
    /// method from).
    pub fn out_type(&self) -> SampleType {
        match self.convs.last() {
            Some(ConvCall {
                conv: ConvRef::Builtin(d),
                ..
            }) => d.out,
            Some(ConvCall {
                conv: ConvRef::Lua(_),
                ..
            }) => SampleType::Str,
            None => match &self.fetch {
                FetchRef::Builtin(d) => d.out,
                FetchRef::Lua(_) => SampleType::Str,
            },
        }
    }

    /// The fetch's name as written (`path`, `lua.foo`).
    pub fn fetch_name(&self) -> String {
        match &self.fetch {
            FetchRef::Builtin(d) => d.name.to_string(),
            FetchRef::Lua(n) => format!("lua.{n}"),
        }
    }

    /// Whether evaluating may run Lua.
    pub fn uses_lua(&self) -> bool {
        matches!(self.fetch, FetchRef::Lua(_))
            || self.convs.iter().any(|c| matches!(c.conv, ConvRef::Lua(_)))
    }

    /// Evaluates the expression: the fetch's value through every converter; `None` when
    /// the fetch or a converter fails (or a cast between them is impossible).
    pub async fn eval<S: LuaSamples>(&self, src: &mut S) -> Option<Sample> {
        let v = match &self.fetch {
            FetchRef::Builtin(d) => (d.run)(&self.args, src, FetchMode::Single).pop()?,
            FetchRef::Lua(name) => src.lua_fetch(name, &str_samples(&self.args)).await?,
        };
        self.convert(v, src).await
    }

    /// Every value the fetch has (each occurrence of a header...), each through the
    /// converters: what ACLs match against.
    pub async fn eval_all<S: LuaSamples>(&self, src: &mut S) -> Vec<Sample> {
        let vals = match &self.fetch {
            FetchRef::Builtin(d) => (d.run)(&self.args, src, FetchMode::All),
            FetchRef::Lua(name) => src
                .lua_fetch(name, &str_samples(&self.args))
                .await
                .into_iter()
                .collect(),
        };
        let mut out = Vec::with_capacity(vals.len());
        for v in vals {
            if let Some(v) = self.convert(v, src).await {
                out.push(v);
            }
        }
        out
    }

    /// Evaluation without Lua (for callers that cannot await): `lua.*` parts fail.
    pub fn eval_sync(&self, src: &mut dyn SampleSource) -> Option<Sample> {
        let FetchRef::Builtin(d) = &self.fetch else {
            return None;
        };
        let mut v = (d.run)(&self.args, src, FetchMode::Single).pop()?;
        for c in &self.convs {
            let ConvRef::Builtin(def) = &c.conv else {
                return None;
            };
            v = (def.run)(&c.args, v.cast(def.input)?, src)?;
        }
        Some(v)
    }

    /// `eval` then a cast to `ty` (HAProxy's `sample_fetch_as_type`).
    pub async fn eval_as<S: LuaSamples>(&self, src: &mut S, ty: SampleType) -> Option<Sample> {
        self.eval(src).await?.cast(ty)
    }

    async fn convert<S: LuaSamples>(&self, mut v: Sample, src: &mut S) -> Option<Sample> {
        for c in &self.convs {
            v = match &c.conv {
                ConvRef::Builtin(def) => (def.run)(&c.args, v.cast(def.input)?, src)?,
                ConvRef::Lua(name) => {
                    let input = v.cast(SampleType::Str)?;
                    src.lua_convert(name, input, &str_samples(&c.args)).await?
                }
            };
        }
        Some(v)
    }
}

/// Lua functions receive their configuration arguments as strings.
fn str_samples(args: &[Arg]) -> Vec<Sample> {
    args.iter()
        .map(|a| match a {
            Arg::Sint(i) => Sample::Sint(*i),
            Arg::Str(s) => Sample::Str(s.clone()),
            Arg::Ipv4(ip) => Sample::Ipv4(*ip),
            Arg::Ipv6(ip) => Sample::Ipv6(*ip),
            Arg::Var(v) => Sample::str(v.to_string()),
            Arg::Reg(r) => Sample::str(r.0.as_str().to_string()),
            Arg::Map(m) => Sample::str(m.name.clone()),
        })
        .collect()
}

fn lookup_fetch(name: &str, lua: &LuaNames) -> Option<(FetchRef, ArgSpec, SampleType)> {
    if let Some(d) = find_fetch(name) {
        return Some((FetchRef::Builtin(d), d.args, d.out));
    }
    let l = name.strip_prefix("lua.")?;
    lua.fetches
        .contains(l)
        .then(|| (FetchRef::Lua(l.to_string()), LUA_ARGS, SampleType::Str))
}

fn lookup_conv(name: &str, lua: &LuaNames) -> Option<(ConvRef, ArgSpec, SampleType, SampleType)> {
    if let Some(d) = find_converter(name) {
        return Some((ConvRef::Builtin(d), d.args, d.input, d.out));
    }
    let l = name.strip_prefix("lua.")?;
    lua.converters.contains(l).then(|| {
        (
            ConvRef::Lua(l.to_string()),
            LUA_ARGS,
            SampleType::Str,
            SampleType::Str,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::testsrc::{TestSource, block_on};
    use crate::sample::vars::VarName;

    fn lua() -> LuaNames {
        let mut l = LuaNames::default();
        l.fetches.insert("ff".into());
        l.converters.insert("cc".into());
        l
    }

    fn parse_err(text: &str) -> String {
        SampleExpr::parse(text, &lua(), ExprCtx::Embedded).unwrap_err()
    }

    fn eval(text: &str, src: &mut TestSource) -> Option<String> {
        let (e, n) = SampleExpr::parse(text, &lua(), ExprCtx::Word).unwrap();
        assert_eq!(n, text.len());
        let v = block_on(e.eval(src));
        v.and_then(Sample::to_str_form)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    fn req() -> TestSource {
        TestSource::http(
            "/p/a?x=1&y",
            &[
                ("Host", "example.com"),
                ("x", "1, 2"),
                ("X", "3"),
                ("cl", "12"),
            ],
        )
    }

    #[test]
    fn haproxy_parse_messages() {
        assert_eq!(parse_err("nosuch]"), "unknown fetch method 'nosuch'");
        assert_eq!(parse_err("path,nosuch]"), "unknown converter 'nosuch'");
        assert_eq!(
            parse_err("path(1)]"),
            "fetch method 'path' : expected ')' before '1)]'"
        );
        assert_eq!(
            parse_err("req.hdr(a,b,c)]"),
            "fetch method 'req.hdr' : failed to parse 'b' as type 'integer' at position 2"
        );
        assert_eq!(
            parse_err("str(a,b)]"),
            "fetch method 'str' : expected ')' before ',b)]'"
        );
        assert_eq!(
            parse_err("int()]"),
            "fetch method 'int' : expected type 'integer' at position 1, but got nothing"
        );
        assert_eq!(
            parse_err("path,add(a.b)]"),
            "invalid args in converter 'add' : expects an integer or a variable name"
        );
        assert_eq!(
            parse_err("path,lower(1)]"),
            "invalid arg 1 in converter 'lower' : expected ')' before '1)]'"
        );
        assert_eq!(
            parse_err("path,field(1)]"),
            "invalid arg 2 in converter 'field' : missing arguments (got 1/2), type 'string' expected"
        );
        assert_eq!(
            parse_err("path,field(1,:,2,3)]"),
            "invalid arg 3 in converter 'field' : expected ')' before ',3)]'"
        );
        assert_eq!(
            parse_err("var(foo)]"),
            "invalid args in fetch method 'var' : invalid variable name 'foo'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"
        );
        assert_eq!(
            parse_err("src,ipmask(40)]"),
            "invalid arg 1 in converter 'ipmask' : failed to parse '40' as type 'IPv4 mask' at position 1"
        );
        assert_eq!(
            parse_err("method,add(1)]"),
            "converter 'add' cannot be applied"
        );
        assert_eq!(parse_err("lua.nope]"), "unknown fetch method 'lua.nope'");
        assert_eq!(parse_err("]"), "missing fetch method");
        assert_eq!(
            SampleExpr::parse("path junk", &lua(), ExprCtx::Word).unwrap_err(),
            "missing comma after fetch keyword 'path'"
        );
        // Accepted forms: trailing and doubled commas, Lua names with arguments.
        for ok in [
            "path,,lower",
            "src,lower",
            "str",
            "lua.ff(1)",
            "path,lua.cc(a,b)",
            "var(txn.a.b)",
        ] {
            SampleExpr::parse(ok, &lua(), ExprCtx::Word).unwrap();
        }
        let (_, n) = SampleExpr::parse("path,lower]rest", &lua(), ExprCtx::Embedded).unwrap();
        assert_eq!(n, 10);
    }

    #[test]
    fn builtin_fetches() {
        let mut s = req();
        assert_eq!(eval("src", &mut s).unwrap(), "127.0.0.1");
        assert_eq!(eval("src_port", &mut s).unwrap(), "40000");
        assert_eq!(eval("dst", &mut s).unwrap(), "127.0.0.1");
        assert_eq!(eval("dst_port", &mut s).unwrap(), "8080");
        assert_eq!(eval("path", &mut s).unwrap(), "/p/a");
        assert_eq!(eval("pathq", &mut s).unwrap(), "/p/a?x=1&y");
        assert_eq!(eval("query", &mut s).unwrap(), "x=1&y");
        assert_eq!(eval("url", &mut s).unwrap(), "/p/a?x=1&y");
        assert_eq!(eval("method", &mut s).unwrap(), "GET");
        assert_eq!(eval("req.ver", &mut s).unwrap(), "1.1");
        assert_eq!(eval("req.hdr(host)", &mut s).unwrap(), "example.com");
        assert_eq!(eval("hdr(x)", &mut s).unwrap(), "3");
        assert_eq!(eval("req.hdr(x,1)", &mut s).unwrap(), "1");
        assert_eq!(eval("req.hdr(x,2)", &mut s).unwrap(), "2");
        assert_eq!(eval("req.hdr(x,-1)", &mut s).unwrap(), "3");
        assert_eq!(eval("req.hdr(x,4)", &mut s), None);
        assert_eq!(eval("req.hdr(nope)", &mut s), None);
        assert_eq!(eval("req.hdr_cnt(x)", &mut s).unwrap(), "3");
        assert_eq!(eval("req.hdr_cnt(nope)", &mut s).unwrap(), "0");
        // Checked against haproxy: without a name every value counts; `req.hdr()` is the
        // last value of all headers; `req.hdr` without arguments fails.
        assert_eq!(eval("req.hdr_cnt", &mut s).unwrap(), "5");
        assert_eq!(eval("req.hdr()", &mut s).unwrap(), "12");
        assert_eq!(eval("req.hdr", &mut s), None);
        assert_eq!(eval("req.fhdr(x,1)", &mut s).unwrap(), "1, 2");
        assert_eq!(eval("req.fhdr(x)", &mut s).unwrap(), "3");
        assert_eq!(eval("req.hdr_val(cl)", &mut s).unwrap(), "12");
        assert_eq!(eval("res.hdr(x)", &mut s), None);
        assert_eq!(eval("status", &mut s), None);
        s.status = Some(404);
        s.res_headers = Some(vec![("Server".into(), "x".into())]);
        assert_eq!(eval("status", &mut s).unwrap(), "404");
        assert_eq!(eval("res.hdr(server)", &mut s).unwrap(), "x");
        assert_eq!(eval("hdr(server)", &mut s), None);
        s.dir = Some(crate::sample::Dir::Res);
        assert_eq!(eval("hdr(server)", &mut s).unwrap(), "x");
        s.dir = None;
        assert_eq!(eval("be_name", &mut s).unwrap(), "be");
        assert_eq!(eval("fe_name", &mut s).unwrap(), "fe");
        assert_eq!(eval("always_true", &mut s).unwrap(), "1");
        assert_eq!(eval("always_false", &mut s).unwrap(), "0");
        assert_eq!(eval("int(-5)", &mut s).unwrap(), "-5");
        assert_eq!(eval("str(a\\ b)", &mut s).unwrap(), "a b");
        assert_eq!(
            SampleExpr::parse("str(a\\,b)", &lua(), ExprCtx::Word).unwrap_err(),
            "fetch method 'str' : expected ')' before ',b)'"
        );
        assert_eq!(eval("str('a,b')", &mut s).unwrap(), "a,b");
        assert_eq!(eval("bool(true)", &mut s).unwrap(), "1");
        assert_eq!(eval("var(txn.nope)", &mut s), None);
        assert_eq!(eval("var(txn.nope,dflt)", &mut s).unwrap(), "dflt");
        let mut tcp = TestSource::default();
        assert_eq!(eval("path", &mut tcp), None);
        assert_eq!(eval("req.proto_http", &mut tcp).unwrap(), "0");
    }

    #[test]
    fn builtin_converters() {
        let mut s = req();
        assert_eq!(eval("req.hdr(host),upper", &mut s).unwrap(), "EXAMPLE.COM");
        assert_eq!(eval("str(AbC),lower", &mut s).unwrap(), "abc");
        assert_eq!(eval("method,length", &mut s).unwrap(), "3");
        assert_eq!(eval("src,hex", &mut s).unwrap(), "7F000001");
        assert_eq!(eval("int(-5),hex", &mut s).unwrap(), "FFFFFFFFFFFFFFFB");
        assert_eq!(eval("bool(1),hex", &mut s).unwrap(), "0000000000000001");
        assert_eq!(eval("str(hi),base64", &mut s).unwrap(), "aGk=");
        assert_eq!(eval("str(a:b:c),field(2,:)", &mut s).unwrap(), "b");
        assert_eq!(eval("str(a:b:c),field(2,:,0)", &mut s).unwrap(), "b:c");
        assert_eq!(eval("str(/a//b/c),word(2,/)", &mut s).unwrap(), "b");
        assert_eq!(eval("str(12ab),add(1)", &mut s).unwrap(), "13");
        assert_eq!(eval("str(-3),mul(2)", &mut s).unwrap(), "-6");
        assert_eq!(eval("int(7),sub(10)", &mut s).unwrap(), "-3");
        assert_eq!(eval("int(7),div(2)", &mut s).unwrap(), "3");
        assert_eq!(
            eval("int(7),div(0)", &mut s).unwrap(),
            "9223372036854775807"
        );
        assert_eq!(eval("int(7),mod(0)", &mut s).unwrap(), "0");
        assert_eq!(eval("int(7),mod(4)", &mut s).unwrap(), "3");
        assert_eq!(
            eval("int(9223372036854775807),add(1)", &mut s).unwrap(),
            "9223372036854775807"
        );
        assert_eq!(eval("int(6),and(3)", &mut s).unwrap(), "2");
        assert_eq!(eval("int(6),or(1)", &mut s).unwrap(), "7");
        assert_eq!(eval("int(6),xor(2)", &mut s).unwrap(), "4");
        assert_eq!(eval("int(6),neg", &mut s).unwrap(), "-6");
        assert_eq!(eval("int(0),cpl", &mut s).unwrap(), "-1");
        assert_eq!(eval("int(3),odd", &mut s).unwrap(), "1");
        assert_eq!(eval("int(3),even", &mut s).unwrap(), "0");
        assert_eq!(eval("int(3),bool", &mut s).unwrap(), "1");
        assert_eq!(eval("int(3),not", &mut s).unwrap(), "0");
        assert_eq!(eval("str(a\\\"/),json", &mut s).unwrap(), "a\\\"\\/");
        assert_eq!(eval("src,ipmask(24)", &mut s).unwrap(), "127.0.0.0");
        // Variables: set-var passes its input through; arithmetic reads variables.
        assert_eq!(eval("int(3),set-var(txn.v)", &mut s).unwrap(), "3");
        assert_eq!(eval("var(txn.v),add(txn.v)", &mut s).unwrap(), "6");
        assert_eq!(eval("int(1),add(txn.missing)", &mut s), None);
        // A condition that does not hold makes the converter fail (haproxy 2.6).
        assert_eq!(eval("int(5),set-var(txn.v,ifnotset)", &mut s), None);
        assert_eq!(eval("var(txn.v)", &mut s).unwrap(), "3");
        assert_eq!(eval("int(5),set-var(txn.v,ifexists)", &mut s).unwrap(), "5");
        assert_eq!(eval("var(txn.v)", &mut s).unwrap(), "5");
        // ifgt/iflt compare integers only (the variable against the input).
        assert_eq!(eval("int(9),set-var(txn.v,ifgt)", &mut s), None);
        assert_eq!(eval("int(2),set-var(txn.v,ifgt)", &mut s).unwrap(), "2");
        assert_eq!(eval("str(9),set-var(txn.v,ifgt)", &mut s).unwrap(), "9");
        assert_eq!(eval("str(x),unset-var(txn.v)", &mut s).unwrap(), "x");
        assert_eq!(s.vars.get(&VarName::parse("txn.v").unwrap()), None);
    }

    #[test]
    fn lua_hooks_and_sync_path() {
        let mut s = req();
        assert_eq!(eval("lua.ff", &mut s).unwrap(), "lua:ff()");
        assert_eq!(eval("lua.ff(a,2)", &mut s).unwrap(), "lua:ff(a,2)");
        assert_eq!(eval("path,lua.cc", &mut s).unwrap(), "cc:/p/a");
        assert_eq!(eval("lua.ff,lua.cc,upper", &mut s).unwrap(), "CC:LUA:FF()");
        let (e, _) = SampleExpr::parse("path,upper", &lua(), ExprCtx::Word).unwrap();
        assert_eq!(e.eval_sync(&mut s), Some(Sample::str("/P/A")));
        let (e, _) = SampleExpr::parse("lua.ff", &lua(), ExprCtx::Word).unwrap();
        assert!(e.uses_lua());
        assert_eq!(e.eval_sync(&mut s), None);
    }
}
