//! The typed configuration: what the engine runs. Built by the section parsers, checked by
//! `validate.rs`. Times are milliseconds; `None` means "not set" (HAProxy's 0 / unset).

use std::net::SocketAddr;
use std::path::PathBuf;

use super::line::{Line, Loc};

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub global: Global,
    /// Every `defaults` section, in order (anonymous ones too); proxies point into it.
    pub defaults: Vec<Proxy>,
    /// `frontend`, `backend` and `listen` sections, in order.
    pub proxies: Vec<Proxy>,
}

impl Config {
    pub fn proxy(&self, name: &str) -> Option<&Proxy> {
        self.proxies.iter().find(|p| p.name == name)
    }

    /// The defaults section `p` inherited from (whose rule lines run before `p`'s own).
    pub fn defaults_of(&self, p: &Proxy) -> Option<&Proxy> {
        p.defaults_index.and_then(|i| self.defaults.get(i))
    }

    /// The backend (or listen) section named `name`, as `use_backend` resolves it.
    pub fn backend(&self, name: &str) -> Option<&Proxy> {
        self.proxies
            .iter()
            .find(|p| p.name == name && p.caps.backend)
    }
}

/// The `global` section.
#[derive(Clone, Debug, Default)]
pub struct Global {
    /// `lua-load` and `lua-load-per-thread`, in configuration order (HAProxy runs them while it
    /// parses, in this order).
    pub lua_loads: Vec<LuaLoad>,
    /// `lua-prepend-path`, in order (each is prepended, so the last one is searched first).
    pub lua_prepend_paths: Vec<LuaPrependPath>,
    pub tune_lua: TuneLua,
    pub nbthread: Option<u32>,
    pub maxconn: Option<u32>,
    pub logs: Vec<LogTarget>,
    pub daemon: bool,
    pub pidfile: Option<String>,
    /// `setenv`/`presetenv`/`unsetenv`/`resetenv` in order: already applied to the expansion of
    /// later lines; the binary applies them to its process environment (HAProxy changes its
    /// own environment, which Lua's `os.getenv` then sees).
    pub env_ops: Vec<EnvOp>,
    /// `ssl-server-verify none` (the default is `required`): Lua's `Socket:connect_ssl`
    /// accepts any certificate.
    pub ssl_server_verify_none: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuaLoad {
    pub file: String,
    pub args: Vec<String>,
    pub per_thread: bool,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LuaPathKind {
    Path,
    Cpath,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuaPrependPath {
    pub path: String,
    pub kind: LuaPathKind,
    pub loc: Loc,
}

/// Every `tune.lua.*` keyword of the 3.4 manual; `None` = not set (the engine's default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TuneLua {
    /// `tune.lua.maxmem`, in megabytes (0 = unlimited).
    pub maxmem_mb: Option<u64>,
    /// `tune.lua.forced-yield`, in instructions.
    pub forced_yield: Option<u32>,
    pub session_timeout_ms: Option<u32>,
    pub service_timeout_ms: Option<u32>,
    pub task_timeout_ms: Option<u32>,
    pub burst_timeout_ms: Option<u32>,
    /// `tune.lua.log.loggers on|off`.
    pub log_loggers: Option<bool>,
    pub log_stderr: Option<LuaLogStderr>,
    pub bool_sample_conversion: Option<BoolSampleConversion>,
    /// `tune.lua.openlibs`: `None` = all (the default).
    pub openlibs: Option<Vec<LuaLib>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LuaLogStderr {
    On,
    Auto,
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolSampleConversion {
    Normal,
    Pre31Bug,
}

/// The optional standard libraries `tune.lua.openlibs` selects (base and coroutine always load).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LuaLib {
    Table,
    Io,
    Os,
    String,
    Math,
    Utf8,
    Package,
    Debug,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvOp {
    /// `setenv` (overwrite = true) or `presetenv` (only if unset).
    Set {
        name: String,
        value: String,
        overwrite: bool,
    },
    Unset(Vec<String>),
    /// `resetenv [keep...]`.
    Reset(Vec<String>),
}

/// A `log` target (global, or in a proxy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogTarget {
    pub dest: LogDest,
    pub format: LogFormat,
    /// Truncate messages to this length (`len`).
    pub max_len: Option<u32>,
    pub facility: Facility,
    /// Messages above (less severe than) this level are not sent.
    pub level: Option<LogLevel>,
    /// Messages are sent at least at this level (more severe levels keep theirs).
    pub min_level: Option<LogLevel>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogDest {
    Stdout,
    Stderr,
    /// UDP syslog (`ipv4@`, `ipv6@`, `udp@`, or a bare address; port 514 when absent).
    Udp(SocketAddr),
    /// A unix datagram socket (`/dev/log`, `unix@path`).
    Unix(PathBuf),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Rfc3164,
    Rfc5424,
    Short,
    Raw,
    Timed,
    Iso,
    Local,
    Priority,
}

/// Syslog facilities, in their numeric order (`kern` = 0 ... `local7` = 23).
pub const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// A syslog facility number, 0..=23 (see [`FACILITIES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facility(pub u8);

/// Syslog levels, `emerg` = 0 ... `debug` = 7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Emerg,
    Alert,
    Crit,
    Err,
    Warning,
    Notice,
    Info,
    Debug,
}

pub const LOG_LEVELS: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

impl LogLevel {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "emerg" => LogLevel::Emerg,
            "alert" => LogLevel::Alert,
            "crit" => LogLevel::Crit,
            "err" => LogLevel::Err,
            "warning" => LogLevel::Warning,
            "notice" => LogLevel::Notice,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            _ => return None,
        })
    }
}

