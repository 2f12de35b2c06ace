//! `set-var(<name>[,<cond>...]) <expr>` and `unset-var(<name>)` rule actions (vars.c
//! `parse_store`), shared by the TCP and HTTP rule sets. Messages are HAProxy's bodies; the
//! caller adds its context.

use crate::lua_names::LuaNames;
use crate::sample::conv::{SET_VAR_CONDS, find_converter, set_var_if};
use crate::sample::expr::{ExprCtx, SampleExpr, is_idchar};
use crate::sample::source::LuaSamples;
use crate::sample::vars::VarName;

/// A `set-var` action: evaluate `expr`, store it if the conditions hold.
#[derive(Clone, Debug)]
pub struct SetVar {
    pub var: VarName,
    pub conds: Vec<String>,
    pub expr: SampleExpr,
}

impl SetVar {
    /// Runs the action: a failed expression leaves the variable untouched (as HAProxy).
    pub async fn run<S: LuaSamples>(&self, src: &mut S) {
        if let Some(v) = self.expr.eval(src).await {
            let conds: Vec<&[u8]> = self.conds.iter().map(|c| c.as_bytes()).collect();
            set_var_if(src, &self.var, v, &conds);
        }
    }
}

fn usage(word: &str, incomplete: bool) -> String {
    let tail =
        "Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'";
    if incomplete {
        format!("incomplete argument after action '{word}'. {tail}")
    } else {
        format!("invalid or incomplete action '{word}'. {tail}")
    }
}

/// Splits `set-var(name,cond...)` / `unset-var(name)` into the variable and conditions.
fn parse_word(word: &str, prefix: &str) -> Result<(VarName, Vec<String>), String> {
    let Some(inner) = word.strip_prefix(prefix).and_then(|r| r.strip_prefix('(')) else {
        return Err(usage(word, false));
    };
    let n = inner
        .char_indices()
        .find(|&(_, c)| !VarName::is_name_char(c))
        .map_or(inner.len(), |(i, _)| i);
    let name = &inner[..n];
    let rest = &inner[n..];
    let conds_text = match rest.as_bytes().first() {
        None => return Err(usage(word, true)),
        Some(b')') => "",
        Some(b',') => {
            let Some(close) = rest.find(')') else {
                return Err(usage(word, true));
            };
            &rest[1..close]
        }
        Some(_) => return Err(format!("invalid syntax at char '{rest}'")),
    };
    let var = VarName::parse(name)?;
    let mut conds = Vec::new();
    for c in conds_text.split(',').filter(|c| !c.is_empty()) {
        if !SET_VAR_CONDS.contains(&c) {
            return Err(format!("unknown condition \"{c}\""));
        }
        conds.push(c.to_string());
    }
    Ok((var, conds))
}

/// `set-var(...)` at `words[*cur - 1]`, its expression from `words[*cur]` on. An expression
/// may continue in the next words when they start with a converter (`path lower`), as in
/// HAProxy.
pub fn parse_set_var(
    word: &str,
    words: &[String],
    cur: &mut usize,
    lua: &LuaNames,
) -> Result<SetVar, String> {
    let (var, conds) = parse_word(word, "set-var")?;
    let Some(first) = words.get(*cur).filter(|w| !w.is_empty()) else {
        return Err("missing fetch method".into());
    };
    let mut text = first.clone();
    *cur += 1;
    while let Some(next) = words.get(*cur) {
        let n = next.bytes().take_while(|&c| is_idchar(c)).count();
        let name = &next[..n];
        let is_conv = find_converter(name).is_some()
            || name
                .strip_prefix("lua.")
                .is_some_and(|l| lua.converters.contains(l));
        if n == 0 || !is_conv {
            break;
        }
        text.push(',');
        text.push_str(next);
        *cur += 1;
    }
    let (expr, _) = SampleExpr::parse(&text, lua, ExprCtx::Word)?;
    Ok(SetVar { var, conds, expr })
}

pub fn parse_unset_var(word: &str) -> Result<VarName, String> {
    parse_word(word, "unset-var").map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn words_and_messages() {
        let lua = LuaNames::default();
        let set = |word: &str, rest: &str| {
            let mut cur = 0;
            parse_set_var(word, &w(rest), &mut cur, &lua).map(|s| (s, cur))
        };
        let (s, cur) = set("set-var(txn.a.b,ifnotset)", "path lower if TRUE").unwrap();
        assert_eq!(s.var.to_string(), "txn.a.b");
        assert_eq!(s.conds, vec!["ifnotset"]);
        assert_eq!(s.expr.convs.len(), 1);
        assert_eq!(cur, 2);
        assert_eq!(
            set("set-var(txn.x)", "").unwrap_err(),
            "missing fetch method"
        );
        assert_eq!(
            set("set-var(txn.a-b)", "int(1)").unwrap_err(),
            "invalid syntax at char '-b)'"
        );
        assert_eq!(
            set("set-var(txn.a:b)", "int(1)").unwrap_err(),
            "invalid syntax at char ':b)'"
        );
        assert_eq!(
            set("set-var(txn.x,bogus)", "int(1)").unwrap_err(),
            "unknown condition \"bogus\""
        );
        assert_eq!(
            set("set-var(txn.x)", "nosuch").unwrap_err(),
            "unknown fetch method 'nosuch'"
        );
        assert!(
            set("set-var(x)", "int(1)")
                .unwrap_err()
                .starts_with("invalid variable name 'x'.")
        );
        assert!(
            set("set-var(txn.)", "int(1)")
                .unwrap_err()
                .starts_with("invalid variable name 'txn.'.")
        );
        assert_eq!(
            set("set-var(txn.x", "int(1)").unwrap_err(),
            "incomplete argument after action 'set-var(txn.x'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"
        );
        assert_eq!(
            set("set-var", "int(1)").unwrap_err(),
            "invalid or incomplete action 'set-var'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"
        );
        assert_eq!(
            parse_unset_var("unset-var(txn.x)").unwrap().to_string(),
            "txn.x"
        );
    }
}
