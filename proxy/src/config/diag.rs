//! Diagnostics (alerts and warnings) in the order HAProxy emits them, and the text of
//! `haproxy -c`: `[ALERT]    (pid) : config : parsing [f:l] : msg`, the per-file
//! "Error(s) found" line, and the final verdict.

use std::sync::Arc;

use super::line::{ConfigError, Loc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Alert,
    Warning,
}

/// How HAProxy lays out the location before a message: its call sites are not uniform, and
/// `-c` output is meant to be byte-compatible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `parsing [f:l] : msg` (most keyword parsers).
    Parsing,
    /// `parsing [f:l]: msg` (the line reader, section headers, a few keywords).
    ParsingTight,
    /// `Parsing [f:l]: msg` (duplicate proxy names).
    ParsingCapital,
    /// `[f:l] : msg` (the `server` keyword).
    Bracket,
    /// `[f:l] : parsing [f:l] : msg` (`server` in a section without backend capability).
    BracketParsing,
    /// `msg` alone (checks after parsing; the location, if any, is only for tools).
    Plain,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub error: ConfigError,
    pub form: Form,
}

impl Diagnostic {
    pub fn alert(loc: &Loc, form: Form, msg: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Alert,
            error: ConfigError::at(loc, msg),
            form,
        }
    }

    pub fn warning(loc: &Loc, form: Form, msg: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            error: ConfigError::at(loc, msg),
            form,
        }
    }

    /// A message about the whole configuration (no `parsing [...]` prefix).
    pub fn plain(severity: Severity, loc: Option<&Loc>, msg: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            error: ConfigError {
                loc: loc.cloned(),
                msg: msg.into(),
            },
            form: Form::Plain,
        }
    }

    /// The message as HAProxy prints it after `config : `.
    pub fn text(&self) -> String {
        let msg = &self.error.msg;
        match (&self.error.loc, self.form) {
            (Some(loc), Form::Parsing) => format!("parsing [{loc}] : {msg}"),
            (Some(loc), Form::ParsingTight) => format!("parsing [{loc}]: {msg}"),
            (Some(loc), Form::ParsingCapital) => format!("Parsing [{loc}]: {msg}"),
            (Some(loc), Form::Bracket) => format!("[{loc}] : {msg}"),
            (Some(loc), Form::BracketParsing) => format!("[{loc}] : parsing [{loc}] : {msg}"),
            _ => msg.clone(),
        }
    }
}

/// One thing `-c` prints, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Diag(Diagnostic),
    /// "Error(s) found in configuration file : <file>", after a file with fatal errors.
    FileHasErrors(Arc<str>),
}

/// What `haproxy -c` would print, split by stream, and its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

/// The program identity the notices before the first message name (HAProxy prints its version
/// and the path of its executable once, before its first alert or warning).
#[derive(Clone, Debug)]
pub struct Banner {
    pub pid: u32,
    /// e.g. "halo version is 0.1.0"
    pub version_line: String,
    /// e.g. "path to executable is /usr/bin/halo"
    pub path_line: String,
}

/// Renders `events` like `haproxy -c`. `fatal` says whether the configuration has errors
/// (then "Fatal errors found in configuration." ends the output, unless `aborted`, where HAProxy
/// exits right after the file being read).
pub fn render_check(events: &[Event], fatal: bool, aborted: bool, banner: &Banner) -> CheckOutput {
    let mut stderr = String::new();
    let mut noticed = false;
    let pid = banner.pid;
    let mut warned = false;
    let mut line = |stderr: &mut String, label: &str, text: &str| {
        if !noticed {
            noticed = true;
            stderr.push_str(&format!("[NOTICE]   ({pid}) : {}\n", banner.version_line));
            stderr.push_str(&format!("[NOTICE]   ({pid}) : {}\n", banner.path_line));
        }
        stderr.push_str(&format!("{label}({pid}) : config : {text}\n"));
    };
    for event in events {
        match event {
            Event::Diag(d) => {
                let label = match d.severity {
                    Severity::Alert => "[ALERT]    ",
                    Severity::Warning => {
                        warned = true;
                        "[WARNING]  "
                    }
                };
                line(&mut stderr, label, &d.text());
            }
            Event::FileHasErrors(file) => line(
                &mut stderr,
                "[ALERT]    ",
                &format!("Error(s) found in configuration file : {file}"),
            ),
        }
    }
    if fatal {
        if !aborted {
            line(
                &mut stderr,
                "[ALERT]    ",
                "Fatal errors found in configuration.",
            );
        }
        return CheckOutput {
            stdout: String::new(),
            stderr,
            exit_code: 1,
        };
    }
    let mut stdout = String::new();
    if warned {
        stdout.push_str("Warnings were found.\n");
    }
    stdout.push_str("Configuration file is valid\n");
    CheckOutput {
        stdout,
        stderr,
        exit_code: 0,
    }
}
