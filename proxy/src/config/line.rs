//! A configuration line as every later stage sees it: where it comes from and its words.

use std::fmt;
use std::sync::Arc;

/// Where a configuration line comes from, for HAProxy's `parsing [file:line]` messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One configuration line after tokenizing: quotes removed, escapes and `"${VAR}"` expanded.
/// `words[0]` is the keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub loc: Loc,
    pub words: Vec<String>,
}

/// A configuration error; `loc` is absent for errors about the whole configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub loc: Option<Loc>,
    pub msg: String,
}

impl ConfigError {
    pub fn at(loc: &Loc, msg: impl Into<String>) -> Self {
        ConfigError {
            loc: Some(loc.clone()),
            msg: msg.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.loc {
            Some(loc) => write!(f, "parsing [{loc}] : {}", self.msg),
            None => f.write_str(&self.msg),
        }
    }
}
