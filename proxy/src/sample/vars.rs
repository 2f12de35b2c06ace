//! Variables: scoped names (`txn.foo`) as HAProxy checks them, and `Vars`, a store for one
//! scope set that the engine (and the tests) can embed in a `SampleSource`.

use std::collections::HashMap;

use super::value::Sample;

/// The variable scopes. `proc` lives for the process, `sess` for a connection, `txn` for one
/// HTTP transaction, `req`/`res` for one direction's processing, `check` for health checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarScope {
    Proc,
    Sess,
    Txn,
    Req,
    Res,
    Check,
}

impl VarScope {
    pub fn name(self) -> &'static str {
        match self {
            VarScope::Proc => "proc",
            VarScope::Sess => "sess",
            VarScope::Txn => "txn",
            VarScope::Req => "req",
            VarScope::Res => "res",
            VarScope::Check => "check",
        }
    }

    fn from_prefix(s: &str) -> Option<(VarScope, &str)> {
        for scope in [
            VarScope::Proc,
            VarScope::Sess,
            VarScope::Txn,
            VarScope::Req,
            VarScope::Res,
            VarScope::Check,
        ] {
            if let Some(rest) = s
                .strip_prefix(scope.name())
                .and_then(|r| r.strip_prefix('.'))
            {
                return Some((scope, rest));
            }
        }
        None
    }
}

/// A variable's full name: scope plus name (the part after the first dot, which may itself
/// contain dots).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarName {
    pub scope: VarScope,
    pub name: String,
}

impl VarName {
    /// `vars_check_arg`/`register_name`: the scope prefix is mandatory and the name after it
    /// is not empty.
    pub fn parse(full: &str) -> Result<VarName, String> {
        match VarScope::from_prefix(full) {
            Some((scope, rest)) if !rest.is_empty() => Ok(VarName {
                scope,
                name: rest.to_string(),
            }),
            _ => Err(format!(
                "invalid variable name '{full}'. A variable name must be start by its scope. \
                 The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"
            )),
        }
    }

    /// The characters HAProxy accepts in a variable name inside `set-var(...)`.
    pub fn is_name_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_' || c == '.'
    }
}

impl std::fmt::Display for VarName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.scope.name(), self.name)
    }
}

/// A variable store holding every scope. The engine keeps `proc` variables globally and the
/// others per stream; this type stores whatever it is given (one struct per level, or all).
#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: HashMap<(VarScope, String), Sample>,
}

impl Vars {
    pub fn get(&self, name: &VarName) -> Option<Sample> {
        self.map.get(&(name.scope, name.name.clone())).cloned()
    }

    pub fn set(&mut self, name: &VarName, value: Sample) {
        self.map.insert((name.scope, name.name.clone()), value);
    }

    pub fn unset(&mut self, name: &VarName) {
        self.map.remove(&(name.scope, name.name.clone()));
    }

    /// Drops every variable of one scope (end of a transaction: `txn`, `req`, `res`).
    pub fn clear_scope(&mut self, scope: VarScope) {
        self.map.retain(|(s, _), _| *s != scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let v = VarName::parse("txn.a.b").unwrap();
        assert_eq!(v.scope, VarScope::Txn);
        assert_eq!(v.name, "a.b");
        assert_eq!(v.to_string(), "txn.a.b");
        assert!(VarName::parse("txn.").is_err());
        assert_eq!(
            VarName::parse("foo").unwrap_err(),
            "invalid variable name 'foo'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"
        );
    }

    #[test]
    fn store() {
        let mut vars = Vars::default();
        let a = VarName::parse("txn.a").unwrap();
        let b = VarName::parse("sess.a").unwrap();
        vars.set(&a, Sample::Sint(1));
        vars.set(&b, Sample::Sint(2));
        assert_eq!(vars.get(&a), Some(Sample::Sint(1)));
        vars.clear_scope(VarScope::Txn);
        assert_eq!(vars.get(&a), None);
        assert_eq!(vars.get(&b), Some(Sample::Sint(2)));
        vars.unset(&b);
        assert_eq!(vars.get(&b), None);
    }
}
