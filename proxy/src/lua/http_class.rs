//! The `HTTP` class (`txn.http`): reading and rewriting the request and response heads of the
//! transaction. Changes go straight into the heads the engine forwards.

use bytes::Bytes;
use halo_vm::args::{check_integer, check_string, opt_string};
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use super::applet_http::headers_table;
use super::class;
use crate::engine::txn::StreamSource;
use crate::http::{HeaderList, RequestHead, ResponseHead};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "HTTP";

pub struct HttpObj {
    pub src: StreamSource,
}

pub fn define(ctx: Ctx<'_>) {
    class::define(
        ctx,
        CLASS,
        &[
            ("req_get_headers", req_get_headers),
            ("res_get_headers", res_get_headers),
            ("req_add_header", req_add_header),
            ("res_add_header", res_add_header),
            ("req_del_header", req_del_header),
            ("res_del_header", res_del_header),
            ("req_set_header", req_set_header),
            ("res_set_header", res_set_header),
            ("req_rep_header", req_rep_header),
            ("res_rep_header", res_rep_header),
            ("req_rep_value", req_rep_value),
            ("res_rep_value", res_rep_value),
            ("req_set_method", req_set_method),
            ("req_set_path", req_set_path),
            ("req_set_query", req_set_query),
            ("req_set_uri", req_set_uri),
            ("res_set_status", res_set_status),
        ],
        None,
    );
}

pub fn new<'gc>(ctx: Ctx<'gc>, src: StreamSource) -> Result<Table<'gc>, Error<'gc>> {
    let mt = class::metatable(ctx, CLASS).ok_or_else(|| Error::runtime("HTTP class missing"))?;
    Ok(class::new_object(ctx, mt, HttpObj { src }))
}

fn obj<'gc>(stack: &Stack<'gc, '_>) -> Result<&'gc HttpObj, Error<'gc>> {
    class::check::<HttpObj>(stack, 0, CLASS)
}

fn with_req<'gc, R>(
    stack: &Stack<'gc, '_>,
    f: impl FnOnce(&mut RequestHead) -> R,
) -> Result<R, Error<'gc>> {
    let o = obj(stack)?;
    let mut t = o.src.txn.borrow_mut();
    match t.req.as_mut() {
        Some(r) => Ok(f(r)),
        None => Err(Error::runtime("Lua: HTTP request is not available")),
    }
}

fn with_res<'gc, R>(
    stack: &Stack<'gc, '_>,
    f: impl FnOnce(&mut ResponseHead) -> R,
) -> Result<R, Error<'gc>> {
    let o = obj(stack)?;
    let mut t = o.src.txn.borrow_mut();
    match t.res.as_mut() {
        Some(r) => Ok(f(r)),
        None => Err(Error::runtime(
            "Lua: HTTP response is not available (only in response actions)",
        )),
    }
}

fn pairs(h: &HeaderList) -> Vec<(Bytes, Bytes)> {
    h.iter()
        .map(|x| (x.name.clone(), x.value.clone()))
        .collect()
}

fn req_get_headers<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let h = with_req(&stack, |r| pairs(&r.headers))?;
    stack.replace(&[Value::Table(headers_table(ctx, &h))]);
    Ok(Action::Return)
}

fn res_get_headers<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let h = with_res(&stack, |r| pairs(&r.headers))?;
    stack.replace(&[Value::Table(headers_table(ctx, &h))]);
    Ok(Action::Return)
}

fn name_value<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>) -> Result<(Bytes, Bytes), Error<'gc>> {
    let n = check_string(ctx, stack, 1)?;
    let v = check_string(ctx, stack, 2)?;
    Ok((
        Bytes::copy_from_slice(n.as_bytes()),
        Bytes::copy_from_slice(v.as_bytes()),
    ))
}

fn done<'gc>(mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    stack.clear();
    Ok(Action::Return)
}

