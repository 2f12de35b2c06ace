//! ACLs and conditions: `acl <name> <criterion> [flags] [operator] <value> ...` (acl.c
//! `parse_acl_expr`), the derived criteria (`path_beg`, `hdr_sub(host)`...), the predefined
//! ACLs, and `if|unless` conditions with `!`, `||`/`or`, implicit AND and anonymous `{ }`
//! ACLs. Messages are HAProxy's.
//!
//! Names resolve when a condition is parsed (an ACL defined later is "no such ACL"), but, as
//! in HAProxy, `acl` lines added to that name afterwards still count for the condition:
//! `AclSet::relink` points the condition's terms at the final ACLs once the section is read.

use std::sync::Arc;

use crate::config::{ConfigError, Line};
use crate::lua_names::LuaNames;

use super::expr::{ExprCtx, SampleExpr};
use super::pattern::{MatchMethod, PatternSet};
use super::source::LuaSamples;
use super::value::SampleType;

/// A derived ACL keyword: a fetch plus a match method (`path_beg` = `path` + `beg`).
struct AclKw {
    name: &'static str,
    fetch: &'static str,
    method: MatchMethod,
}

macro_rules! derived {
    ($($kw:literal => $fetch:literal, $m:ident;)*) => {
        &[$(AclKw { name: $kw, fetch: $fetch, method: MatchMethod::$m }),*]
    };
}

static ACL_KWS: &[AclKw] = derived! {
    "base" => "base", Str; "base_beg" => "base", Beg; "base_dir" => "base", Dir;
    "base_dom" => "base", Dom; "base_end" => "base", End; "base_len" => "base", Len;
    "base_reg" => "base", Reg; "base_sub" => "base", Sub;
    "cook" => "req.cook", Str; "cook_beg" => "req.cook", Beg; "cook_dir" => "req.cook", Dir;
    "cook_dom" => "req.cook", Dom; "cook_end" => "req.cook", End; "cook_len" => "req.cook", Len;
    "cook_reg" => "req.cook", Reg; "cook_sub" => "req.cook", Sub;
    "path" => "path", Str; "path_beg" => "path", Beg; "path_dir" => "path", Dir;
    "path_dom" => "path", Dom; "path_end" => "path", End; "path_len" => "path", Len;
    "path_reg" => "path", Reg; "path_sub" => "path", Sub;
    "url" => "url", Str; "url_beg" => "url", Beg; "url_dir" => "url", Dir;
    "url_dom" => "url", Dom; "url_end" => "url", End; "url_len" => "url", Len;
    "url_reg" => "url", Reg; "url_sub" => "url", Sub;
    "urlp" => "urlp", Str; "urlp_beg" => "urlp", Beg; "urlp_dir" => "urlp", Dir;
    "urlp_dom" => "urlp", Dom; "urlp_end" => "urlp", End; "urlp_len" => "urlp", Len;
    "urlp_reg" => "urlp", Reg; "urlp_sub" => "urlp", Sub;
    "hdr" => "hdr", Str; "hdr_beg" => "hdr", Beg; "hdr_dir" => "hdr", Dir;
    "hdr_dom" => "hdr", Dom; "hdr_end" => "hdr", End; "hdr_len" => "hdr", Len;
    "hdr_reg" => "hdr", Reg; "hdr_sub" => "hdr", Sub;
    "hdr_cnt" => "hdr_cnt", Int; "hdr_val" => "hdr_val", Int;
    "req.hdr" => "req.hdr", Str; "res.hdr" => "res.hdr", Str;
    "shdr" => "res.hdr", Str; "shdr_beg" => "res.hdr", Beg; "shdr_end" => "res.hdr", End;
    "shdr_sub" => "res.hdr", Sub; "shdr_reg" => "res.hdr", Reg; "shdr_dom" => "res.hdr", Dom;
    "shdr_dir" => "res.hdr", Dir; "shdr_len" => "res.hdr", Len;
    "scook" => "res.cook", Str; "scook_beg" => "res.cook", Beg; "scook_dir" => "res.cook", Dir;
    "scook_dom" => "res.cook", Dom; "scook_end" => "res.cook", End;
    "scook_len" => "res.cook", Len; "scook_reg" => "res.cook", Reg;
    "scook_sub" => "res.cook", Sub;
    "query" => "query", Str;
    "method" => "method", Meth;
    "req.ver" => "req.ver", Str; "req_ver" => "req.ver", Str; "resp_ver" => "res.ver", Str;
    "src" => "src", Ip; "dst" => "dst", Ip;
};

