//! Bidirectional forwarding between two connections (TCP mode, and HTTP after an upgrade or
//! CONNECT): each direction copies until its source ends, then half-closes its destination, so
//! a client that shuts down its sending side still receives the rest of the answer. The whole
//! tunnel ends when both directions have ended, on an error, or when no byte moved either way
//! for the idle timeout.

use std::cell::Cell;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::conn::{BUFSIZE, Conn};

/// How a tunnel ended, for the logs' termination state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelEnd {
    /// Both sides closed normally.
    Closed,
    /// Nothing moved for the idle timeout.
    Timeout,
    /// A read or write failed (reset by a peer).
    Error,
}

/// Bytes moved each way: (client to server, server to client).
pub struct TunnelStats {
    pub up: u64,
    pub down: u64,
    pub end: TunnelEnd,
}

async fn pump<R, W>(
    mut from: R,
    mut to: W,
    mut pending: BytesMut,
    activity: &Cell<Instant>,
    moved: &Cell<u64>,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    if !pending.is_empty() {
        to.write_all(&pending).await?;
        moved.set(moved.get() + pending.len() as u64);
        activity.set(Instant::now());
        pending.clear();
    }
    let mut buf = pending;
    buf.reserve(BUFSIZE);
    loop {
        buf.clear();
        let n = from.read_buf(&mut buf).await?;
        if n == 0 {
            // Half-close: the other side sees end of stream, the other direction goes on.
            let _ = to.shutdown().await;
            return Ok(());
        }
        activity.set(Instant::now());
        to.write_all(&buf).await?;
        moved.set(moved.get() + n as u64);
        activity.set(Instant::now());
    }
}

/// Forwards between `client` and `server` (their buffered input is forwarded first).
pub async fn run(client: Conn, server: Conn, idle: Option<Duration>) -> TunnelStats {
    let client_closed = client.read_closed;
    let server_closed = server.read_closed;
    let (cr, cw) = tokio::io::split(client.io);
    let (sr, sw) = tokio::io::split(server.io);
    let activity = Cell::new(Instant::now());
    let (up, down) = (Cell::new(0u64), Cell::new(0u64));
    let up_fut = async {
        if client_closed {
            let mut sw = sw;
            let mut pending = client.rbuf;
            if !pending.is_empty() {
                sw.write_all(&pending).await?;
                up.set(pending.len() as u64);
                pending.clear();
            }
            let _ = sw.shutdown().await;
            Ok::<(), std::io::Error>(())
        } else {
            pump(cr, sw, client.rbuf, &activity, &up).await
        }
    };
    let down_fut = async {
        if server_closed {
            let mut cw = cw;
            let pending = server.rbuf;
            if !pending.is_empty() {
                cw.write_all(&pending).await?;
                down.set(pending.len() as u64);
            }
            let _ = cw.shutdown().await;
            Ok::<(), std::io::Error>(())
        } else {
            pump(sr, cw, server.rbuf, &activity, &down).await
        }
    };
    let both = async {
        // The first error ends both directions (a reset peer will not read the rest).
        match tokio::try_join!(up_fut, down_fut) {
            Ok(_) => TunnelEnd::Closed,
            Err(_) => TunnelEnd::Error,
        }
    };
    let end = match idle {
        None => both.await,
        Some(idle) => {
            tokio::pin!(both);
            loop {
                let deadline = activity.get() + idle;
                tokio::select! {
                    end = &mut both => break end,
                    _ = tokio::time::sleep_until(deadline) => {
                        if activity.get() + idle <= Instant::now() {
                            break TunnelEnd::Timeout;
                        }
                    }
                }
            }
        }
    };
    TunnelStats {
        up: up.get(),
        down: down.get(),
        end,
    }
}
