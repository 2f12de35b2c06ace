//! `core.add_acl`, `core.del_acl`, `core.set_map`, `core.del_map`: live changes to a pattern or
//! map file already loaded (by the configuration or `Map.new`), known by its name as written
//! there. Every ACL, converter and `Map` on that file sees the change, on every thread.
//! Allowed in every context (HAProxy checks none).

use std::sync::Arc;

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Stack};

use super::cstr::c_str;
use crate::sample::patfile::{PatRef, PatStore};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// `check_args` then the file's reference; `what` names the file kind in the error, with
/// HAProxy's wording (`del_map` says "acl file" there too).
fn target<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    name: &str,
    nargs: usize,
    what: &str,
) -> Result<(Arc<PatRef>, LuaString<'gc>, Option<LuaString<'gc>>), Error<'gc>> {
    if stack.len() != nargs {
        return Err(Error::runtime(format!("'{name}' needs {nargs} arguments")));
    }
    let file = check_string(ctx, stack, 0)?;
    let key = check_string(ctx, stack, 1)?;
    let value = if nargs == 3 {
        Some(check_string(ctx, stack, 2)?)
    } else {
        None
    };
    let file = String::from_utf8_lossy(c_str(file.as_bytes())).into_owned();
    match PatStore::global().get(&file) {
        Some(r) => Ok((r, key, value)),
        None => Err(Error::runtime(format!(
            "'{name}': unknown {what} file '{file}'"
        ))),
    }
}

pub fn add_acl<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (r, key, _) = target(ctx, &stack, "add_acl", 2, "acl")?;
    r.add_acl(c_str(key.as_bytes()));
    stack.clear();
    Ok(Action::Return)
}

pub fn del_acl<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (r, key, _) = target(ctx, &stack, "del_acl", 2, "acl")?;
    r.delete(c_str(key.as_bytes()));
    stack.clear();
    Ok(Action::Return)
}

pub fn del_map<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (r, key, _) = target(ctx, &stack, "del_map", 2, "acl")?;
    r.delete(c_str(key.as_bytes()));
    stack.clear();
    Ok(Action::Return)
}

pub fn set_map<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (r, key, value) = target(ctx, &stack, "set_map", 3, "map")?;
    let value = value
        .map(|v| c_str(v.as_bytes()).to_vec())
        .unwrap_or_default();
    r.set_map(c_str(key.as_bytes()), &value);
    stack.clear();
    Ok(Action::Return)
}