/// The predefined ACLs (acl.c `default_acl_list`) Halo can evaluate.
static PREDEFINED: &[(&str, &[&str])] = &[
    ("FALSE", &["always_false"]),
    ("HTTP", &["req.proto_http"]),
    ("HTTP_1.0", &["req.ver", "1.0"]),
    ("HTTP_1.1", &["req.ver", "1.1"]),
    ("HTTP_2.0", &["req.ver", "2.0"]),
    ("HTTP_CONTENT", &["req.hdr_val(content-length)", "gt", "0"]),
    ("HTTP_URL_ABS", &["url_reg", "^[^/:]*://"]),
    ("HTTP_URL_SLASH", &["url_beg", "/"]),
    ("HTTP_URL_STAR", &["url", "*"]),
    ("LOCALHOST", &["src", "127.0.0.1/8", "::1"]),
    ("METH_CONNECT", &["method", "CONNECT"]),
    ("METH_DELETE", &["method", "DELETE"]),
    ("METH_GET", &["method", "GET", "HEAD"]),
    ("METH_HEAD", &["method", "HEAD"]),
    ("METH_OPTIONS", &["method", "OPTIONS"]),
    ("METH_POST", &["method", "POST"]),
    ("METH_PUT", &["method", "PUT"]),
    ("METH_TRACE", &["method", "TRACE"]),
    ("RDP_COOKIE", &["req.rdp_cookie_cnt", "gt", "0"]),
    ("REQ_CONTENT", &["req.len", "gt", "0"]),
    ("TRUE", &["always_true"]),
    ("WAIT_END", &["wait_end"]),
];

/// One criterion with its patterns: an `acl` line's body.
#[derive(Clone, Debug)]
pub struct AclExpr {
    /// The criterion's keyword as HAProxy names it in messages: the ACL keyword written
    /// (`path_beg`), else the fetch's name.
    pub kw: String,
    pub expr: SampleExpr,
    pub patterns: PatternSet,
}

impl AclExpr {
    /// `parse_acl_expr`: `words` = criterion, flags, patterns.
    pub fn parse(words: &[String], lua: &LuaNames) -> Result<AclExpr, String> {
        let Some(crit) = words.first().filter(|w| !w.is_empty()) else {
            return Err("missing fetch method in ACL expression ''".into());
        };
        // A derived keyword is the name up to `(` or `,`; it maps to a fetch and a method.
        let kw_end = crit.find(['(', ',']).unwrap_or(crit.len());
        let derived = ACL_KWS.iter().find(|k| k.name == &crit[..kw_end]);
        let expr_text = match derived {
            Some(k) => format!("{}{}", k.fetch, &crit[kw_end..]),
            None => crit.clone(),
        };
        let (expr, _) = SampleExpr::parse(&expr_text, lua, ExprCtx::Acl).map_err(|e| {
            // Messages name the keyword as written, not the fetch it maps to.
            match derived {
                Some(k) => e.replacen(
                    &format!("ACL keyword '{}'", k.fetch),
                    &format!("ACL keyword '{}'", k.name),
                    1,
                ),
                None => e,
            }
        })?;
        // With converters, a derived keyword loses its match method: the criterion matches by
        // the converted type like any fetch (`path_beg,upper /E` is an exact string match in
        // haproxy 2.6).
        let mut method = derived.filter(|_| expr.convs.is_empty()).map(|k| k.method);
        let mut ignore_case = false;
        // Created when the method is final: at the first `-f` (loaded right away, with the
        // flags seen so far, as HAProxy does) or after the flags.
        let mut patterns: Option<PatternSet> = None;
        let default_method = |m: Option<MatchMethod>| -> Result<MatchMethod, String> {
            Ok(match m {
                Some(m) => m,
                None => match expr.out_type() {
                    SampleType::Bool => MatchMethod::Bool,
                    SampleType::Sint => MatchMethod::Int,
                    SampleType::Ipv4 | SampleType::Ipv6 | SampleType::Addr => MatchMethod::Ip,
                    SampleType::Str => MatchMethod::Str,
                    SampleType::Bin => MatchMethod::Bin,
                    SampleType::Meth => MatchMethod::Meth,
                    SampleType::Any => {
                        return Err(format!(
                            "matching method must be specified first (using '-m') when using a sample fetch of this type ('{}')",
                            expr.fetch_name()
                        ));
                    }
                },
            })
        };
        let mut i = 1;
        while let Some(w) = words.get(i) {
            if !w.starts_with('-') {
                break;
            }
            match w.as_str() {
                "-i" => {
                    ignore_case = true;
                    if let Some(p) = patterns.as_mut() {
                        p.ignore_case = true;
                    }
                }
                "-n" => {}
                "--" => {
                    i += 1;
                    break;
                }
                "-m" => {
                    if patterns.is_some() {
                        return Err("'-m' must only be specified before patterns and files in parsing ACL expression".into());
                    }
                    let name = words.get(i + 1).map(String::as_str).unwrap_or("");
                    method = Some(MatchMethod::from_name(name).ok_or_else(|| {
                        format!("unknown matching method '{name}' when parsing ACL expression")
                    })?);
                    i += 1;
                }
                "-u" => i += 1,
                "-f" => {
                    let file = words.get(i + 1).map(String::as_str).unwrap_or_default();
                    let set = match patterns.as_mut() {
                        Some(p) => p,
                        None => {
                            patterns.insert(PatternSet::new(default_method(method)?, ignore_case))
                        }
                    };
                    set.add_file(file)?;
                    i += 1;
                }
                "-M" => {
                    return Err("'-M' (map files as patterns) is not supported by Halo yet".into());
                }
                _ => {
                    return Err(format!(
                        "'{w}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"
                    ));
                }
            }
            i += 1;
        }
        let mut patterns = match patterns {
            Some(p) => p,
            None => PatternSet::new(default_method(method)?, ignore_case),
        };
        patterns.add_words(&words[i.min(words.len())..])?;
        let kw = match derived {
            Some(k) => k.name.to_string(),
            None => expr.fetch_name(),
        };
        Ok(AclExpr { kw, expr, patterns })
    }

