//! The client connection as an applet (a Lua service) sees it: buffered output that is written
//! when it grows past one buffer or before the applet waits for input, and input read on demand.
//! The engine lends its `Conn` to the applet for the service's run and takes it back after.
//!
//! Every operation that waits takes the connection out of the shared cell for the duration of
//! the await and puts it back, so no `RefCell` borrow is ever held across an await.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};

use crate::engine::conn::{BUFSIZE, Conn};

pub struct AppletIo {
    pub conn: Option<Conn>,
    /// Output not yet written.
    pub out: BytesMut,
    /// The first write error: later output is dropped, reads return end of stream.
    pub failed: bool,
    /// Bytes written to the client (for the traffic log).
    pub written: u64,
}

pub type SharedIo = Rc<RefCell<AppletIo>>;

impl AppletIo {
    pub fn new(conn: Conn) -> SharedIo {
        Rc::new(RefCell::new(AppletIo {
            conn: Some(conn),
            out: BytesMut::new(),
            failed: false,
            written: 0,
        }))
    }
}

/// Writes the pending output.
pub async fn flush(io: &SharedIo) -> io::Result<()> {
    let (conn, out) = {
        let mut s = io.borrow_mut();
        if s.out.is_empty() || s.failed {
            return Ok(());
        }
        let out = s.out.split().freeze();
        (s.conn.take(), out)
    };
    let Some(mut conn) = conn else {
        return Err(io::Error::other("applet connection in use"));
    };
    let r = conn.write_all(&out).await;
    let mut s = io.borrow_mut();
    s.conn = Some(conn);
    if r.is_err() {
        s.failed = true;
    } else {
        s.written += out.len() as u64;
    }
    r
}

/// Queues `data`; writes when a buffer's worth is pending.
pub async fn send(io: &SharedIo, data: &[u8]) -> io::Result<()> {
    let full = {
        let mut s = io.borrow_mut();
        if s.failed {
            return Ok(());
        }
        s.out.extend_from_slice(data);
        s.out.len() >= BUFSIZE
    };
    if full { flush(io).await } else { Ok(()) }
}

/// Whether `send` can complete without waiting (so the Lua side need not suspend).
pub fn send_now(io: &SharedIo, data: &[u8]) -> bool {
    let mut s = io.borrow_mut();
    if s.failed {
        return true;
    }
    if s.out.len() + data.len() < BUFSIZE {
        s.out.extend_from_slice(data);
        true
    } else {
        false
    }
}

/// What a read waits for.
#[derive(Clone, Copy)]
pub enum ReadWant {
    /// Up to and including the next `\n`, or what is left at the end.
    Line,
    /// Exactly `n` bytes, or what is left at the end.
    Exactly(usize),
    /// Everything until the end of stream.
    All,
}

/// Takes what `want` asks for from the read buffer if it is already there.
pub fn take_buffered(io: &SharedIo, want: ReadWant) -> Option<Bytes> {
    let mut s = io.borrow_mut();
    let failed = s.failed;
    let conn = s.conn.as_mut()?;
    let closed = conn.read_closed || failed;
    let buf = &mut conn.rbuf;
    match want {
        ReadWant::Line => {
            if let Some(i) = memchr_nl(buf) {
                return Some(buf.split_to(i + 1).freeze());
            }
        }
        ReadWant::Exactly(n) => {
            if buf.len() >= n {
                return Some(buf.split_to(n).freeze());
            }
        }
        ReadWant::All => {}
    }
    if closed {
        Some(buf.split().freeze())
    } else {
        None
    }
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Reads until `want` is satisfied (pending output is written first: a request/response
/// protocol must see its answer before the applet waits for the next question).
pub async fn read(io: &SharedIo, want: ReadWant) -> Bytes {
    if flush(io).await.is_err() {
        return Bytes::new();
    }
    loop {
        if let Some(b) = take_buffered(io, want) {
            return b;
        }
        let conn = io.borrow_mut().conn.take();
        let Some(mut conn) = conn else {
            return Bytes::new();
        };
        let r = conn.fill().await;
        let mut s = io.borrow_mut();
        s.conn = Some(conn);
        if r.is_err() {
            s.failed = true;
        }
    }
}
