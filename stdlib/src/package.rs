//! `require` and the `package` library (§6.3, PUC-Rio's loadlib.c).
//!
//! `require` runs as a continuation (`RequireSeq`): each searcher and then the module's loader
//! are called through `Action::Call`, so searchers and module bodies may yield or await.
//! C modules cannot be loaded: the C searchers still look through `package.cpath` (so "module
//! not found" lists the same files as PUC-Rio), and a module found only as a C library fails
//! with "error loading module ... dynamic libraries are not supported by Halo".
//!
//! `package.loaded` and `package.preload` are the registry's `_LOADED` and `_PRELOAD` tables,
//! which `require` and the preload searcher use even if the fields are replaced (as in C).

use gc_arena::Collect;

use halo_vm::args::{check_string, opt_string};
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Sequence, Stack, Table, Value};

use crate::fileresult::os_path;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// `package.config`: directory separator, path separator, substitution mark, executable
/// directory mark, ignore mark.
const CONFIG: &str = "/\n;\n?\n!\n-\n";

// PUC-Rio's defaults for a Unix build (luaconf.h, LUA_ROOT "/usr/local/").
const PATH_DEFAULT: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
const CPATH_DEFAULT: &str = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";

/// Why C libraries fail (what `loadlib` returns and `require` reports).
const NO_DLL: &str = "dynamic libraries are not supported by Halo (C modules cannot be loaded)";

/// Registry keys (lauxlib's LUA_LOADED_TABLE, LUA_PRELOAD_TABLE) and lua.c's "ignore the
/// environment" flag.
pub const LOADED_KEY: &str = "_LOADED";
pub const PRELOAD_KEY: &str = "_PRELOAD";
pub const NOENV_KEY: &str = "LUA_NOENV";

/// The registry table at `key`, created if absent (`luaL_getsubtable`).
fn registry_table<'gc>(ctx: Ctx<'gc>, key: &str) -> Table<'gc> {
    let reg = ctx.state.registry;
    match reg.get_str(ctx.str(key)) {
        Value::Table(t) => t,
        _ => {
            let t = Table::new(ctx.mc);
            reg.set_str(ctx.mc, ctx.str(key), Value::Table(t));
            t
        }
    }
}

/// Records an opened library in `package.loaded` (what `luaL_requiref` does for each
/// standard library).
pub fn register_loaded<'gc>(ctx: Ctx<'gc>, name: &str, module: Value<'gc>) {
    registry_table(ctx, LOADED_KEY).set_str(ctx.mc, ctx.str(name), module);
}

/// The standard libraries' global names, recorded in `package.loaded` when `open` finds them.
const STANDARD_LIBRARIES: [&str; 9] = [
    "_G",
    "coroutine",
    "table",
    "io",
    "os",
    "string",
    "math",
    "utf8",
    "debug",
];

