//! The `Channel` class (`txn.req`, `txn.res`) of TCP-mode streams: the 2.5+ API (`data line
//! input output insert prepend remove set append send forward is_full is_resp may_recv`) and
//! the 1.8 one (`dup get getline get_in_len get_out_len`, with `get_in_length`/
//! `get_out_length` spellings). Incoming data is the connection's read buffer; outgoing data
//! is what the engine writes to the other side when the action returns. Calls that need more
//! data are real awaits on the socket, bounded by the stream's inspect delay.
//!
//! In HTTP mode only `input output is_full is_resp may_recv` are allowed, as in HAProxy.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};
use halo_vm::args::{check_integer, check_string};
use halo_vm::callback::AsyncResolve;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};
use tokio::time::Instant;

use super::class;
use crate::engine::conn::{BUFSIZE, Conn};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "Channel";

/// HAProxy's `tune.maxrewrite`: a channel is full when less than this is free.
const MAXREWRITE: usize = 1024;

/// One direction of a TCP stream while Lua looks at it.
pub struct ChannelData {
    /// The connection data comes from (its read buffer is the incoming data); `None` when
    /// that side does not exist yet (the response before a server is connected).
    pub conn: Option<Conn>,
    /// Data forwarded (or sent) and not yet written to the other side.
    pub output: BytesMut,
    pub is_resp: bool,
    /// No more data will arrive (the peer closed, or the wait deadline passed).
    pub closed: bool,
    /// Until when a call may wait for data.
    pub deadline: Option<Instant>,
}

pub type SharedChannel = Rc<RefCell<ChannelData>>;

impl ChannelData {
    pub fn new(conn: Option<Conn>, is_resp: bool, deadline: Option<Instant>) -> SharedChannel {
        let closed = conn.as_ref().is_none_or(|c| c.read_closed);
        Rc::new(RefCell::new(ChannelData {
            conn,
            output: BytesMut::new(),
            is_resp,
            closed,
            deadline,
        }))
    }

    fn input(&self) -> &[u8] {
        self.conn.as_ref().map(|c| &c.rbuf[..]).unwrap_or(&[])
    }

    fn input_mut(&mut self) -> Option<&mut BytesMut> {
        self.conn.as_mut().map(|c| &mut c.rbuf)
    }

    fn is_full(&self) -> bool {
        self.input().len() + self.output.len() >= BUFSIZE - MAXREWRITE
    }

    fn may_recv(&self) -> bool {
        !self.closed && !self.is_full()
    }
}

/// Reads once more into the channel; marks it closed at end of stream or deadline.
async fn wait_more(ch: &SharedChannel) {
    let (conn, deadline) = {
        let mut c = ch.borrow_mut();
        if c.closed {
            return;
        }
        (c.conn.take(), c.deadline)
    };
    let Some(mut conn) = conn else {
        ch.borrow_mut().closed = true;
        return;
    };
    let r = match deadline {
        Some(d) => tokio::time::timeout_at(d, conn.fill()).await.ok(),
        None => Some(conn.fill().await),
    };
    let mut c = ch.borrow_mut();
    c.closed = !matches!(r, Some(Ok(n)) if n > 0);
    c.conn = Some(conn);
}

pub struct ChannelObj {
    pub ch: SharedChannel,
    pub http: bool,
}

pub fn define(ctx: Ctx<'_>) {
    class::define(
        ctx,
        CLASS,
        &[
            ("data", data),
            ("line", line),
            ("dup", dup),
            ("get", get),
            ("getline", getline),
            ("set", set),
            ("append", append),
            ("prepend", prepend),
            ("insert", insert),
            ("remove", remove),
            ("send", send),
            ("forward", forward),
            ("input", input),
            ("output", output),
            ("get_in_len", input),
            ("get_in_length", input),
            ("get_out_len", output),
            ("get_out_length", output),
            ("is_full", is_full),
            ("is_resp", is_resp),
            ("may_recv", may_recv),
        ],
        None,
    );
}

pub fn new<'gc>(ctx: Ctx<'gc>, ch: SharedChannel, http: bool) -> Result<Table<'gc>, Error<'gc>> {
    let mt = class::metatable(ctx, CLASS).ok_or_else(|| Error::runtime("Channel class missing"))?;
    Ok(class::new_object(ctx, mt, ChannelObj { ch, http }))
}

fn obj<'gc>(stack: &Stack<'gc, '_>) -> Result<&'gc ChannelObj, Error<'gc>> {
    class::check::<ChannelObj>(stack, 0, CLASS)
}

/// The channel of a call that may alter or read the buffer (refused in HTTP mode).
fn tcp_channel<'gc>(stack: &Stack<'gc, '_>, what: &str) -> Result<SharedChannel, Error<'gc>> {
    let o = obj(stack)?;
    if o.http {
        return Err(Error::runtime(format!(
            "Lua: Channel.{what}: cannot manipulate HAProxy channels in HTTP mode."
        )));
    }
    Ok(o.ch.clone())
}

