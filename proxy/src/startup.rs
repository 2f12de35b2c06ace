//! What `halo` does from its command line to serving traffic, in HAProxy's order: read the
//! configuration, run `lua-load` files while doing so (their errors are configuration errors at
//! their line), compile the rules against what the scripts registered, check, then (unless
//! `-c`) resolve the plan, bind every socket, daemonize, run `register_init` functions and
//! start the workers.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::task::LocalSet;

use crate::cli::{self, Options};
use crate::config::{self, Banner, Config, Diagnostic, Env, Form, LuaPathKind, Outcome};
use crate::engine::build;
use crate::engine::listener::{self, Bound};
use crate::engine::proxy::Plan;
use crate::engine::worker::{self, Worker};
use crate::log;
use crate::lua::runtime::{LuaRuntime, LuaSettings};
use crate::lua_names::LuaNames;

fn banner() -> Banner {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "halo".into());
    Banner {
        pid: std::process::id(),
        version_line: format!("halo version is {}", crate::process::VERSION),
        path_line: format!("path to executable is {exe}"),
    }
}

/// Branches one Lua pattern match may take on a proxy thread before it fails with "pattern
/// too complex": a pattern that backtracks exponentially over client data must not stall a
/// worker (a library call cannot be interrupted; about half a second of matching).
const PATTERN_WORK_LIMIT: u64 = 100_000_000;