/// Opens `package` and `require` into the globals and returns the package table. The paths
/// come from `LUA_PATH_5_4`/`LUA_PATH` and `LUA_CPATH_5_4`/`LUA_CPATH` unless the registry
/// holds a true `LUA_NOENV` (set by `halo-lua -E`). Every standard library already opened
/// (found as a global table) is recorded in `package.loaded`, so open this one last.
pub fn open<'gc>(ctx: Ctx<'gc>) -> Table<'gc> {
    let package = Table::new(ctx.mc);
    let with_pkg = |f: halo_vm::NativeFn| -> Value<'gc> {
        NativeFunction::with_upvalues(ctx.mc, f, Box::new([Value::Table(package)])).into()
    };
    let set = |k: &str, v: Value<'gc>| package.set_str(ctx.mc, ctx.str(k), v);
    set("loadlib", NativeFunction::new(ctx.mc, loadlib).into());
    set(
        "searchpath",
        NativeFunction::new(ctx.mc, searchpath_fn).into(),
    );

    let searchers = Table::new(ctx.mc);
    let list: [halo_vm::NativeFn; 4] = [searcher_preload, searcher_lua, searcher_c, searcher_croot];
    for (i, f) in list.into_iter().enumerate() {
        searchers.set_int(ctx.mc, i as i64 + 1, with_pkg(f));
    }
    set("searchers", Value::Table(searchers));

    let noenv = ctx.state.registry.get_str(ctx.str(NOENV_KEY)).to_bool();
    set(
        "path",
        Value::String(ctx.bytes(&env_path("LUA_PATH", PATH_DEFAULT, noenv))),
    );
    set(
        "cpath",
        Value::String(ctx.bytes(&env_path("LUA_CPATH", CPATH_DEFAULT, noenv))),
    );
    set("config", ctx.str_value(CONFIG));
    set("loaded", Value::Table(registry_table(ctx, LOADED_KEY)));
    set("preload", Value::Table(registry_table(ctx, PRELOAD_KEY)));

    ctx.set_global("require", with_pkg(require));
    ctx.set_global("package", Value::Table(package));
    register_loaded(ctx, "package", Value::Table(package));
    for name in STANDARD_LIBRARIES {
        let v = ctx.get_global(name);
        if let Value::Table(_) = v {
            register_loaded(ctx, name, v);
        }
    }
    package
}

/// loadlib.c's `setpath`: the versioned variable, else the plain one, else the default; a
/// ";;" in the variable stands for the default.
fn env_path(var: &str, default: &str, noenv: bool) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let value = std::env::var_os(format!("{var}_5_4")).or_else(|| std::env::var_os(var));
    let path = match value {
        Some(v) if !noenv => v.as_bytes().to_vec(),
        _ => return default.as_bytes().to_vec(),
    };
    let Some(mark) = path.windows(2).position(|w| w == b";;") else {
        return path;
    };
    let mut out = Vec::new();
    if mark > 0 {
        out.extend_from_slice(&path[..mark]);
        out.push(b';');
    }
    out.extend_from_slice(default.as_bytes());
    if mark + 2 < path.len() {
        out.push(b';');
        out.extend_from_slice(&path[mark + 2..]);
    }
    out
}

// ------------------------------------------------------------------ searchpath

/// Replaces every `from` in `s` by `to` (`luaL_gsub`).
fn replace_all(s: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Whether `fopen(name, "r")` would succeed.
fn readable(name: &[u8]) -> bool {
    std::fs::File::open(os_path(name)).is_ok()
}

/// loadlib.c's `searchpath`: the first readable file among the templates of `path` (`;`
/// separated, `?` replaced by `name` with `sep` turned into `dirsep`), or the "no file"
/// message listing every candidate.
pub fn search_path(
    name: &[u8],
    path: &[u8],
    sep: &[u8],
    dirsep: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let name = match sep.first() {
        Some(c) if name.contains(c) => replace_all(name, sep, dirsep),
        _ => name.to_vec(),
    };
    let candidates = replace_all(path, b"?", &name);
    // C works on NUL-terminated strings: a NUL in the path ends it.
    let candidates = crate::fileresult::c_str(&candidates);
    if !candidates.is_empty() {
        for file in candidates.split(|&b| b == b';') {
            if readable(file) {
                return Ok(file.to_vec());
            }
        }
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&replace_all(candidates, b";", b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

fn searchpath_fn<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    // C evaluates these arguments right to left (the first bad one from the end is reported).
    let dirsep = opt_string(ctx, &stack, 3)?;
    let sep = opt_string(ctx, &stack, 2)?;
    let path = check_string(ctx, &stack, 1)?;
    let name = check_string(ctx, &stack, 0)?;
    let sep = sep.map_or(&b"."[..], |s| crate::fileresult::c_str(s.as_bytes()));
    let dirsep = dirsep.map_or(&b"/"[..], |s| crate::fileresult::c_str(s.as_bytes()));
    match search_path(
        crate::fileresult::c_str(name.as_bytes()),
        path.as_bytes(),
        sep,
        dirsep,
    ) {
        Ok(f) => stack.ret1(Value::String(ctx.bytes(&f))),
        Err(m) => stack.replace(&[Value::Nil, Value::String(ctx.bytes(&m))]),
    }
    Ok(Action::Return)
}

fn loadlib<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_string(ctx, &stack, 0)?;
    check_string(ctx, &stack, 1)?;
    stack.replace(&[Value::Nil, ctx.str_value(NO_DLL), ctx.str_value("absent")]);
    Ok(Action::Return)
}

// ------------------------------------------------------------------ searchers

fn package_of<'gc>(f: NativeFunction<'gc>) -> Table<'gc> {
    match f.upvalue(0) {
        Value::Table(t) => t,
        _ => unreachable!("searchers carry the package table"),
    }
}

