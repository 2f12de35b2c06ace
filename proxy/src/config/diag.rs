//! Diagnostics (alerts and warnings) and the text of `haproxy -c`:
//! `[ALERT]    (pid) : config : parsing [f:l] : msg`, the per-file "Error(s) found" line, and
//! the final verdict.

use std::sync::Arc;

use super::line::{ConfigError, Loc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Alert,
    Warning,
    /// `.notice` messages.
    Notice,
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
    /// The alert makes the configuration unusable (HAProxy's `ERR_FATAL`); a few alerts are
    /// not, and warnings never are.
    pub fatal: bool,
}

impl Diagnostic {
    /// A fatal alert.
    pub fn alert(loc: &Loc, form: Form, msg: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Alert,
            error: ConfigError::at(loc, msg),
            form,
            fatal: true,
        }
    }

    pub fn warning(loc: &Loc, form: Form, msg: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            error: ConfigError::at(loc, msg),
            form,
            fatal: false,
        }
    }

    /// A message about the whole configuration (no `parsing [...]` prefix); alerts are fatal.
    pub fn plain(severity: Severity, loc: Option<&Loc>, msg: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            error: ConfigError {
                loc: loc.cloned(),
                msg: msg.into(),
            },
            form: Form::Plain,
            fatal: severity == Severity::Alert,
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

/// The inputs of the `-c` text.
pub struct Report<'a> {
    /// Files read, in order.
    pub files: &'a [Arc<str>],
    /// Diagnostics while reading, in file and line order (those without location first).
    pub parse: &'a [Diagnostic],
    /// An error stopped everything (HAProxy's `ERR_ABORT`) in the last file read, or before
    /// any file was read.
    pub aborted: bool,
    /// Diagnostics of the checks after parsing.
    pub checks: &'a [Diagnostic],
    /// Server addresses could not be resolved: HAProxy stops after the checks' messages.
    pub init_failed: bool,
    /// Whether some frontend listens (HAProxy refuses to start without a listener: `-c` then
    /// says so and exits with 2).
    pub has_listener: bool,
}

/// Which read of `files` a location belongs to. A file named twice by `-f` is read twice; each
/// read has its own `Arc` (shared by every `Loc` of that read), so identity tells them apart;
/// a location built elsewhere falls back to the first file with its name.
pub fn file_index(files: &[Arc<str>], loc: &Loc) -> Option<usize> {
    files
        .iter()
        .position(|f| Arc::ptr_eq(f, &loc.file))
        .or_else(|| files.iter().position(|f| *f == loc.file))
}

/// Writes stderr lines, with the banner before the first one.
struct Printer<'a> {
    banner: &'a Banner,
    stderr: String,
    noticed: bool,
    warned: bool,
}

impl Printer<'_> {
    fn line(&mut self, label: &str, text: &str) {
        let pid = self.banner.pid;
        if !self.noticed {
            self.noticed = true;
            for notice in [&self.banner.version_line, &self.banner.path_line] {
                self.stderr
                    .push_str(&format!("[NOTICE]   ({pid}) : {notice}\n"));
            }
        }
        self.stderr
            .push_str(&format!("{label}({pid}) : config : {text}\n"));
    }

    fn diag(&mut self, d: &Diagnostic) {
        let label = match d.severity {
            Severity::Alert => "[ALERT]    ",
            Severity::Warning => {
                self.warned = true;
                "[WARNING]  "
            }
            Severity::Notice => "[NOTICE]   ",
        };
        self.line(label, &d.text());
    }
}

/// Renders a load like `haproxy -c`.
pub fn render_check(r: &Report<'_>, banner: &Banner) -> CheckOutput {
    let mut out = Printer {
        banner,
        stderr: String::new(),
        noticed: false,
        warned: false,
    };
    // Messages without location are the files that could not be opened: they end the load.
    let open_failure = r.parse.iter().any(|d| d.error.loc.is_none());
    for (i, file) in r.files.iter().enumerate() {
        let mut file_fatal = false;
        for d in r.parse.iter().filter(|d| {
            d.error
                .loc
                .as_ref()
                .is_some_and(|l| file_index(r.files, l) == Some(i))
        }) {
            file_fatal |= d.fatal;
            out.diag(d);
        }
        if file_fatal || (r.aborted && !open_failure && i + 1 == r.files.len()) {
            out.line(
                "[ALERT]    ",
                &format!("Error(s) found in configuration file : {file}"),
            );
        }
    }
    for d in r.parse.iter().filter(|d| d.error.loc.is_none()) {
        out.diag(d);
    }
    let fatal = r.aborted || r.parse.iter().chain(r.checks).any(|d| d.fatal);
    if !r.aborted {
        for d in r.checks {
            out.diag(d);
        }
    }
    if r.init_failed {
        return CheckOutput {
            stdout: String::new(),
            stderr: out.stderr,
            exit_code: 1,
        };
    }
    if fatal {
        if !r.aborted {
            out.line("[ALERT]    ", "Fatal errors found in configuration.");
        }
        return CheckOutput {
            stdout: String::new(),
            stderr: out.stderr,
            exit_code: 1,
        };
    }
    let mut stdout = String::new();
    if out.warned {
        stdout.push_str("Warnings were found.\n");
    }
    if !r.has_listener {
        stdout.push_str(
            "Configuration file has no error but will not start (no listener) => exit(2).\n",
        );
        return CheckOutput {
            stdout,
            stderr: out.stderr,
            exit_code: 2,
        };
    }
    stdout.push_str("Configuration file is valid\n");
    CheckOutput {
        stdout,
        stderr: out.stderr,
        exit_code: 0,
    }
}