/// Resolves an (offset, length) pair against `len` bytes of input like HAProxy: a negative
/// offset counts from the end; no length means "to the end".
fn span(len: usize, offset: i64, length: Option<i64>) -> (usize, usize) {
    let start = if offset < 0 {
        len.saturating_sub(offset.unsigned_abs() as usize)
    } else {
        (offset as usize).min(len)
    };
    let end = match length {
        None => len,
        Some(l) if l < 0 => len,
        Some(l) => start.saturating_add(l as usize).min(len),
    };
    (start, end.max(start))
}

fn opt_int<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Option<i64>, Error<'gc>> {
    if stack.get(i).is_nil() {
        Ok(None)
    } else {
        check_integer(ctx, stack, i).map(Some)
    }
}

/// What a read call needs before it can answer.
#[derive(Clone, Copy)]
enum Need {
    /// At least `n` bytes of input from the offset.
    Bytes(usize),
    /// A line (a `\n` after the offset).
    Line,
    /// As much as possible: until full or closed.
    Max,
    /// Any data at all.
    Some,
}

fn satisfied(c: &ChannelData, need: Need, from: usize) -> bool {
    let input = c.input();
    c.closed
        || match need {
            Need::Bytes(n) => input.len() >= from.saturating_add(n),
            Need::Line => input.get(from..).is_some_and(|s| s.contains(&b'\n')),
            Need::Max => c.is_full(),
            Need::Some => !input.is_empty(),
        }
}

/// Answers with `answer(channel)` now, or after waiting for `need`.
fn read_call<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    ch: SharedChannel,
    need: Need,
    from: usize,
    answer: impl Fn(&mut ChannelData) -> Option<Bytes> + 'static,
) -> NResult<'gc> {
    if satisfied(&ch.borrow(), need, from) {
        let r = answer(&mut ch.borrow_mut());
        let v = r
            .map(|b| Value::String(ctx.bytes(&b)))
            .unwrap_or(Value::Nil);
        stack.replace(&[v]);
        return Ok(Action::Return);
    }
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        while !satisfied(&ch.borrow(), need, from) {
            wait_more(&ch).await;
        }
        let r = answer(&mut ch.borrow_mut());
        let resolve: AsyncResolve = Box::new(move |ctx, mut stack| {
            stack.push(
                r.map(|b| Value::String(ctx.bytes(&b)))
                    .unwrap_or(Value::Nil),
            );
            Ok(())
        });
        resolve
    })))
}

fn data<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "data")?;
    let offset = opt_int(ctx, &stack, 1)?.unwrap_or(0);
    let length = opt_int(ctx, &stack, 2)?;
    let (from, _) = span(ch.borrow().input().len(), offset, None);
    let need = match length {
        Some(-1) => Need::Max,
        Some(n) if n > 0 => Need::Bytes(n as usize),
        _ => Need::Some,
    };
    read_call_span(ctx, stack, ch, need, from, offset, length, false)
}

/// `data`/`line`: incoming bytes `[offset, offset+length)` (up to the first `\n` for `line`),
/// not removed; nil once the channel is empty and closed.
#[allow(clippy::too_many_arguments)]
fn read_call_span<'gc>(
    ctx: Ctx<'gc>,
    stack: Stack<'gc, '_>,
    ch: SharedChannel,
    need: Need,
    from: usize,
    offset: i64,
    length: Option<i64>,
    line_mode: bool,
) -> NResult<'gc> {
    read_call(ctx, stack, ch, need, from, move |c: &mut ChannelData| {
        let input = c.input();
        if input.is_empty() && c.closed {
            return None;
        }
        let (s, e) = span(input.len(), offset, length);
        let mut slice = &input[s..e];
        if line_mode && let Some(i) = slice.iter().position(|&b| b == b'\n') {
            slice = &slice[..=i];
        }
        Some(Bytes::copy_from_slice(slice))
    })
}

fn line<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "line")?;
    let offset = opt_int(ctx, &stack, 1)?.unwrap_or(0);
    let length = opt_int(ctx, &stack, 2)?;
    let (from, _) = span(ch.borrow().input().len(), offset, None);
    let need = match length {
        Some(-1) => Need::Line,
        Some(n) if n > 0 => Need::Bytes(n as usize),
        _ => Need::Some,
    };
    read_call_span(ctx, stack, ch, need, from, offset, length, true)
}

fn dup<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "dup")?;
    read_call(ctx, stack, ch, Need::Some, 0, |c| {
        let input = c.input();
        (!(input.is_empty() && c.closed)).then(|| Bytes::copy_from_slice(input))
    })
}

fn get<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "get")?;
    read_call(ctx, stack, ch, Need::Some, 0, |c| {
        let closed = c.closed;
        let input = c.input_mut()?;
        if input.is_empty() && closed {
            return None;
        }
        Some(input.split().freeze())
    })
}

fn getline<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "getline")?;
    read_call(ctx, stack, ch, Need::Line, 0, |c| {
        let closed = c.closed;
        let input = c.input_mut()?;
        if input.is_empty() && closed {
            return None;
        }
        let n = input
            .iter()
            .position(|&b| b == b'\n')
            .map_or(input.len(), |i| i + 1);
        Some(input.split_to(n).freeze())
    })
}

