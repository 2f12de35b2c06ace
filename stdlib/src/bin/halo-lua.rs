//! `halo-lua`: a stand-alone Lua 5.4 interpreter with `lua5.4`'s command line (lua.c):
//! `halo-lua [options] [script [args]]` with `-e stat`, `-l mod`, `-i`, `-v`, `-E`, `-W`, `--`,
//! and `-` for standard input. Errors go to stderr as `halo-lua: msg` plus a traceback.

use std::io::{BufRead, Read, Write};
use std::process::ExitCode;

use halo_vm::{Lua, RunError, Table, Value};

const PROGNAME: &str = "halo-lua";

fn usage(badopt: &str) {
    if badopt.starts_with("-e") || badopt.starts_with("-l") {
        eprintln!("{PROGNAME}: '{badopt}' needs argument");
    } else {
        eprintln!("{PROGNAME}: unrecognized option '{badopt}'");
    }
    eprintln!(
        "usage: {PROGNAME} [options] [script [args]]\n\
Available options are:\n\
  -e stat   execute string 'stat'\n\
  -i        enter interactive mode after executing 'script'\n\
  -l mod    require library 'mod' into global 'mod'\n\
  -l g=mod  require library 'mod' into global 'g'\n\
  -v        show version information\n\
  -E        ignore environment variables\n\
  -W        turn warnings on\n\
  --        stop handling options\n\
  -         stop handling options and execute stdin"
    );
}

fn report(e: &RunError, with_traceback: bool) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{PROGNAME}: {}", e.message);
    if with_traceback && !e.traceback.is_empty() {
        let _ = writeln!(err, "{}", e.traceback);
    }
    let _ = err.flush();
}

/// Loads and runs a chunk with the given arguments; `Err(true)` for a runtime error (has a
/// traceback), `Err(false)` for a load error.
fn run_chunk(lua: &mut Lua, src: &[u8], chunkname: &[u8], args: &[Vec<u8>]) -> Result<(), ()> {
    let src = strip_shebang(src);
    let r = lua.execute(|ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, src, chunkname, None)?;
        let args = args.iter().map(|a| Value::String(ctx.bytes(a))).collect();
        Ok((f.into(), args))
    });
    match r {
        Ok(_) => Ok(()),
        Err(e) => {
            report(&e, true);
            Err(())
        }
    }
}

fn strip_shebang(src: &[u8]) -> &[u8] {
    if src.first() == Some(&b'#') {
        // Keep the newline so line numbers stay right.
        match src.iter().position(|&b| b == b'\n') {
            Some(i) => &src[i..],
            None => &[],
        }
    } else {
        src
    }
}

fn print_version() {
    println!(
        "Halo-Lua {} (Lua 5.4 compatible)",
        env!("CARGO_PKG_VERSION")
    );
}

/// Closes the state on every way out of `main`, as `lua.c` calls `lua_close`: pending
/// finalizers run before the process exits.
struct ClosingLua(Lua);