/// A thread's runtime, on the thread that runs it (Lua runs there: the pattern bound is set
/// for it too).
fn new_runtime() -> std::io::Result<Runtime> {
    halo_stdlib::pattern::set_work_limit(Some(PATTERN_WORK_LIMIT));
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// The Lua settings of the configuration (`tune.lua.*`, `lua-prepend-path`).
pub fn lua_settings(cfg: &Config, thread: i64) -> LuaSettings {
    let t = &cfg.global.tune_lua;
    let d = LuaSettings::default();
    let ms = |v: Option<u32>, def: Option<Duration>| match v {
        Some(0) => None,
        Some(ms) => Some(Duration::from_millis(u64::from(ms))),
        None => def,
    };
    LuaSettings {
        forced_yield: t.forced_yield.map(i64::from).unwrap_or(d.forced_yield),
        maxmem: match t.maxmem_mb {
            Some(0) | None => None,
            Some(mb) => Some((mb as usize).saturating_mul(1024 * 1024)),
        },
        session_timeout: ms(t.session_timeout_ms, d.session_timeout),
        service_timeout: ms(t.service_timeout_ms, d.service_timeout),
        task_timeout: ms(t.task_timeout_ms, d.task_timeout),
        burst_timeout: ms(t.burst_timeout_ms, d.burst_timeout),
        prepend_paths: cfg
            .global
            .lua_prepend_paths
            .iter()
            .map(|p| (p.path.clone(), p.kind == LuaPathKind::Cpath))
            .collect(),
        thread,
        ssl_server_verify: !cfg.global.ssl_server_verify_none,
        libs: match &t.openlibs {
            None => d.libs,
            Some(list) => {
                use crate::config::LuaLib;
                let has = |l: LuaLib| list.contains(&l);
                halo_stdlib::Libs {
                    table: has(LuaLib::Table),
                    io: has(LuaLib::Io),
                    os: has(LuaLib::Os),
                    string: has(LuaLib::String),
                    math: has(LuaLib::Math),
                    utf8: has(LuaLib::Utf8),
                    package: has(LuaLib::Package),
                    debug: has(LuaLib::Debug),
                    popen: false,
                }
            }
        },
        bool_samples_as_booleans: t.bool_sample_conversion
            == Some(crate::config::BoolSampleConversion::Normal),
    }
}

/// Loads the `lua-load` files into the shared state and the `lua-load-per-thread` files into
/// `per_thread` (one state for now: the first worker's), reporting errors at their lines.
fn load_lua(
    rt: &Runtime,
    outcome: &mut Outcome,
) -> (Option<Rc<LuaRuntime>>, Option<Rc<LuaRuntime>>) {
    let cfg = outcome.config.clone();
    let loads = &cfg.global.lua_loads;
    let shared = loads
        .iter()
        .any(|l| !l.per_thread)
        .then(|| LuaRuntime::new(lua_settings(&cfg, 0)));
    let per_thread = loads
        .iter()
        .any(|l| l.per_thread)
        .then(|| LuaRuntime::new(lua_settings(&cfg, 1)));
    let local = LocalSet::new();
    for l in loads {
        let state = if l.per_thread { &per_thread } else { &shared };
        let state = state.as_ref().expect("created above for this kind");
        let r = local.block_on(rt, state.load_file(std::path::Path::new(&l.file), &l.args));
        if let Err(msg) = r {
            outcome.add(Diagnostic::alert(&l.loc, Form::Parsing, msg));
        }
    }
    (shared, per_thread)
}

/// Every name the states registered.
fn lua_names(states: &[&Option<Rc<LuaRuntime>>]) -> LuaNames {
    let mut names = LuaNames::default();
    for rt in states.iter().filter_map(|s| s.as_ref()) {
        let n = rt.names();
        names.actions.extend(n.actions);
        names.action_order.extend(n.action_order);
        names.services.extend(n.services);
        names.fetches.extend(n.fetches);
        names.converters.extend(n.converters);
    }
    names
}

fn print_check(outcome: &Outcome) -> i32 {
    let out = outcome.render_check(&banner());
    if !log::is_quiet() || out.exit_code != 0 {
        eprint!("{}", out.stderr);
    }
    print!("{}", out.stdout);
    out.exit_code
}

/// Runs `halo` with its arguments (without the program name); returns the exit status.
pub fn main(args: Vec<String>) -> i32 {
    let opts = match cli::parse(&args) {
        Ok(o) => o,
        Err(cli::CliError::Usage(msg)) => {
            eprintln!("[ALERT]    ({}) : {msg}", std::process::id());
            eprint!("{}", cli::USAGE);
            return 1;
        }
    };
    if opts.version > 0 {
        print!("{}", cli::version_text(opts.version > 1));
        return 0;
    }
    log::set_quiet(opts.quiet && !opts.verbose);
    if opts.configs.is_empty() {
        eprint!("{}", cli::USAGE);
        return 1;
    }
    crate::process::mark_started();
    run(opts)
}

/// Raises the open-files limit to its hard maximum (HAProxy sizes it from maxconn): every
/// connection costs one or two descriptors.
fn raise_fd_limit() {
    // SAFETY: plain system calls on a local struct.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn run(opts: Options) -> i32 {
    raise_fd_limit();
    let mut outcome = config::parse_paths(&opts.configs, Env::from_process());
    // `setenv` and friends change the process environment too (Lua's os.getenv sees them).
    // HAProxy applies them, and runs `lua-load` files, as it reads their lines: an error
    // elsewhere does not prevent that (after an abort, the lines past it were not read).
    apply_env(&outcome.env);
    let rt = match new_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            log::alert(&format!("cannot start the runtime: {e}"));
            return 1;
        }
    };
    let (shared, per_thread) = load_lua(&rt, &mut outcome);
    let names = lua_names(&[&shared, &per_thread]);
    let mut rules = crate::engine::rules::compile(&mut outcome, &names);
    outcome.check();
    let check_errors = std::mem::take(&mut rules.check_errors);
    crate::engine::rules::add_check_errors(&mut outcome, check_errors);
    outcome.resolve_servers(&mut build::resolve_host);
    if opts.check {
        return print_check(&outcome);
    }
    if outcome.fatal() {
        print_check(&outcome);
        return 1;
    }
    for w in outcome.warnings() {
        log::warning(&format!("config : {w}"));
    }
    let cfg = outcome.config.clone();
    let plan = match build::build(&cfg) {
        Ok(p) => Arc::new(p),
        Err(errors) => {
            for e in errors {
                log::alert(&format!("config : {e}"));
            }
            return 1;
        }
    };
    let Some(listeners) = bind_all(&plan) else {
        return 1;
    };
    let daemon = (opts.daemon || cfg.global.daemon) && !opts.debug && !opts.no_background;
    let pidfile = opts
        .pidfile
        .clone()
        .or_else(|| cfg.global.pidfile.as_ref().map(PathBuf::from));
    if daemon {
        if let Err(e) = crate::daemon::daemonize(pidfile.as_deref()) {
            log::alert(&format!("cannot go daemon: {e}"));
            return 1;
        }
    } else if let Some(p) = &pidfile
        && let Err(e) = std::fs::write(p, format!("{}\n", std::process::id()))
    {
        log::alert(&format!("cannot create pidfile {}: {e}", p.display()));
        return 1;
    }
    let rules = Arc::new(rules);
    let setup = crate::logging::LogSetup::from_config(&cfg);
    let logs = Arc::new(worker::Logs {
        loggers: (0..cfg.proxies.len()).map(|i| setup.proxy(i)).collect(),
        traffic: cfg
            .proxies
            .iter()
            .enumerate()
            .map(|(i, p)| crate::logging::TrafficLog::new(p, setup.proxy(i)))
            .collect(),
    });
    let lua_log = crate::logging::lua::LuaLogContext {
        policy: crate::logging::lua::LuaLogPolicy::new(
            &cfg.global.tune_lua,
            opts.quiet && !opts.verbose,
            opts.debug,
        ),
        global: setup.global.clone(),
        starting: true,
    };
    serve(
        rt, cfg, plan, rules, logs, lua_log, listeners, shared, per_thread,
    )
}

fn apply_env(env: &Env) {
    let wanted: std::collections::BTreeMap<&str, &str> = env.vars().collect();
    for (k, _) in std::env::vars_os() {
        if let Some(k) = k.to_str()
            && !wanted.contains_key(k)
        {
            // SAFETY: no other thread exists yet (workers start later).
            unsafe { std::env::remove_var(k) };
        }
    }
    for (k, v) in wanted {
        if std::env::var(k).ok().as_deref() != Some(v) {
            // SAFETY: as above.
            unsafe { std::env::set_var(k, v) };
        }
    }
}

