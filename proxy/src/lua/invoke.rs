//! Running the registered Lua functions from the engine: actions, sample fetches, converters
//! and services, each with HAProxy's arguments, execution context and error report
//! (`Lua function 'x': [state-id 0] runtime error: ...`, logged as an alert).

use std::rc::Rc;

use halo_vm::{ErrorKind, RunError, Value};

use super::applet_http::{self, AppletHttp};
use super::applet_io::SharedIo;
use super::channel::SharedChannel;
use super::corelib::registrations;
use super::invocation::ExecContext;
use super::runtime::{LuaRuntime, haproxy_error};
use super::sample_conv::{from_static, to_lua};
use super::{applet_tcp, txn};
use crate::engine::txn::StreamSource;
use crate::rules::LuaCall;
use crate::sample::Sample;

/// What became of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Go on with the next rule.
    Continue,
    /// `txn:done()`: stop processing and close.
    Done,
    /// The action failed (logged); HAProxy goes on with the next rule.
    Failed,
}

/// `[state-id N] runtime error: msg from traceback`, or the limit that stopped the code.
pub fn describe(rt: &LuaRuntime, e: &RunError) -> String {
    match e.kind {
        ErrorKind::Deadline => "execution timeout".into(),
        ErrorKind::InstructionLimit => "instruction limit exceeded".into(),
        ErrorKind::Exit(code) => format!("os.exit({code}, true)"),
        ErrorKind::Lua => format!(
            "[state-id {}] runtime error: {}",
            rt.settings.thread,
            haproxy_error(e)
        ),
    }
}

fn report(what: String, rt: &LuaRuntime, e: &RunError) {
    crate::log::alert(&format!("{what}: {}.", describe(rt, e)));
}

/// The registered function `name` of `part` (for actions and services, the `func` field).
fn registered<'gc>(ctx: halo_vm::Ctx<'gc>, part: &str, name: &str) -> Value<'gc> {
    match registrations(ctx, part).get_str(ctx.str(name)) {
        Value::Table(t) => t.get_str(ctx.str("func")),
        v => v,
    }
}

pub async fn action(
    rt: &Rc<LuaRuntime>,
    src: &StreamSource,
    call: &LuaCall,
    http: bool,
    channels: Option<(SharedChannel, SharedChannel)>,
) -> ActionOutcome {
    let s = src.clone();
    let run = rt.run(ExecContext::Action, |ctx| {
        let f = if call.global_function {
            ctx.get_global(&call.name)
        } else {
            registered(ctx, "actions", &call.name)
        };
        if !matches!(f, Value::Function(_)) {
            return Err(format!("Lua function '{}' not found", call.name));
        }
        let t = txn::new(ctx, s, http, channels)?;
        let mut args = vec![Value::Table(t)];
        args.extend(call.args.iter().map(|a| ctx.str_value(a)));
        Ok((f, args))
    });
    let result = match run {
        Ok(run) => run.await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) if src.txn.borrow().done => ActionOutcome::Done,
        Ok(_) => ActionOutcome::Continue,
        Err(e) => {
            report(format!("Lua function '{}'", call.name), rt, &e);
            if src.txn.borrow().done {
                ActionOutcome::Done
            } else {
                ActionOutcome::Failed
            }
        }
    }
}

pub async fn fetch(
    rt: &Rc<LuaRuntime>,
    src: &StreamSource,
    name: &str,
    args: &[Sample],
) -> Option<Sample> {
    let s = src.clone();
    let http = src.txn.borrow().req.is_some();
    let run = rt.run(ExecContext::SampleFetch, |ctx| {
        let f = registered(ctx, "fetches", name);
        let t = txn::new(ctx, s, http, None)?;
        let mut a = vec![Value::Table(t)];
        a.extend(args.iter().cloned().map(|x| to_lua(ctx, x)));
        Ok((f, a))
    });
    match run.ok()?.await {
        Ok(values) => values.first().and_then(from_static),
        Err(e) => {
            report(format!("Lua sample-fetch '{name}'"), rt, &e);
            None
        }
    }
}

pub async fn convert(
    rt: &Rc<LuaRuntime>,
    _src: &StreamSource,
    name: &str,
    input: Sample,
    args: &[Sample],
) -> Option<Sample> {
    let run = rt.run(ExecContext::Converter, |ctx| {
        let f = registered(ctx, "converters", name);
        let mut a = vec![to_lua(ctx, input)];
        a.extend(args.iter().cloned().map(|x| to_lua(ctx, x)));
        Ok((f, a))
    });
    match run.ok()?.await {
        Ok(values) => values.first().and_then(from_static),
        Err(e) => {
            report(format!("Lua converter '{name}'"), rt, &e);
            None
        }
    }
}

/// Runs an HTTP service; `Err` (already logged) when the script failed.
pub async fn http_service(rt: &Rc<LuaRuntime>, name: &str, applet: AppletHttp) -> Result<(), ()> {
    let run = rt.run(ExecContext::Service, |ctx| {
        let f = registered(ctx, "services", name);
        let obj = applet_http::new(ctx, applet)?;
        Ok((f, vec![Value::Table(obj)]))
    });
    let r = match run {
        Ok(run) => run.await,
        Err(e) => Err(e),
    };
    r.map(|_| ()).map_err(|e| {
        report(format!("Lua applet http '<lua.{name}>'"), rt, &e);
    })
}

/// Runs a TCP service on `io`; `Err` (already logged) when the script failed.
pub async fn tcp_service(
    rt: &Rc<LuaRuntime>,
    name: &str,
    io: SharedIo,
    src: StreamSource,
) -> Result<(), ()> {
    let run = rt.run(ExecContext::Service, |ctx| {
        let f = registered(ctx, "services", name);
        let obj = applet_tcp::new(ctx, io, src)?;
        Ok((f, vec![Value::Table(obj)]))
    });
    let r = match run {
        Ok(run) => run.await,
        Err(e) => Err(e),
    };
    r.map(|_| ()).map_err(|e| {
        report(format!("Lua applet tcp '<lua.{name}>'"), rt, &e);
    })
}