impl Drop for ClosingLua {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl std::ops::Deref for ClosingLua {
    type Target = Lua;
    fn deref(&self) -> &Lua {
        &self.0
    }
}

impl std::ops::DerefMut for ClosingLua {
    fn deref_mut(&mut self) -> &mut Lua {
        &mut self.0
    }
}

fn main() -> ExitCode {
    let argv: Vec<Vec<u8>> = std::env::args_os()
        .map(|a| {
            use std::os::unix::ffi::OsStringExt;
            a.into_vec()
        })
        .collect();
    let mut lua = ClosingLua(Lua::new());
    lua.enter(halo_stdlib::open_all);

    // Collect options (lua.c's collectargs).
    let mut i = 1;
    let (mut has_e, mut has_i, mut has_v, mut has_ee) = (false, false, false, false);
    let mut script: Option<usize> = None;
    while i < argv.len() {
        let a = &argv[i];
        if a.first() != Some(&b'-') {
            script = Some(i);
            break;
        }
        match a.as_slice() {
            b"--" => {
                if i + 1 < argv.len() {
                    script = Some(i + 1);
                }
                break;
            }
            b"-" => {
                script = Some(i);
                break;
            }
            b"-E" => has_ee = true,
            b"-W" => lua.enter(|ctx| ctx.warning(b"@on", false)),
            b"-i" => {
                has_i = true;
                has_v = true;
            }
            b"-v" => has_v = true,
            s if s.starts_with(b"-e") || s.starts_with(b"-l") => {
                if s.starts_with(b"-e") {
                    has_e = true;
                }
                if s.len() == 2 {
                    i += 1;
                    if i >= argv.len() || argv[i].first() == Some(&b'-') {
                        usage(&String::from_utf8_lossy(s));
                        return ExitCode::FAILURE;
                    }
                }
            }
            s => {
                usage(&String::from_utf8_lossy(s));
                return ExitCode::FAILURE;
            }
        }
        i += 1;
    }
    if has_v {
        print_version();
    }

    // The `arg` table: script at 0, interpreter and options at negative indices.
    let script_idx = script.unwrap_or(argv.len());
    lua.enter(|ctx| {
        let t = Table::new(ctx.mc);
        for (j, a) in argv.iter().enumerate() {
            t.set_int(
                ctx.mc,
                j as i64 - script_idx as i64,
                Value::String(ctx.bytes(a)),
            );
        }
        ctx.set_global("arg", Value::Table(t));
    });

    if !has_ee {
        let init = std::env::var_os("LUA_INIT_5_4").or_else(|| std::env::var_os("LUA_INIT"));
        if let Some(init) = init {
            use std::os::unix::ffi::OsStrExt;
            let init = init.as_bytes().to_vec();
            let ok = if let Some(file) = init.strip_prefix(b"@") {
                match std::fs::read(std::ffi::OsStr::from_bytes(file)) {
                    Ok(src) => {
                        let mut name = b"@".to_vec();
                        name.extend_from_slice(file);
                        run_chunk(&mut lua, &src, &name, &[])
                    }
                    Err(e) => {
                        eprintln!(
                            "{PROGNAME}: cannot open {}: {e}",
                            String::from_utf8_lossy(file)
                        );
                        Err(())
                    }
                }
            } else {
                run_chunk(&mut lua, &init, b"=LUA_INIT", &[])
            };
            if ok.is_err() {
                return ExitCode::FAILURE;
            }
        }
    }

    // Run -e and -l in order.
    let mut j = 1;
    while j < script_idx {
        let a = &argv[j];
        if a.starts_with(b"-e") || a.starts_with(b"-l") {
            let val = if a.len() > 2 {
                a[2..].to_vec()
            } else {
                j += 1;
                argv[j].clone()
            };
            let r = if a.starts_with(b"-e") {
                run_chunk(&mut lua, &val, b"=(command line)", &[])
            } else {
                let (global, module) = match val.iter().position(|&b| b == b'=') {
                    Some(p) => (val[..p].to_vec(), val[p + 1..].to_vec()),
                    None => (val.clone(), val.clone()),
                };
                let mut code = b"local m = require(...) ".to_vec();
                code.extend_from_slice(b"_G[select(2, ...)] = m");
                let r = lua.execute(|ctx| {
                    let f = halo_vm::baselib::load_chunk(ctx, &code, b"=(command line)", None)?;
                    Ok((
                        f.into(),
                        vec![
                            Value::String(ctx.bytes(&module)),
                            Value::String(ctx.bytes(&global)),
                        ],
                    ))
                });
                r.map(|_| ()).map_err(|e| report(&e, true))
            };
            if r.is_err() {
                return ExitCode::FAILURE;
            }
        }
        j += 1;
    }

    if let Some(s) = script {
        let name = &argv[s];
        let args: Vec<Vec<u8>> = argv[s + 1..].to_vec();
        let (src, chunkname) =
            if name.as_slice() == b"-" && (s == 0 || argv[s - 1].as_slice() != b"--") {
                let mut buf = Vec::new();
                let _ = std::io::stdin().read_to_end(&mut buf);
                (buf, b"=stdin".to_vec())
            } else {
                use std::os::unix::ffi::OsStrExt;
                match std::fs::read(std::ffi::OsStr::from_bytes(name)) {
                    Ok(b) => {
                        let mut n = b"@".to_vec();
                        n.extend_from_slice(name);
                        (b, n)
                    }
                    Err(e) => {
                        let msg = match e.kind() {
                            std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
                            _ => e.to_string(),
                        };
                        eprintln!(
                            "{PROGNAME}: cannot open {}: {msg}",
                            String::from_utf8_lossy(name)
                        );
                        return ExitCode::FAILURE;
                    }
                }
            };
        if run_chunk(&mut lua, &src, &chunkname, &args).is_err() {
            let _ = std::io::stdout().flush();
            return ExitCode::FAILURE;
        }
    } else if !has_e && !has_v && !has_i {
        // No script and no -e: interactive if a terminal, else run stdin.
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() {
            print_version();
            has_i = true;
        } else {
            let mut buf = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut buf);
            if run_chunk(&mut lua, &buf, b"=stdin", &[]).is_err() {
                return ExitCode::FAILURE;
            }
        }
    }

    if has_i {
        repl(&mut lua);
    }
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}

/// A plain read-eval-print loop: each line is tried as an expression first, like lua.c.
fn repl(lua: &mut Lua) {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    loop {
        print!("{}", if pending.is_empty() { "> " } else { ">> " });
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            println!();
            return;
        }
        pending.push_str(&line);
        let src = pending.clone();
        let as_expr = format!("return {src}");
        let r = lua.execute(|ctx| {
            let f = match halo_vm::baselib::load_chunk(ctx, as_expr.as_bytes(), b"=stdin", None) {
                Ok(f) => f,
                Err(_) => halo_vm::baselib::load_chunk(ctx, src.as_bytes(), b"=stdin", None)?,
            };
            let print = ctx.get_global("print");
            // Run the chunk, then print its results if any.
            let runner = halo_vm::baselib::load_chunk(
                ctx,
                b"local f, print = ... local function pr(...) if select('#', ...) > 0 then print(...) end end pr(f())",
                b"=stdin",
                None,
            )?;
            Ok((runner.into(), vec![f.into(), print]))
        });
        match r {
            Ok(_) => pending.clear(),
            Err(e) if e.message.ends_with("<eof>") => {}
            Err(e) => {
                report(&e, false);
                pending.clear();
            }
        }
    }
}