/// What a proxy section can do (HAProxy's `PR_CAP_FE`/`PR_CAP_BE`); a `defaults` section has
/// both, a `listen` section both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub frontend: bool,
    pub backend: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    Defaults,
    Frontend,
    Backend,
    Listen,
}

impl ProxyKind {
    /// The section keyword, as HAProxy's messages name it.
    pub fn keyword(self) -> &'static str {
        match self {
            ProxyKind::Defaults => "defaults",
            ProxyKind::Frontend => "frontend",
            ProxyKind::Backend => "backend",
            ProxyKind::Listen => "listen",
        }
    }

    /// The word HAProxy's `proxy_type_str()` uses ("proxy" for listen).
    pub fn type_str(self) -> &'static str {
        match self {
            ProxyKind::Listen => "proxy",
            other => other.keyword(),
        }
    }

    pub fn caps(self) -> Caps {
        match self {
            ProxyKind::Frontend => Caps {
                frontend: true,
                backend: false,
            },
            ProxyKind::Backend => Caps {
                frontend: false,
                backend: true,
            },
            ProxyKind::Defaults | ProxyKind::Listen => Caps {
                frontend: true,
                backend: true,
            },
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Tcp,
    Http,
}

/// A `defaults`, `frontend`, `backend` or `listen` section, after inheritance: a proxy starts as
/// a copy of its defaults section's settings (never its rules: see `defaults_index`).
#[derive(Clone, Debug)]
pub struct Proxy {
    /// Empty for an anonymous `defaults`.
    pub name: String,
    pub kind: ProxyKind,
    pub caps: Caps,
    pub loc: Loc,
    /// The `defaults` section this one inherits from (index into `Config::defaults`). Its rule
    /// lines run before this proxy's own (HAProxy 2.6 rule inheritance of named defaults).
    pub defaults_index: Option<usize>,
    pub mode: Mode,
    pub binds: Vec<Bind>,
    pub timeouts: Timeouts,
    pub maxconn: Option<u32>,
    pub options: ProxyOptions,
    /// `log global` copies the global targets here at load time; `no log` empties the list.
    pub logs: Vec<LogTarget>,
    pub log_global: bool,
    pub default_backend: Option<(String, Loc)>,
    pub servers: Vec<Server>,
    pub balance: Balance,
    /// `retries` (HAProxy's default is 3).
    pub retries: u32,
    pub description: Option<String>,
    pub rules: Rules,
}

impl Proxy {
    pub fn new(name: &str, kind: ProxyKind, loc: Loc) -> Self {
        Proxy {
            name: name.to_string(),
            kind,
            caps: kind.caps(),
            loc,
            defaults_index: None,
            mode: Mode::Tcp,
            binds: Vec::new(),
            timeouts: Timeouts::default(),
            maxconn: None,
            options: ProxyOptions::default(),
            logs: Vec::new(),
            log_global: false,
            default_backend: None,
            servers: Vec::new(),
            balance: Balance::RoundRobin,
            retries: 3,
            description: None,
            rules: Rules::default(),
        }
    }
}

/// The rule lines, raw and in order (`words[0]` is the keyword); the rules module types them.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub acl: Vec<Line>,
    pub use_backend: Vec<Line>,
    /// `tcp-request connection|session|content|inspect-delay ...`
    pub tcp_request: Vec<Line>,
    pub tcp_response: Vec<Line>,
    pub http_request: Vec<Line>,
    pub http_response: Vec<Line>,
    pub http_after_response: Vec<Line>,
    /// `unique-id-format` and `unique-id-header` lines (settings: the last one counts).
    pub unique_id: Vec<Line>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        self.acl.is_empty()
            && self.use_backend.is_empty()
            && self.tcp_request.is_empty()
            && self.tcp_response.is_empty()
            && self.http_request.is_empty()
            && self.http_response.is_empty()
            && self.http_after_response.is_empty()
    }

    /// Whether there are TCP/HTTP action rules (what forbids a defaults section from being
    /// inherited by both frontends and backends); `inspect-delay` lines are settings.
    pub fn has_actions(&self) -> bool {
        let actions = |lines: &[Line]| {
            lines
                .iter()
                .any(|l| l.words.get(1).map(String::as_str) != Some("inspect-delay"))
        };
        actions(&self.tcp_request)
            || actions(&self.tcp_response)
            || !self.http_request.is_empty()
            || !self.http_response.is_empty()
            || !self.http_after_response.is_empty()
    }

    /// `tcp-response content` rules (a frontend may not inherit them).
    pub fn has_tcp_response_content(&self) -> bool {
        self.tcp_response
            .iter()
            .any(|l| l.words.get(1).map(String::as_str) == Some("content"))
    }
}

