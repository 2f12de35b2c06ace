//! A Lua state of the proxy and the invocations run on it: creating it (standard library,
//! `core`, the classes), running `lua-load` bodies, `register_init` functions and tasks, and
//! building `Run`s with the configured limits.
//!
//! A state lives on one worker thread (arenas are `!Send`): `lua-load` makes the shared state,
//! `lua-load-per-thread` one state per worker.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use halo_vm::{Ctx, Function, Lua, LuaTask, RunError, Table, Value};
use tokio::sync::Notify;

use super::corelib::{self, registrations};
use super::invocation::{ExecContext, Run};
use crate::lua_names::{ActionInfo, ActionKind, LuaNames, ServiceMode};

/// `tune.lua.*` and what else shapes a state.
#[derive(Clone, Debug)]
pub struct LuaSettings {
    /// `tune.lua.forced-yield`: instructions per fuel slice.
    pub forced_yield: i64,
    /// `tune.lua.maxmem` in bytes.
    pub maxmem: Option<usize>,
    /// `tune.lua.session-timeout` (actions, fetches, converters).
    pub session_timeout: Option<Duration>,
    /// `tune.lua.service-timeout` (applets).
    pub service_timeout: Option<Duration>,
    /// `tune.lua.task-timeout`.
    pub task_timeout: Option<Duration>,
    /// `tune.lua.burst-timeout`: the longest run without a yield (a fuel slice here, so only
    /// a long library call can reach it).
    pub burst_timeout: Option<Duration>,
    /// `lua-prepend-path`: (path template, whether it goes to `package.cpath`).
    pub prepend_paths: Vec<(String, bool)>,
    /// `core.thread`: 0 for the shared state, the worker's number (from 1) otherwise.
    pub thread: i64,
    /// `ssl-server-verify` (`required` unless `none`): `Socket:connect_ssl` checks certificates.
    pub ssl_server_verify: bool,
    /// `tune.lua.bool-sample-conversion normal`: boolean samples reach Lua as booleans (else
    /// as 0/1, HAProxy's historical behaviour and default).
    pub bool_samples_as_booleans: bool,
    /// `tune.lua.openlibs`; `io.popen` is off, as HAProxy blocks `fork` (without
    /// `insecure-fork-wanted`, which Halo does not have).
    pub libs: halo_stdlib::Libs,
}

impl Default for LuaSettings {
    fn default() -> Self {
        LuaSettings {
            forced_yield: 10_000,
            maxmem: None,
            session_timeout: Some(Duration::from_secs(4)),
            service_timeout: Some(Duration::from_secs(4)),
            task_timeout: None,
            burst_timeout: Some(Duration::from_secs(1)),
            prepend_paths: Vec::new(),
            thread: 0,
            ssl_server_verify: true,
            bool_samples_as_booleans: false,
            libs: halo_stdlib::Libs {
                popen: false,
                ..halo_stdlib::Libs::ALL
            },
        }
    }
}

pub struct LuaRuntime {
    pub lua: Rc<RefCell<Lua>>,
    pub settings: LuaSettings,
}

thread_local! {
    /// Wakes the task pumps of this thread's states after `core.register_task`.
    static TASK_NOTIFY: Rc<Notify> = Rc::new(Notify::new());
}

pub(crate) fn notify_task_pump() {
    TASK_NOTIFY.with(|n| n.notify_waiters());
}

impl LuaRuntime {
    pub fn new(settings: LuaSettings) -> Rc<Self> {
        let lua = Lua::new();
        lua.set_memory_limit(settings.maxmem);
        lua.enter(|ctx| {
            halo_stdlib::open_selected(ctx, &settings.libs);
            corelib::open(ctx, settings.thread);
            super::socket::open(ctx, settings.ssl_server_verify);
            super::classes::open(ctx);
            prepend_paths(ctx, &settings.prepend_paths);
            super::sample_conv::set_bool_samples(ctx, settings.bool_samples_as_booleans);
        });
        Rc::new(LuaRuntime {
            lua: Rc::new(RefCell::new(lua)),
            settings,
        })
    }

