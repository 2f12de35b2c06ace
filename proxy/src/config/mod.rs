//! The HAProxy configuration: tokenizing, sections and keywords, the typed model, the checks
//! after parsing, and `haproxy -c`'s output. Entry points: [`Config::load`] (files from `-f`)
//! and [`load_texts`] (in-memory, for tests and tools).

mod address;
mod bind;
mod cint;
mod diag;
mod env;
mod files;
mod global;
mod inherit;
mod keywords;
mod line;
mod log;
pub mod model;
mod option;
mod parser;
mod proxy;
mod server;
mod suggest;
mod time;
mod tokenizer;
mod validate;

use std::path::PathBuf;

pub use diag::{Banner, CheckOutput, Diagnostic, Event, Form, Severity, render_check};
pub use env::Env;
pub use line::{ConfigError, Line, Loc};
pub use model::*;
pub use tokenizer::{TokenError, tokenize};

/// Everything a load produced: the model (when there is no fatal error), every message in
/// HAProxy's order, and the environment as `setenv` and friends left it.
#[derive(Debug)]
pub struct Outcome {
    pub config: Option<Config>,
    pub events: Vec<Event>,
    /// Some alert was fatal: the configuration is not usable.
    pub fatal: bool,
    /// The load stopped early (HAProxy's `ERR_ABORT`: after the current file, no checks).
    pub aborted: bool,
    pub env: Env,
}

impl Outcome {
    fn diagnostics(&self, severity: Severity) -> Vec<ConfigError> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Diag(d) if d.severity == severity => Some(d.error.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn errors(&self) -> Vec<ConfigError> {
        self.diagnostics(Severity::Alert)
    }

    pub fn warnings(&self) -> Vec<ConfigError> {
        self.diagnostics(Severity::Warning)
    }

    /// What `-c` prints for this load.
    pub fn render_check(&self, banner: &Banner) -> CheckOutput {
        render_check(&self.events, self.fatal, self.aborted, banner)
    }
}

impl Config {
    /// Loads the `-f` arguments (files or directories, in order) with the process environment.
    /// Ok carries the warnings (and the few alerts HAProxy does not count as fatal); Err every
    /// alert.
    pub fn load(paths: &[PathBuf]) -> Result<(Config, Vec<ConfigError>), Vec<ConfigError>> {
        let outcome = load_paths(paths, Env::from_process());
        match outcome.config {
            Some(c) => {
                let notes = outcome
                    .events
                    .into_iter()
                    .filter_map(|e| match e {
                        Event::Diag(d) => Some(d.error),
                        Event::FileHasErrors(_) => None,
                    })
                    .collect();
                Ok((c, notes))
            }
            None => Err(outcome.errors()),
        }
    }
}

/// Loads the `-f` arguments with the given starting environment.
pub fn load_paths(paths: &[PathBuf], env: Env) -> Outcome {
    let files = match files::expand(paths) {
        Ok(f) => f,
        Err(msg) => return failed_before_parsing(msg, env),
    };
    let mut texts = Vec::new();
    for f in &files {
        match files::read(f) {
            Ok(t) => texts.push((f.display().to_string(), t)),
            Err(msg) => return failed_before_parsing(msg, env),
        }
    }
    load_texts(&texts, env)
}

fn failed_before_parsing(msg: String, env: Env) -> Outcome {
    Outcome {
        config: None,
        events: vec![Event::Diag(Diagnostic::plain(Severity::Alert, None, msg))],
        fatal: true,
        aborted: true,
        env,
    }
}

/// Loads configuration texts, each named as messages will name its file.
pub fn load_texts(texts: &[(String, Vec<u8>)], env: Env) -> Outcome {
    let mut p = parser::Parser::new(env);
    for (name, text) in texts {
        p.read_file(name, text);
        if p.aborted {
            break;
        }
    }
    if !p.fatal {
        for d in validate::check(&p.config) {
            if d.severity == Severity::Alert {
                p.fatal = true;
            }
            p.events.push(Event::Diag(d));
        }
    }
    Outcome {
        config: (!p.fatal).then_some(p.config),
        events: p.events,
        fatal: p.fatal,
        aborted: p.aborted,
        env: p.env,
    }
}
