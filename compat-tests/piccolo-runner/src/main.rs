//! `piccolo-lua script.lua [args]`: runs a Lua file under piccolo 0.3.3 with its full stdlib, the
//! way `lua5.4 script.lua [args]` would (the `arg` table included), so the benchmark runner can
//! time it beside halo-lua and lua5.4. Errors go to stderr and the exit status is 1.

use std::process::ExitCode;

use piccolo::{Closure, Executor, Lua, Table};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(script) = args.get(1) else {
        eprintln!("usage: piccolo-lua script.lua [args]");
        return ExitCode::FAILURE;
    };
    let source = match std::fs::read(script) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("piccolo-lua: cannot open {script}: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut lua = Lua::full();
    let executor = lua.try_enter(|ctx| {
        // lua.c's `arg`: the script at 0, its arguments from 1.
        let arg = Table::new(&ctx);
        for (i, a) in args[1..].iter().enumerate() {
            arg.set(ctx, i as i64, ctx.intern(a.as_bytes()))?;
        }
        ctx.set_global("arg", arg)?;
        let closure = Closure::load(ctx, Some(script.as_str()), &source[..])?;
        Ok(ctx.stash(Executor::start(ctx, closure.into(), ())))
    });
    let result = executor.and_then(|executor| lua.execute::<()>(&executor));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("piccolo-lua: {e}");
            ExitCode::FAILURE
        }
    }
}