    /// An invocation of the function `setup` returns, with this state's slice and limits.
    pub fn run<F>(&self, context: ExecContext, setup: F) -> Result<Run, RunError>
    where
        F: for<'gc> FnOnce(Ctx<'gc>) -> Result<(Value<'gc>, Vec<Value<'gc>>), String>,
    {
        let task = LuaTask::new(self.lua.clone(), setup)?.with_slice(self.settings.forced_yield);
        let timeout = match context {
            ExecContext::Action | ExecContext::SampleFetch | ExecContext::Converter => {
                self.settings.session_timeout
            }
            ExecContext::Service => self.settings.service_timeout,
            ExecContext::Task => self.settings.task_timeout,
            ExecContext::Body | ExecContext::Init => None,
        };
        let burst = match context {
            ExecContext::Body | ExecContext::Init => None,
            _ => self.settings.burst_timeout,
        };
        Ok(Run::new(task, context)
            .with_timeout(timeout)
            .with_burst(burst))
    }

    /// Runs a `lua-load` file's body with `args` as `...`. The error is HAProxy's text
    /// ("error in Lua file 'f': ..." when it does not load, "Lua runtime error: ..." when it
    /// fails).
    pub async fn load_file(&self, path: &Path, args: &[String]) -> Result<(), String> {
        let name = path.as_os_str().as_encoded_bytes().to_vec();
        let run = self.run(
            ExecContext::Body,
            |ctx| match halo_stdlib::loadfile::load_file(ctx, Some(&name), b"t", None) {
                Ok(f) => Ok((
                    Value::Function(Function::Lua(f)),
                    args.iter().map(|a| ctx.str_value(a)).collect(),
                )),
                Err(msg) => Err(String::from_utf8_lossy(&msg).into_owned()),
            },
        );
        match run {
            // luaL_loadfile failed (syntax error, unreadable file): HAProxy's wording.
            Err(e) => Err(format!(
                "error in Lua file '{}': {}",
                path.display(),
                e.message
            )),
            Ok(run) => match run.await {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("Lua runtime error: {}", e.message)),
            },
        }
    }

    /// What the loaded files registered.
    pub fn names(&self) -> LuaNames {
        let lua = self.lua.borrow();
        lua.enter(|ctx| {
            let mut names = LuaNames::default();
            let mut order = Vec::new();
            for_each(registrations(ctx, "actions"), |name, v| {
                if let Value::Table(e) = v {
                    let mut kinds = Vec::new();
                    if let Value::Table(list) = e.get_str(ctx.str("kinds")) {
                        let mut i = 1;
                        while let Value::String(s) = list.get_int(i) {
                            kinds.extend(ActionKind::from_name(&s.to_str_lossy()));
                            i += 1;
                        }
                    }
                    let nb_args = match e.get_str(ctx.str("nb_args")) {
                        Value::Integer(n) => n as usize,
                        _ => 0,
                    };
                    let seq = match e.get_str(ctx.str("seq")) {
                        Value::Integer(n) => n,
                        _ => i64::MAX,
                    };
                    order.push((seq, name.clone()));
                    names.actions.insert(name, ActionInfo { kinds, nb_args });
                }
            });
            order.sort();
            names.action_order = order.into_iter().map(|(_, n)| n).collect();
            for_each(registrations(ctx, "services"), |name, v| {
                if let Value::Table(e) = v {
                    let mode = match e.get_str(ctx.str("mode")) {
                        Value::String(s) if s.as_bytes() == b"http" => ServiceMode::Http,
                        _ => ServiceMode::Tcp,
                    };
                    names.services.insert(name, mode);
                }
            });
            for_each(registrations(ctx, "fetches"), |name, _| {
                names.fetches.insert(name);
            });
            for_each(registrations(ctx, "converters"), |name, _| {
                names.converters.insert(name);
            });
            names
        })
    }

    /// Runs the `core.register_init` functions in order (HAProxy runs them after parsing the
    /// configuration, before traffic). The first failure stops the start.
    pub async fn run_inits(&self) -> Result<(), String> {
        let count = self
            .lua
            .borrow()
            .enter(|ctx| registrations(ctx, "inits").length());
        for i in 1..=count {
            let run = self
                .run(ExecContext::Init, |ctx| {
                    Ok((registrations(ctx, "inits").get_int(i), Vec::new()))
                })
                .map_err(|e| format!("Lua init: runtime error: {}", e.message))?;
            if let Err(e) = run.await {
                return Err(format!("Lua init: runtime error: {}", haproxy_error(&e)));
            }
        }
        Ok(())
    }

    /// Starts, on the current `LocalSet`, the pump that turns `core.register_task` calls into
    /// running tasks (now for those registered so far, later as scripts register more).
    pub fn start_task_pump(self: &Rc<Self>) {
        let rt = self.clone();
        tokio::task::spawn_local(async move {
            let notify = TASK_NOTIFY.with(|n| n.clone());
            loop {
                let notified = notify.notified();
                rt.spawn_pending_tasks();
                notified.await;
            }
        });
    }

    fn spawn_pending_tasks(&self) {
        let count = self
            .lua
            .borrow()
            .enter(|ctx| registrations(ctx, "tasks").length());
        if count == 0 {
            return;
        }
        for i in 1..=count {
            let run = self.run(ExecContext::Task, |ctx| {
                let Value::Table(entry) = registrations(ctx, "tasks").get_int(i) else {
                    return Err("lost task".into());
                };
                let n = match entry.get_str(ctx.str("n")) {
                    Value::Integer(n) => n,
                    _ => 1,
                };
                let args = (2..=n).map(|j| entry.get_int(j)).collect();
                Ok((entry.get_int(1), args))
            });
            match run {
                Ok(run) => {
                    tokio::task::spawn_local(async move {
                        if let Err(e) = run.await {
                            crate::log::alert(&format!(
                                "Lua task: [state-id 0] runtime error: {}.",
                                haproxy_error(&e)
                            ));
                        }
                    });
                }
                Err(e) => crate::log::alert(&format!("Lua task: {}", e.message)),
            }
        }
        self.lua.borrow().enter(|ctx| {
            let tasks = registrations(ctx, "tasks");
            for i in 1..=count {
                tasks.set_int(ctx.mc, i, Value::Nil);
            }
            // Tasks registered while we created these moved nothing: they sit after `count`.
            let mut j = count + 1;
            let mut k = 1;
            while !tasks.get_int(j).is_nil() {
                tasks.set_int(ctx.mc, k, tasks.get_int(j));
                tasks.set_int(ctx.mc, j, Value::Nil);
                j += 1;
                k += 1;
            }
        });
        if self
            .lua
            .borrow()
            .enter(|ctx| registrations(ctx, "tasks").length())
            > 0
        {
            notify_task_pump();
        }
    }
}

