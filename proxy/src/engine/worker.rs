//! Worker threads (DESIGN.md §3): each runs a current-thread tokio runtime with a `LocalSet`,
//! accepts on its clones of the listening sockets, and serves every connection it accepted to
//! the end on its own thread, with its own Lua state(s) and balancing counters. Nothing on the
//! request path is shared between workers but a few relaxed atomic counters.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::backend::BackendState;
use super::listener::{Accepted, Bound, Listener};
use super::proxy::{Mode, Plan};
use crate::lua::runtime::LuaRuntime;
use crate::lua_names::LuaNames;
use crate::process;

/// One worker thread's world.
pub struct Worker {
    /// From 1, like HAProxy's thread numbers.
    pub id: usize,
    pub plan: Arc<Plan>,
    pub backends: Vec<BackendState>,
    /// The shared state (`lua-load`): only on the worker that owns it.
    pub shared_lua: Option<Rc<LuaRuntime>>,
    /// This worker's own state (`lua-load-per-thread`).
    pub thread_lua: Option<Rc<LuaRuntime>>,
    /// What each state registered (see `lua_for`).
    shared_names: LuaNames,
    thread_names: LuaNames,
    /// Every proxy's compiled rules.
    pub rules: Arc<super::rules::PlanRules>,
    /// Every configuration proxy's loggers and traffic-log decision (by config index).
    pub logs: Arc<Logs>,
}

/// The logging setup the workers share (targets are `Arc`s; each worker opens its own sockets).
pub struct Logs {
    pub loggers: Vec<crate::logging::Loggers>,
    pub traffic: Vec<crate::logging::TrafficLog>,
}

impl Worker {
    pub fn new(
        id: usize,
        plan: Arc<Plan>,
        rules: Arc<super::rules::PlanRules>,
        logs: Arc<Logs>,
        shared_lua: Option<Rc<LuaRuntime>>,
        thread_lua: Option<Rc<LuaRuntime>>,
    ) -> Rc<Self> {
        let backends = plan.backends.iter().map(BackendState::new).collect();
        let names =
            |rt: &Option<Rc<LuaRuntime>>| rt.as_ref().map(|r| r.names()).unwrap_or_default();
        Rc::new(Worker {
            shared_names: names(&shared_lua),
            thread_names: names(&thread_lua),
            id,
            plan,
            backends,
            shared_lua,
            thread_lua,
            rules,
            logs,
        })
    }

    /// The state that registered `name` as `kind` (per-thread first). Names only change while
    /// `lua-load` bodies run, so they are read once per worker (`names`) and looked up here
    /// without entering Lua.
    pub fn lua_for(&self, kind: Registered, name: &str) -> Option<&Rc<LuaRuntime>> {
        let has = |n: &LuaNames| match kind {
            Registered::Action => n.actions.contains_key(name),
            Registered::Service => n.services.contains_key(name),
            Registered::Fetch => n.fetches.contains(name),
            Registered::Converter => n.converters.contains(name),
        };
        if has(&self.thread_names) {
            return self.thread_lua.as_ref();
        }
        if has(&self.shared_names) {
            return self.shared_lua.as_ref();
        }
        None
    }

    /// Any Lua state of this worker (for global functions of the 1.6-dev rule spelling).
    pub fn any_lua(&self) -> Option<&Rc<LuaRuntime>> {
        self.thread_lua.as_ref().or(self.shared_lua.as_ref())
    }
}

/// What a name was registered as (`core.register_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    Action,
    Service,
    Fetch,
    Converter,
}

/// Counts a connection in `CurrConns` for as long as it lives.
struct ConnGuard;

impl ConnGuard {
    fn new() -> Self {
        process::CURR_CONNS.fetch_add(1, Ordering::Relaxed);
        process::CUM_CONNS.fetch_add(1, Ordering::Relaxed);
        ConnGuard
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        process::CURR_CONNS.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn accept_loop(worker: Rc<Worker>, frontend: usize, luid: u32, listener: Listener) {
    let maxconn = worker.plan.maxconn as i64;
    loop {
        if process::stopping() {
            return;
        }
        // HAProxy stops accepting at maxconn; connections wait in the kernel's backlog.
        if process::CURR_CONNS.load(Ordering::Relaxed) >= maxconn {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop_requested() => return,
        };
        match accepted {
            Ok(a) => {
                let w = worker.clone();
                tokio::task::spawn_local(async move {
                    let _guard = ConnGuard::new();
                    serve(w, frontend, luid, a).await;
                });
            }
            Err(e) => {
                // EMFILE and the like: back off instead of spinning.
                crate::log::warning(&format!(
                    "Proxy '{}': accept failed: {e}",
                    worker.plan.frontends[frontend].name
                ));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn stop_requested() {
    while !process::stopping() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn serve(worker: Rc<Worker>, frontend: usize, luid: u32, a: Accepted) {
    match worker.plan.frontends[frontend].mode {
        Mode::Tcp => super::tcp_stream::serve(worker, frontend, luid, a).await,
        Mode::Http => super::http_stream::serve(worker, frontend, luid, a).await,
    }
}

/// Runs a worker until it stops: accept loops for `listeners` ((frontend, listener id,
/// socket)), the Lua task pumps. Returns after a soft stop once every connection is done.
pub async fn run(worker: Rc<Worker>, listeners: Vec<(usize, u32, Bound)>) {
    if let Some(rt) = &worker.thread_lua {
        rt.start_task_pump();
    }
    if let Some(rt) = &worker.shared_lua {
        rt.start_task_pump();
    }
    let mut loops = Vec::new();
    for (fe, luid, bound) in listeners {
        match bound.into_listener() {
            Ok(l) => loops.push(tokio::task::spawn_local(accept_loop(
                worker.clone(),
                fe,
                luid,
                l,
            ))),
            Err(e) => crate::log::alert(&format!("worker {}: cannot listen: {e}", worker.id)),
        }
    }
    for l in loops {
        let _ = l.await;
    }
}