/// loadlib.c's `findfile`: searches `package[pname]` for `name`; `Ok(Err(msg))` when absent.
fn find_file<'gc>(
    ctx: Ctx<'gc>,
    package: Table<'gc>,
    name: &[u8],
    pname: &str,
) -> Result<Result<Vec<u8>, Vec<u8>>, Error<'gc>> {
    let path = match package.get_str(ctx.str(pname)) {
        Value::String(s) => s.as_bytes().to_vec(),
        v @ (Value::Integer(_) | Value::Number(_)) => {
            let mut b = Vec::new();
            match v {
                Value::Integer(i) => halo_vm::number::fmt_int(i, &mut b),
                Value::Number(f) => halo_vm::number::fmt_float(f, &mut b),
                _ => {}
            }
            b
        }
        _ => {
            return Err(Error::runtime(format!(
                "'package.{pname}' must be a string"
            )));
        }
    };
    Ok(search_path(name, &path, b".", b"/"))
}

fn searcher_preload<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let preload = registry_table(ctx, PRELOAD_KEY);
    let loader = preload.get_str(name);
    if loader.is_nil() {
        let mut m = b"no field package.preload['".to_vec();
        m.extend_from_slice(name.as_bytes());
        m.extend_from_slice(b"']");
        stack.ret1(Value::String(ctx.bytes(&m)));
    } else {
        stack.replace(&[loader, ctx.str_value(":preload:")]);
    }
    Ok(Action::Return)
}

/// loadlib.c's `checkload` failure.
fn load_error<'gc>(name: &[u8], filename: &[u8], msg: &[u8]) -> Error<'gc> {
    Error::runtime(format!(
        "error loading module '{}' from file '{}':\n\t{}",
        String::from_utf8_lossy(name),
        String::from_utf8_lossy(filename),
        String::from_utf8_lossy(msg)
    ))
}

fn searcher_lua<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let filename = match find_file(ctx, package_of(f), name.as_bytes(), "path")? {
        Ok(file) => file,
        Err(msg) => {
            stack.ret1(Value::String(ctx.bytes(&msg)));
            return Ok(Action::Return);
        }
    };
    match crate::loadfile::load_file(ctx, Some(&filename), b"bt", None) {
        Ok(c) => {
            stack.replace(&[c.into(), Value::String(ctx.bytes(&filename))]);
            Ok(Action::Return)
        }
        Err(m) => Err(load_error(name.as_bytes(), &filename, &m)),
    }
}

fn searcher_c<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    match find_file(ctx, package_of(f), name.as_bytes(), "cpath")? {
        Ok(file) => Err(load_error(name.as_bytes(), &file, NO_DLL.as_bytes())),
        Err(msg) => {
            stack.ret1(Value::String(ctx.bytes(&msg)));
            Ok(Action::Return)
        }
    }
}