fn req_add_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (n, v) = name_value(ctx, &stack)?;
    with_req(&stack, |r| r.headers.add(n, v))?;
    done(stack)
}
fn res_add_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (n, v) = name_value(ctx, &stack)?;
    with_res(&stack, |r| r.headers.add(n, v))?;
    done(stack)
}
fn req_set_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (n, v) = name_value(ctx, &stack)?;
    with_req(&stack, |r| r.headers.set(n, v))?;
    done(stack)
}
fn res_set_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (n, v) = name_value(ctx, &stack)?;
    with_res(&stack, |r| r.headers.set(n, v))?;
    done(stack)
}
fn req_del_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let n = check_string(ctx, &stack, 1)?
        .as_bytes()
        .to_ascii_lowercase();
    with_req(&stack, |r| r.headers.remove(&n))?;
    done(stack)
}
fn res_del_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let n = check_string(ctx, &stack, 1)?
        .as_bytes()
        .to_ascii_lowercase();
    with_res(&stack, |r| r.headers.remove(&n))?;
    done(stack)
}

/// HAProxy's replacement syntax (`\1` for group 1) in the regex crate's (`${1}`).
fn replacement(rep: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rep.len() + 8);
    let mut i = 0;
    while i < rep.len() {
        match (rep[i], rep.get(i + 1)) {
            (b'\\', Some(d)) if d.is_ascii_digit() => {
                out.extend_from_slice(format!("${{{}}}", *d - b'0').as_bytes());
                i += 2;
            }
            (b'\\', Some(&c)) => {
                out.push(if c == b'$' { b'$' } else { c });
                if c == b'$' {
                    out.push(b'$');
                }
                i += 2;
            }
            (b'$', _) => {
                out.extend_from_slice(b"$$");
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Replaces, in every header `name`, what matches `re` (the whole value for `rep_header`, each
/// comma-separated value for `rep_value`), like HAProxy's `http_replace_hdrs`.
fn rep<'gc>(ctx: Ctx<'gc>, stack: Stack<'gc, '_>, response: bool, per_value: bool) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 1)?
        .as_bytes()
        .to_ascii_lowercase();
    let re = check_string(ctx, &stack, 2)?;
    let with = replacement(check_string(ctx, &stack, 3)?.as_bytes());
    let re = regex::bytes::Regex::new(&re.to_str_lossy())
        .map_err(|e| Error::runtime(format!("'rep_header': invalid regex: {e}")))?;
    let apply = |headers: &mut HeaderList| {
        for h in headers.iter_mut() {
            if h.name[..] != name[..] {
                continue;
            }
            let new: Vec<u8> = if per_value {
                let parts: Vec<Vec<u8>> = crate::http::headers::split_comma_list(&h.value)
                    .map(|v| re.replace(v, with.as_slice()).into_owned())
                    .collect();
                parts.join(&b","[..])
            } else {
                re.replace(&h.value, with.as_slice()).into_owned()
            };
            h.value = Bytes::from(new);
        }
    };
    if response {
        with_res(&stack, |r| apply(&mut r.headers))?;
    } else {
        with_req(&stack, |r| apply(&mut r.headers))?;
    }
    done(stack)
}

fn req_rep_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    rep(ctx, stack, false, false)
}
fn res_rep_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    rep(ctx, stack, true, false)
}
fn req_rep_value<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    rep(ctx, stack, false, true)
}
fn res_rep_value<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    rep(ctx, stack, true, true)
}

fn arg_bytes<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>) -> Result<Bytes, Error<'gc>> {
    Ok(Bytes::copy_from_slice(
        check_string(ctx, stack, 1)?.as_bytes(),
    ))
}

fn req_set_method<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = arg_bytes(ctx, &stack)?;
    with_req(&stack, |r| r.set_method(v))?;
    done(stack)
}
fn req_set_path<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = arg_bytes(ctx, &stack)?;
    with_req(&stack, |r| r.set_path(&v))?;
    done(stack)
}
fn req_set_query<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = arg_bytes(ctx, &stack)?;
    with_req(&stack, |r| r.set_query(&v))?;
    done(stack)
}
fn req_set_uri<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = arg_bytes(ctx, &stack)?;
    with_req(&stack, |r| r.set_uri(v))?;
    done(stack)
}
fn res_set_status<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let code = check_integer(ctx, &stack, 1)?;
    let reason = opt_string(ctx, &stack, 2)?.map(|r| Bytes::copy_from_slice(r.as_bytes()));
    if !(100..=999).contains(&code) {
        return Err(Error::runtime(format!("Lua: invalid status code {code}")));
    }
    with_res(&stack, |r| r.set_status(code as u16, reason))?;
    done(stack)
}
