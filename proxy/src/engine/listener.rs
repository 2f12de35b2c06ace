//! Listening sockets: bound once at start-up (so `cannot bind` is reported before anything
//! runs), then each worker accepts on its own clone of every socket.

use std::io;
use std::net::SocketAddr;
use std::os::unix::net::UnixListener as StdUnixListener;

use socket2::{Domain, Socket, Type};
use tokio::net::{TcpListener, UnixListener};

use super::conn::{Conn, Stream};
use super::proxy::ListenAddr;

/// A bound socket not yet handed to a runtime.
pub enum Bound {
    Tcp(std::net::TcpListener),
    Unix(StdUnixListener),
}

/// Binds `addr` the way HAProxy does: SO_REUSEADDR, IPV6_V6ONLY off for `::` (so `:::80`
/// takes both families), backlog = maxconn.
pub fn bind(addr: &ListenAddr, backlog: i32) -> io::Result<Bound> {
    match addr {
        ListenAddr::Inet(sa) => {
            let socket = Socket::new(Domain::for_address(*sa), Type::STREAM, None)?;
            socket.set_reuse_address(true)?;
            if sa.is_ipv6() {
                let _ = socket.set_only_v6(false);
            }
            socket.bind(&(*sa).into())?;
            socket.listen(backlog)?;
            socket.set_nonblocking(true)?;
            Ok(Bound::Tcp(socket.into()))
        }
        ListenAddr::Unix(path) => {
            // A stale socket file from a previous run would make bind fail (HAProxy replaces it).
            if let Ok(meta) = std::fs::symlink_metadata(path) {
                use std::os::unix::fs::FileTypeExt;
                if meta.file_type().is_socket() {
                    let _ = std::fs::remove_file(path);
                }
            }
            let l = StdUnixListener::bind(path)?;
            l.set_nonblocking(true)?;
            Ok(Bound::Unix(l))
        }
    }
}

impl Bound {
    pub fn try_clone(&self) -> io::Result<Bound> {
        Ok(match self {
            Bound::Tcp(l) => Bound::Tcp(l.try_clone()?),
            Bound::Unix(l) => Bound::Unix(l.try_clone()?),
        })
    }

    /// Registers the socket with the current thread's runtime.
    pub fn into_listener(self) -> io::Result<Listener> {
        Ok(match self {
            Bound::Tcp(l) => Listener::Tcp(TcpListener::from_std(l)?),
            Bound::Unix(l) => Listener::Unix(UnixListener::from_std(l)?),
        })
    }
}

pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// An accepted connection with its addresses (unix sockets have none).
pub struct Accepted {
    pub conn: Conn,
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
}

impl Listener {
    pub async fn accept(&self) -> io::Result<Accepted> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept().await?;
                let local = s.local_addr().ok();
                let conn = Conn::new(Stream::Tcp(s));
                conn.set_nodelay();
                Ok(Accepted {
                    conn,
                    peer: Some(peer),
                    local,
                })
            }
            Listener::Unix(l) => {
                let (s, _) = l.accept().await?;
                Ok(Accepted {
                    conn: Conn::new(Stream::Unix(s)),
                    peer: None,
                    local: None,
                })
            }
        }
    }
}