fn searcher_croot<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let Some(dot) = name.as_bytes().iter().position(|&b| b == b'.') else {
        // A root name: nothing to say.
        stack.clear();
        return Ok(Action::Return);
    };
    let root = &name.as_bytes()[..dot];
    match find_file(ctx, package_of(f), root, "cpath")? {
        Ok(file) => Err(load_error(name.as_bytes(), &file, NO_DLL.as_bytes())),
        Err(msg) => {
            stack.ret1(Value::String(ctx.bytes(&msg)));
            Ok(Action::Return)
        }
    }
}

// ------------------------------------------------------------------ require

fn require<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let loaded = registry_table(ctx, LOADED_KEY);
    let v = loaded.get_str(name);
    if v.to_bool() {
        stack.ret1(v);
        return Ok(Action::Return);
    }
    let searchers = match package_of(f).get_str(ctx.str("searchers")) {
        Value::Table(t) => t,
        _ => return Err(Error::runtime("'package.searchers' must be a table")),
    };
    let mut seq = RequireSeq {
        name,
        loaded,
        searchers,
        next: 1,
        msg: Vec::new(),
        data: None,
    };
    seq.call_searcher(&mut stack)
}

/// `require` in progress: trying searchers in order (`data` None), then running the loader.
#[derive(Collect)]
#[collect(no_drop)]
struct RequireSeq<'gc> {
    name: LuaString<'gc>,
    loaded: Table<'gc>,
    searchers: Table<'gc>,
    /// The next searcher to try (1-based).
    #[collect(require_static)]
    next: i64,
    /// What the searchers said so far ("\n\t"-separated).
    #[collect(require_static)]
    msg: Vec<u8>,
    /// The loader data, once a loader was found.
    data: Option<Value<'gc>>,
}

impl<'gc> RequireSeq<'gc> {
    fn take(&mut self) -> Box<RequireSeq<'gc>> {
        Box::new(RequireSeq {
            name: self.name,
            loaded: self.loaded,
            searchers: self.searchers,
            next: self.next,
            msg: std::mem::take(&mut self.msg),
            data: self.data,
        })
    }

    fn call_searcher(&mut self, stack: &mut Stack<'gc, '_>) -> NResult<'gc> {
        let searcher = self.searchers.get_int(self.next);
        if searcher.is_nil() {
            return Err(Error::runtime(format!(
                "module '{}' not found:{}",
                String::from_utf8_lossy(self.name.as_bytes()),
                String::from_utf8_lossy(&self.msg)
            )));
        }
        self.next += 1;
        stack.replace(&[Value::String(self.name)]);
        Ok(Action::Call {
            func: searcher,
            then: Some(self.take()),
        })
    }
}

impl<'gc> Sequence<'gc> for RequireSeq<'gc> {
    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        if let Some(data) = self.data {
            // The loader returned: its first result (if not nil) is the module.
            let r = stack.get(0);
            if !r.is_nil() {
                self.loaded.set_str(ctx.mc, self.name, r);
            }
            let mut m = self.loaded.get_str(self.name);
            if m.is_nil() {
                m = Value::Boolean(true);
                self.loaded.set_str(ctx.mc, self.name, m);
            }
            stack.replace(&[m, data]);
            return Ok(Action::Return);
        }
        let (loader, data) = (stack.get(0), stack.get(1));
        match loader {
            Value::Function(_) => {
                self.data = Some(data);
                stack.replace(&[Value::String(self.name), data]);
                return Ok(Action::Call {
                    func: loader,
                    then: Some(self.take()),
                });
            }
            Value::String(s) => {
                self.msg.extend_from_slice(b"\n\t");
                self.msg.extend_from_slice(s.as_bytes());
            }
            Value::Integer(_) | Value::Number(_) => {
                self.msg.extend_from_slice(b"\n\t");
                if let Some(s) = halo_vm::interp::number_to_string(ctx, loader) {
                    self.msg.extend_from_slice(s.as_bytes());
                }
            }
            _ => {}
        }
        self.call_searcher(&mut stack)
    }
}