    /// Whether any value of the criterion matches any pattern.
    pub async fn eval<S: LuaSamples>(&self, src: &mut S) -> bool {
        self.expr
            .eval_all(src)
            .await
            .iter()
            .any(|v| self.patterns.matches(v))
    }
}

/// A named ACL: every `acl` line with that name, ORed.
#[derive(Clone, Debug)]
pub struct Acl {
    pub name: String,
    pub exprs: Vec<AclExpr>,
}

impl Acl {
    pub async fn eval<S: LuaSamples>(&self, src: &mut S) -> bool {
        for e in &self.exprs {
            if e.eval(src).await {
                return true;
            }
        }
        false
    }
}

/// The ACLs of one proxy, in definition order.
#[derive(Clone, Debug, Default)]
pub struct AclSet {
    acls: Vec<Arc<Acl>>,
}

impl AclSet {
    pub fn get(&self, name: &str) -> Option<&Arc<Acl>> {
        self.acls.iter().find(|a| a.name == name)
    }

    /// An `acl <name> <criterion> ...` line. Message bodies are HAProxy's.
    pub fn add_line(&mut self, line: &Line, lua: &LuaNames) -> Result<(), ConfigError> {
        let w = &line.words;
        let Some(name) = w.get(1) else {
            // HAProxy 2.6 silently accepts a bare `acl`.
            return Ok(());
        };
        if let Some(c) = name
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
        {
            return Err(ConfigError::at(
                &line.loc,
                format!("character '{c}' is not permitted in acl name '{name}'."),
            ));
        }
        if name.eq_ignore_ascii_case("or") {
            return Err(ConfigError::at(
                &line.loc,
                format!(
                    "acl name '{name}' will never match. 'or' is used to express a logical disjunction within a condition."
                ),
            ));
        }
        let expr = AclExpr::parse(&w[2..], lua).map_err(|e| {
            ConfigError::at(
                &line.loc,
                format!("error detected while parsing ACL '{name}' : {e}."),
            )
        })?;
        match self.acls.iter_mut().find(|a| a.name == *name) {
            Some(acl) => Arc::make_mut(acl).exprs.push(expr),
            None => self.acls.push(Arc::new(Acl {
                name: name.clone(),
                exprs: vec![expr],
            })),
        }
        Ok(())
    }

    /// Points a condition's named terms at this set's current ACLs, so `acl` lines that came
    /// after the condition count (HAProxy shares one ACL object per name).
    pub fn relink(&self, cond: &mut Cond) {
        for t in cond.suites.iter_mut().flatten() {
            if t.named
                && let Some(a) = self.get(&t.acl.name)
            {
                t.acl = a.clone();
            }
        }
    }