/// Every `timeout` HAProxy 2.6 knows, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub client: Option<u32>,
    pub server: Option<u32>,
    pub connect: Option<u32>,
    pub check: Option<u32>,
    pub queue: Option<u32>,
    pub http_keep_alive: Option<u32>,
    pub http_request: Option<u32>,
    pub tunnel: Option<u32>,
    pub tarpit: Option<u32>,
    pub client_fin: Option<u32>,
    pub server_fin: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyOptions {
    /// Where the log format (`option httplog`/`tcplog`) was set, possibly in a defaults
    /// section; HAProxy's later warnings about it point there.
    pub log_format_loc: Option<Loc>,
    pub httplog: bool,
    /// `option httplog clf`.
    pub httplog_clf: bool,
    pub tcplog: bool,
    pub dontlognull: bool,
    /// `option http-buffer-request`: wait for the request body before the HTTP rules.
    pub http_buffer_request: bool,
    pub forwardfor: Option<ForwardFor>,
    pub http_conn_mode: HttpConnMode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardFor {
    /// `except <network>` (address and prefix length).
    pub except: Option<(std::net::IpAddr, u8)>,
    /// `header <name>`, default `X-Forwarded-For`.
    pub header: String,
    pub if_none: bool,
}

/// `option http-keep-alive` (the default), `http-server-close`, `httpclose`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpConnMode {
    #[default]
    KeepAlive,
    ServerClose,
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balance {
    RoundRobin,
    LeastConn,
    First,
    Random,
    Source,
}

/// One `bind` line (it may carry several addresses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub addrs: Vec<BindAddr>,
    /// The address text as written (HAProxy names the bind line by it in messages).
    pub text: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindAddr {
    /// An IPv4 or IPv6 address with one port per entry of `ports` (`:80-85` is a range).
    Inet {
        addr: std::net::IpAddr,
        ports: std::ops::RangeInclusive<u16>,
    },
    Unix(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub addr: ServerAddr,
    pub weight: u32,
    pub maxconn: Option<u32>,
    pub backup: bool,
    pub disabled: bool,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerAddr {
    /// `port: None` means "the port the client connected to" (HAProxy allows a server without
    /// port). `host` is the address as written; `ip` is set for an address literal, and for a
    /// name once `Outcome::resolve_servers` resolved it (HAProxy resolves at start-up).
    Inet {
        host: String,
        ip: Option<std::net::IpAddr>,
        port: Option<u16>,
    },
    Unix(PathBuf),
}