/// Calls `f` with every string-keyed entry of `t`.
fn for_each<'gc>(t: Table<'gc>, mut f: impl FnMut(String, Value<'gc>)) {
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = t.next(key) {
        if let Value::String(s) = k {
            f(s.to_str_lossy().into_owned(), v);
        }
        key = k;
    }
}

fn prepend_paths(ctx: Ctx<'_>, paths: &[(String, bool)]) {
    let Value::Table(package) = ctx.get_global("package") else {
        return;
    };
    for (path, cpath) in paths {
        let field = ctx.str(if *cpath { "cpath" } else { "path" });
        let old = match package.get_str(field) {
            Value::String(s) => s.to_str_lossy().into_owned(),
            _ => String::new(),
        };
        package.set_str(ctx.mc, field, ctx.str_value(&format!("{path};{old}")));
    }
}

/// An invocation's error as HAProxy prints it: the message, then `from` and the traceback's
/// levels joined with `, ` in HAProxy's own wording (`hlua_traceback`).
pub fn haproxy_error(e: &RunError) -> String {
    let tb = haproxy_traceback(&e.traceback);
    if tb.is_empty() {
        e.message.clone()
    } else {
        format!("{} from {}", e.message, tb)
    }
}

/// Rewrites a `luaL_traceback` into `hlua_traceback`'s one-line form: `[C]: in global
/// 'error', file.lua:17: in function line 12`.
pub fn haproxy_traceback(tb: &str) -> String {
    let mut parts = Vec::new();
    for line in tb.lines().skip(1) {
        let line = line.trim_start_matches('\t');
        if line.is_empty() || line == "(...tail calls...)" || line == "[C]: in ?" {
            continue;
        }
        let (place, what) = match line.find(": in ") {
            Some(i) => (&line[..i], &line[i + 5..]),
            None => (line, ""),
        };
        let what = if let Some(rest) = what.strip_prefix("function <") {
            // "function <file:12>" → "function line 12"
            let n = rest.trim_end_matches('>').rsplit(':').next().unwrap_or("");
            format!("function line {n}")
        } else if let Some(rest) = what.strip_prefix("function '") {
            format!("global '{rest}")
        } else {
            what.to_string()
        };
        if what == "?" {
            parts.push(format!("{place}: ?"));
        } else {
            parts.push(format!("{place}: in {what}"));
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceback_in_haproxy_form() {
        let tb = "stack traceback:\n\t[C]: in function 'error'\n\t/tmp/t.lua:17: in function </tmp/t.lua:16>\n\t[C]: in ?";
        assert_eq!(
            haproxy_traceback(tb),
            "[C]: in global 'error', /tmp/t.lua:17: in function line 16"
        );
    }
}