    /// A named ACL, else a predefined one (`find_acl_default`).
    fn resolve(&self, word: &str, lua: &LuaNames) -> Result<Arc<Acl>, String> {
        if let Some(a) = self.get(word) {
            return Ok(a.clone());
        }
        if let Some((name, words)) = PREDEFINED.iter().find(|(n, _)| *n == word) {
            let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
            let expr = AclExpr::parse(&words, lua)?;
            return Ok(Arc::new(Acl {
                name: name.to_string(),
                exprs: vec![expr],
            }));
        }
        Err(format!("no such ACL : '{word}'"))
    }

    /// `parse_acl_cond`: the words after `if`/`unless`. Returns HAProxy's message body.
    pub fn parse_cond(
        &self,
        polarity: Polarity,
        words: &[String],
        lua: &LuaNames,
    ) -> Result<Cond, String> {
        let mut suites: Vec<Vec<Term>> = Vec::new();
        let mut cur: Option<usize> = None;
        let mut neg = false;
        let mut i = 0;
        while i < words.len() {
            let mut word = words[i].as_str();
            while let Some(rest) = word.strip_prefix('!') {
                neg = !neg;
                word = rest;
            }
            if word.is_empty() {
                i += 1;
                continue;
            }
            if word.eq_ignore_ascii_case("or") || word == "||" {
                cur = None;
                neg = false;
                i += 1;
                continue;
            }
            let named = word != "{";
            let acl = if word == "{" {
                let Some(end) = words[i + 1..].iter().position(|w| w == "}") else {
                    return Err("missing closing '}' in condition".into());
                };
                let body = &words[i + 1..i + 1 + end];
                let expr = AclExpr::parse(body, lua)?;
                i += end + 1;
                Arc::new(Acl {
                    name: format!("acl({})", body.join(" ")),
                    exprs: vec![expr],
                })
            } else {
                self.resolve(word, lua)?
            };
            let idx = match cur {
                Some(idx) => idx,
                None => {
                    suites.push(Vec::new());
                    suites.len() - 1
                }
            };
            cur = Some(idx);
            suites[idx].push(Term { neg, named, acl });
            neg = false;
            i += 1;
        }
        Ok(Cond { polarity, suites })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    If,
    Unless,
}

/// One ACL reference in a condition, possibly negated.
#[derive(Clone, Debug)]
pub struct Term {
    pub neg: bool,
    /// Refers to an ACL by name (not an anonymous `{ }` one): `relink` updates it.
    pub named: bool,
    pub acl: Arc<Acl>,
}

/// `if|unless` followed by terms: an OR of suites, each an AND of terms.
#[derive(Clone, Debug)]
pub struct Cond {
    pub polarity: Polarity,
    pub suites: Vec<Vec<Term>>,
}

impl Cond {
    /// Whether the rule applies. An empty condition (`if` alone) never holds, `unless`
    /// alone always does, as in HAProxy.
    pub async fn eval<S: LuaSamples>(&self, src: &mut S) -> bool {
        let mut res = false;
        for suite in &self.suites {
            let mut all = true;
            for t in suite {
                if t.acl.eval(src).await == t.neg {
                    all = false;
                    break;
                }
            }
            if all {
                res = true;
                break;
            }
        }
        match self.polarity {
            Polarity::If => res,
            Polarity::Unless => !res,
        }
    }
}

/// Evaluates an optional condition: no condition means the rule applies.
pub async fn cond_holds<S: LuaSamples>(cond: Option<&Cond>, src: &mut S) -> bool {
    match cond {
        Some(c) => c.eval(src).await,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Loc;
    use crate::sample::testsrc::{TestSource, block_on};

    fn line(text: &str) -> Line {
        Line {
            loc: Loc {
                file: "t.cfg".into(),
                line: 3,
            },
            words: text.split_whitespace().map(String::from).collect(),
        }
    }

    fn acl_err(text: &str) -> String {
        let mut set = AclSet::default();
        set.add_line(&line(text), &LuaNames::default())
            .unwrap_err()
            .to_string()
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn cond(set: &AclSet, text: &str, src: &mut TestSource) -> bool {
        let w = words(text);
        let pol = if w[0] == "if" {
            Polarity::If
        } else {
            Polarity::Unless
        };
        let c = set.parse_cond(pol, &w[1..], &LuaNames::default()).unwrap();
        block_on(c.eval(src))
    }

    #[test]
    fn acl_line_messages() {
        let p = "parsing [t.cfg:3] : ";
        assert_eq!(
            acl_err("acl a1 nosuch"),
            format!(
                "{p}error detected while parsing ACL 'a1' : unknown fetch method 'nosuch' in ACL expression 'nosuch'."
            )
        );
        assert_eq!(
            acl_err("acl a3 hdr(host,x) foo"),
            format!(
                "{p}error detected while parsing ACL 'a3' : ACL keyword 'hdr' : failed to parse 'x' as type 'integer' at position 2."
            )
        );
        assert_eq!(
            acl_err("acl a4 hdr(host foo"),
            format!("{p}error detected while parsing ACL 'a4' : ACL keyword 'hdr' : expected ')'.")
        );
        assert_eq!(
            acl_err("acl x path_beg(1) /"),
            format!(
                "{p}error detected while parsing ACL 'x' : ACL keyword 'path_beg' : expected ')' before '1)'."
            )
        );
        assert_eq!(
            acl_err("acl a5 src 1.2.3.4/40"),
            format!(
                "{p}error detected while parsing ACL 'a5' : '1.2.3.4/40' is not a valid IPv4 or IPv6 address."
            )
        );
        assert_eq!(
            acl_err("acl a6 path -m nosuch foo"),
            format!(
                "{p}error detected while parsing ACL 'a6' : unknown matching method 'nosuch' when parsing ACL expression."
            )
        );
        assert_eq!(
            acl_err("acl d path -m"),
            format!(
                "{p}error detected while parsing ACL 'd' : unknown matching method '' when parsing ACL expression."
            )
        );
        assert_eq!(
            acl_err("acl a7 status gt foo"),
            format!(
                "{p}error detected while parsing ACL 'a7' : 'foo' is neither a number nor a supported operator."
            )
        );
        assert_eq!(
            acl_err("acl a8 path,lower,nosuch foo"),
            format!(
                "{p}error detected while parsing ACL 'a8' : ACL keyword 'path' : unknown converter 'nosuch'.."
            )
        );
        assert_eq!(
            acl_err("acl c path -x foo"),
            format!(
                "{p}error detected while parsing ACL 'c' : '-x' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'."
            )
        );
        assert_eq!(
            acl_err("acl a"),
            format!(
                "{p}error detected while parsing ACL 'a' : missing fetch method in ACL expression ''."
            )
        );
        assert_eq!(
            acl_err("acl a/b path /"),
            format!("{p}character '/' is not permitted in acl name 'a/b'.")
        );
        assert_eq!(
            acl_err("acl or path /"),
            format!(
                "{p}acl name 'or' will never match. 'or' is used to express a logical disjunction within a condition."
            )
        );
        assert_eq!(
            acl_err("acl x var(txn.a) foo"),
            format!(
                "{p}error detected while parsing ACL 'x' : matching method must be specified first (using '-m') when using a sample fetch of this type ('var')."
            )
        );
        assert_eq!(
            acl_err("acl j status 200:300 :5 5: 1:2:3"),
            format!(
                "{p}error detected while parsing ACL 'j' : '1:2:3' is not a valid number range."
            )
        );
        for (line, msg) in [
            (
                "acl x path) /",
                "ACL keyword 'path' : missing comma after fetch keyword..",
            ),
            (
                "acl x path,lower) /",
                "ACL keyword 'path' : missing comma after converter 'lower'..",
            ),
            (
                "acl x path,lower(1) /",
                "ACL keyword 'path' : invalid arg 1 in converter 'lower' : expected ')' before '1)'..",
            ),
            (
                "acl x path,add(a.b) /",
                "ACL keyword 'path' : invalid args in converter 'add' : expects an integer or a variable name..",
            ),
            (
                "acl x method,add(1) 3",
                "ACL keyword 'method' : converter 'add' cannot be applied..",
            ),
        ] {
            assert_eq!(
                acl_err(line),
                format!("{p}error detected while parsing ACL 'x' : {msg}")
            );
        }
        assert_eq!(
            acl_err("acl x path -f"),
            format!("{p}error detected while parsing ACL 'x' : failed to open pattern file <>.")
        );
        assert_eq!(
            acl_err("acl x path -m bin zz"),
            format!(
                "{p}error detected while parsing ACL 'x' : an hex digit is expected (found 'z')."
            )
        );
    }

    #[test]
    fn named_acls_and_conditions() {
        let lua = LuaNames::default();
        let mut set = AclSet::default();
        for l in [
            "acl api path_beg /api",
            "acl api path_end .php",
            "acl host hdr(host) -i Example.com",
            "acl post method POST",
            "acl loc src 127.0.0.0/8",
            "acl long path,length gt 5",
            "acl dir path_dir v1",
            "acl ver var(txn.v) -m int 3",
            "acl hx hdr_sub(host) ampl",
        ] {
            set.add_line(&line(l), &lua).unwrap();
        }
        let mut s = TestSource::http("/api/v1/x", &[("Host", "example.COM")]);
        assert!(cond(&set, "if api", &mut s));
        assert!(cond(&set, "if api host loc", &mut s));
        assert!(!cond(&set, "if api post", &mut s));
        assert!(cond(&set, "if post || api", &mut s));
        assert!(cond(&set, "if post or api", &mut s));
        assert!(cond(&set, "if !post", &mut s));
        assert!(cond(&set, "if ! post", &mut s));
        assert!(!cond(&set, "unless api", &mut s));
        assert!(cond(&set, "if long dir hx", &mut s));
        assert!(!cond(&set, "if ver", &mut s));
        s.vars.set(
            &crate::sample::VarName::parse("txn.v").unwrap(),
            crate::sample::Sample::Sint(3),
        );
        assert!(cond(&set, "if ver", &mut s));
        assert!(cond(
            &set,
            "if { path_beg /api } { hdr(host) -i example.com }",
            &mut s
        ));
        assert!(!cond(&set, "if { path -m str /api }", &mut s));
        assert!(cond(&set, "if TRUE", &mut s));
        assert!(!cond(&set, "if FALSE", &mut s));
        assert!(cond(
            &set,
            "if METH_GET HTTP HTTP_1.1 LOCALHOST HTTP_URL_SLASH",
            &mut s
        ));
        assert!(!cond(&set, "if METH_POST", &mut s));
        assert!(!cond(&set, "if HTTP_1.0", &mut s));
        // `if` alone never holds, `unless` alone always does.
        assert!(!cond(&set, "if", &mut s));
        assert!(cond(&set, "unless", &mut s));
        // A second `acl` line with the same name ORs.
        let mut php = TestSource::http("/x.php", &[]);
        assert!(cond(&set, "if api", &mut php));
        // Header ACLs try every occurrence.
        let mut multi = TestSource::http("/", &[("X", "a, b"), ("X", "c")]);
        assert!(cond(&set, "if { hdr(x) b }", &mut multi));
        assert!(cond(&set, "if { hdr_cnt(x) eq 3 }", &mut multi));
        assert!(!cond(&set, "if { hdr(x,1) b }", &mut multi));
        // A missing sample fails the ACL, so its negation holds.
        let mut tcp = TestSource::default();
        assert!(!cond(&set, "if api", &mut tcp));
        assert!(cond(&set, "if !api", &mut tcp));
    }

    #[test]
    fn condition_messages() {
        let set = AclSet::default();
        let lua = LuaNames::default();
        let e = |s: &str| set.parse_cond(Polarity::If, &words(s), &lua).unwrap_err();
        assert_eq!(e("nosuch"), "no such ACL : 'nosuch'");
        assert_eq!(e("TRUE nosuch"), "no such ACL : 'nosuch'");
        assert_eq!(
            e("{ nosuch }"),
            "unknown fetch method 'nosuch' in ACL expression 'nosuch'"
        );
        assert_eq!(e("{ path_beg /a"), "missing closing '}' in condition");
        // ACLs are resolved when the condition is parsed...
        let mut set = AclSet::default();
        let later = set.parse_cond(Polarity::If, &words("later"), &lua);
        assert!(later.is_err());
        set.add_line(&line("acl later path /x"), &lua).unwrap();
        let mut c = set.parse_cond(Polarity::If, &words("later"), &lua).unwrap();
        // ...but lines added to the name afterwards count once relinked (checked with haproxy).
        set.add_line(&line("acl later path /y"), &lua).unwrap();
        let mut y = TestSource::http("/y", &[]);
        assert!(!block_on(c.eval(&mut y)));
        set.relink(&mut c);
        assert!(block_on(c.eval(&mut y)));
    }
}