/// Binds every frontend address; HAProxy's alert and `None` on the first failure.
fn bind_all(plan: &Plan) -> Option<Vec<(usize, u32, Bound)>> {
    let mut out = Vec::new();
    for (i, fe) in plan.frontends.iter().enumerate() {
        for (n, addr) in fe.listen.iter().enumerate() {
            let backlog = fe.maxconn.map(|m| m as i32).unwrap_or(1024).max(16);
            match listener::bind(addr, backlog) {
                Ok(b) => out.push((i, n as u32 + 1, b)),
                Err(e) => {
                    let shown = match addr {
                        crate::engine::proxy::ListenAddr::Inet(sa) => sa.to_string(),
                        crate::engine::proxy::ListenAddr::Unix(p) => p.display().to_string(),
                    };
                    log::alert(&format!(
                        "Starting frontend {}: cannot bind socket ({}) [{shown}]",
                        fe.name,
                        log::os_error_text(&e)
                    ));
                    return None;
                }
            }
        }
    }
    if out.is_empty() {
        log::alert(
            "[halo.main()] No enabled listener found (check for 'bind' directives) ! Exiting.",
        );
        return None;
    }
    Some(out)
}

#[allow(clippy::too_many_arguments)]
fn serve(
    rt: Runtime,
    cfg: Config,
    plan: Arc<Plan>,
    rules: Arc<crate::engine::rules::PlanRules>,
    logs: Arc<worker::Logs>,
    lua_log: crate::logging::lua::LuaLogContext,
    listeners: Vec<(usize, u32, Bound)>,
    shared: Option<Rc<LuaRuntime>>,
    per_thread: Option<Rc<LuaRuntime>>,
) -> i32 {
    let local = LocalSet::new();
    // Lua logs reach the loggers from now on; init functions run in the "starting" phase.
    crate::logging::lua::install(Some(lua_log.clone()));
    // Init functions run before any traffic; a failure stops the start (as in HAProxy).
    for state in [&shared, &per_thread].into_iter().flatten() {
        if let Err(msg) = local.block_on(&rt, state.run_inits()) {
            log::alert(&msg);
            return 1;
        }
    }
    // The shared state lives on this thread: with `lua-load`, only this worker serves.
    let nb = if shared.is_some() { 1 } else { plan.nbthread };
    if shared.is_some() && plan.nbthread > 1 {
        log::notice(&format!(
            "nbthread {}: a 'lua-load' state runs on one thread, so one worker serves all \
             connections; use 'lua-load-per-thread' to use every thread",
            plan.nbthread
        ));
    }
    crate::logging::lua::install(Some(crate::logging::lua::LuaLogContext {
        starting: false,
        ..lua_log.clone()
    }));
    crate::process::set_limits(nb, plan.maxconn);
    let mut handles = Vec::new();
    for id in 2..=nb {
        let mut mine = Vec::new();
        for (fe, luid, b) in &listeners {
            match b.try_clone() {
                Ok(b) => mine.push((*fe, *luid, b)),
                Err(e) => {
                    log::alert(&format!("cannot share a listening socket: {e}"));
                    return 1;
                }
            }
        }
        let (cfg, plan, rules, logs) = (cfg.clone(), plan.clone(), rules.clone(), logs.clone());
        let lua_log = lua_log.clone();
        handles.push(std::thread::spawn(move || {
            crate::logging::lua::install(Some(lua_log.clone()));
            let Ok(rt) = new_runtime() else {
                log::alert("cannot start a worker runtime");
                std::process::exit(1);
            };
            let local = LocalSet::new();
            let thread_lua = if cfg.global.lua_loads.iter().any(|l| l.per_thread) {
                let state = LuaRuntime::new(lua_settings(&cfg, id as i64));
                for l in cfg.global.lua_loads.iter().filter(|l| l.per_thread) {
                    let r = local
                        .block_on(&rt, state.load_file(std::path::Path::new(&l.file), &l.args));
                    if let Err(msg) = r {
                        log::alert(&format!("parsing [{}] : {msg}", l.loc));
                        std::process::exit(1);
                    }
                }
                if let Err(msg) = local.block_on(&rt, state.run_inits()) {
                    log::alert(&msg);
                    std::process::exit(1);
                }
                Some(state)
            } else {
                None
            };
            crate::logging::lua::install(Some(crate::logging::lua::LuaLogContext {
                starting: false,
                ..lua_log
            }));
            let w = Worker::new(id, plan, rules, logs, None, thread_lua);
            local.block_on(&rt, worker::run(w, mine));
        }));
    }
    let w = Worker::new(1, plan, rules, logs, shared, per_thread);
    local.block_on(&rt, async move {
        tokio::task::spawn_local(signals());
        worker::run(w, listeners).await;
        // Soft stop: wait for the connections in flight.
        while crate::process::CURR_CONNS.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let _ = halo_vm::stdout::flush();
    0
}

/// SIGTERM/SIGINT stop at once; SIGUSR1 stops accepting and lets connections finish.
async fn signals() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut usr1)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::user_defined1()),
    ) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = usr1.recv() => {
            crate::process::request_stop();
            return;
        }
    }
    let _ = halo_vm::stdout::flush();
    std::process::exit(0);
}
