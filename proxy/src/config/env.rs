//! The environment the configuration sees while it is read: the process environment at start,
//! changed line by line by `setenv`, `presetenv`, `unsetenv` and `resetenv` (HAProxy changes
//! its real environment, so a later `"${VAR}"` sees the change). Kept as a value here so
//! parsing stays pure; the caller applies the final state to the process if it wants to.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The current process environment (variables whose name or value is not UTF-8 are
    /// skipped: the configuration is text).
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// `setenv` (overwrite) and `presetenv` (only when unset).
    pub fn set(&mut self, name: &str, value: &str, overwrite: bool) {
        if overwrite || !self.vars.contains_key(name) {
            self.vars.insert(name.to_string(), value.to_string());
        }
    }

    pub fn unset(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// `resetenv [name...]`: removes every variable except the named ones.
    pub fn reset(&mut self, keep: &[String]) {
        self.vars.retain(|k, _| keep.iter().any(|n| n == k));
    }

    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