fn ret_int<'gc>(mut stack: Stack<'gc, '_>, n: i64) -> NResult<'gc> {
    stack.replace(&[Value::Integer(n)]);
    Ok(Action::Return)
}

/// Replaces input bytes `[s, e)` by `with`; -1 when the result would not fit the buffer.
fn splice(c: &mut ChannelData, s: usize, e: usize, with: &[u8]) -> i64 {
    let out_len = c.output.len();
    let Some(input) = c.input_mut() else {
        return -1;
    };
    if input.len() - (e - s) + with.len() + out_len > BUFSIZE {
        return -1;
    }
    let mut new = BytesMut::with_capacity(input.len() + with.len());
    new.extend_from_slice(&input[..s]);
    new.extend_from_slice(with);
    new.extend_from_slice(&input[e..]);
    *input = new;
    with.len() as i64
}

fn set<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "set")?;
    let s = check_string(ctx, &stack, 1)?;
    let offset = opt_int(ctx, &stack, 2)?.unwrap_or(0);
    let length = opt_int(ctx, &stack, 3)?;
    let mut c = ch.borrow_mut();
    let (a, b) = span(c.input().len(), offset, length);
    let n = splice(&mut c, a, b, s.as_bytes());
    drop(c);
    ret_int(stack, n)
}

fn insert_at<'gc>(
    ctx: Ctx<'gc>,
    stack: Stack<'gc, '_>,
    what: &str,
    at: Option<i64>,
) -> NResult<'gc> {
    let ch = tcp_channel(&stack, what)?;
    let s = check_string(ctx, &stack, 1)?;
    let mut c = ch.borrow_mut();
    let len = c.input().len();
    let offset = match at {
        Some(o) => o,
        None => opt_int(ctx, &stack, 2)?.unwrap_or(0),
    };
    let (p, _) = if offset == i64::MAX {
        (len, len)
    } else {
        span(len, offset, Some(0))
    };
    let n = splice(&mut c, p, p, s.as_bytes());
    drop(c);
    ret_int(stack, n)
}

fn append<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    insert_at(ctx, stack, "append", Some(i64::MAX))
}
fn prepend<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    insert_at(ctx, stack, "prepend", Some(0))
}
fn insert<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    insert_at(ctx, stack, "insert", None)
}

fn remove<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "remove")?;
    let offset = opt_int(ctx, &stack, 1)?.unwrap_or(0);
    let length = opt_int(ctx, &stack, 2)?;
    let mut c = ch.borrow_mut();
    let (a, b) = span(c.input().len(), offset, length);
    splice(&mut c, a, b, b"");
    drop(c);
    ret_int(stack, (b - a) as i64)
}

/// `send(str)`: the string goes out now, ahead of the incoming data.
fn send<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "send")?;
    let s = check_string(ctx, &stack, 1)?;
    ch.borrow_mut().output.extend_from_slice(s.as_bytes());
    ret_int(stack, s.len() as i64)
}

/// `forward(n)`: moves `n` incoming bytes to the output, waiting for them if needed.
fn forward<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ch = tcp_channel(&stack, "forward")?;
    let n = check_integer(ctx, &stack, 1)?.max(0) as usize;
    let take = |c: &mut ChannelData, want: usize| -> usize {
        let Some(input) = c.input_mut() else { return 0 };
        let k = want.min(input.len());
        let moved = input.split_to(k);
        c.output.extend_from_slice(&moved);
        k
    };
    let done = take(&mut ch.borrow_mut(), n);
    if done == n || ch.borrow().closed {
        stack.replace(&[Value::Integer(done as i64)]);
        return Ok(Action::Return);
    }
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let mut moved = done;
        while moved < n && !ch.borrow().closed {
            wait_more(&ch).await;
            moved += take(&mut ch.borrow_mut(), n - moved);
        }
        let resolve: AsyncResolve = Box::new(move |_ctx, mut stack| {
            stack.push(Value::Integer(moved as i64));
            Ok(())
        });
        resolve
    })))
}

fn input<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = obj(&stack)?.ch.borrow().input().len() as i64;
    ret_int(stack, n)
}

fn output<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = obj(&stack)?.ch.borrow().output.len() as i64;
    ret_int(stack, n)
}

fn ret_bool<'gc>(mut stack: Stack<'gc, '_>, b: bool) -> NResult<'gc> {
    stack.replace(&[Value::Boolean(b)]);
    Ok(Action::Return)
}

fn is_full<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let b = obj(&stack)?.ch.borrow().is_full();
    ret_bool(stack, b)
}

fn is_resp<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let b = obj(&stack)?.ch.borrow().is_resp;
    ret_bool(stack, b)
}

fn may_recv<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let b = obj(&stack)?.ch.borrow().may_recv();
    ret_bool(stack, b)
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans() {
        assert_eq!(span(10, 0, None), (0, 10));
        assert_eq!(span(10, 2, Some(3)), (2, 5));
        assert_eq!(span(10, -3, None), (7, 10));
        assert_eq!(span(10, 20, None), (10, 10));
        assert_eq!(span(10, -20, Some(2)), (0, 2));
        assert_eq!(span(10, 5, Some(-1)), (5, 10));
    }
}
