//! Socket options a script sets on its client connection (`TXN.set_tos`, `TXN.set_mark`),
//! HAProxy's `conn_set_tos`/`conn_set_mark`: errors are ignored, as there.
//!
//! Invariant: a `SockHandle` names a descriptor only while the connection owning it is open.
//! The connection holds the `SockOwner`, which clears the handle before the socket is closed,
//! so a TXN kept by a script after its connection ended can never touch a reused descriptor.

use std::cell::Cell;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::rc::Rc;

/// The client socket as the Lua TXN reaches it (cheap to clone; `None` once closed or for a
/// connection without one).
#[derive(Clone, Default)]
pub struct SockHandle(Rc<Cell<Option<RawFd>>>);

/// Kept by the connection: closing it (dropping the owner) invalidates every handle.
pub struct SockOwner(SockHandle);

impl SockOwner {
    pub fn new(fd: RawFd) -> Self {
        SockOwner(SockHandle(Rc::new(Cell::new(Some(fd)))))
    }

    pub fn handle(&self) -> SockHandle {
        self.0.clone()
    }
}

impl Drop for SockOwner {
    fn drop(&mut self) {
        self.0.0.set(None);
    }
}

impl SockHandle {
    /// Runs `f` on the live socket, if any.
    fn with(&self, f: impl FnOnce(RawFd)) {
        if let Some(fd) = self.0.get() {
            f(fd);
        }
    }

    /// `IP_TOS` (IPv4 and v4-mapped IPv6 clients) or `IPV6_TCLASS` (IPv6), chosen by the
    /// client's address family; nothing for other families.
    pub fn set_tos(&self, peer: Option<SocketAddr>, tos: i32) {
        let Some(peer) = peer else { return };
        // HAProxy passes an int; the kernel takes its low byte for IP_TOS and checks the
        // range (-1..=255) for IPV6_TCLASS, refusing the rest (ignored here, as there).
        self.with(|s| {
            let _ = match peer {
                SocketAddr::V4(_) => set_int(s, libc::IPPROTO_IP, libc::IP_TOS, tos),
                SocketAddr::V6(a) if a.ip().to_ipv4_mapped().is_some() => {
                    set_int(s, libc::IPPROTO_IP, libc::IP_TOS, tos)
                }
                SocketAddr::V6(_) => set_int(s, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tos),
            };
        });
    }

    /// `SO_MARK` (needs CAP_NET_ADMIN; refused silently otherwise, as in HAProxy).
    pub fn set_mark(&self, mark: i32) {
        self.with(|s| {
            let _ = set_int(s, libc::SOL_SOCKET, libc::SO_MARK, mark);
        });
    }
}

/// `setsockopt` with an `int` value, as HAProxy calls it (socket2's typed setters take `u32`
/// and would change what negative values do).
fn set_int(fd: RawFd, level: i32, name: i32, v: i32) -> std::io::Result<()> {
    // SAFETY: `fd` is open (module invariant: the handle is cleared before the socket
    // closes) and the pointer is to an int of the length given.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    fn pair(addr: &str) -> Option<(TcpStream, TcpStream)> {
        let l = TcpListener::bind(addr).ok()?;
        let c = TcpStream::connect(l.local_addr().ok()?).ok()?;
        let (s, _) = l.accept().ok()?;
        Some((s, c))
    }

    #[test]
    fn tos_and_mark_reach_the_socket() {
        let (s, c) = pair("127.0.0.1:0").expect("loopback");
        let owner = SockOwner::new(s.as_raw_fd());
        let h = owner.handle();
        h.set_tos(c.local_addr().ok(), 0x10);
        assert_eq!(socket2::SockRef::from(&s).tos_v4().unwrap(), 0x10);
        h.set_mark(7);
        // SO_MARK needs CAP_NET_ADMIN: only check it when the process has it.
        if let Ok(m) = socket2::SockRef::from(&s).mark()
            && m != 0
        {
            assert_eq!(m, 7);
        }
        // Once the connection is gone, the handle does nothing.
        drop(owner);
        h.set_tos(c.local_addr().ok(), 0x20);
        assert_eq!(socket2::SockRef::from(&s).tos_v4().unwrap(), 0x10);
    }

    #[test]
    fn tclass_for_ipv6_clients() {
        let Some((s, c)) = pair("[::1]:0") else {
            return; // no IPv6 loopback here
        };
        let h = SockOwner::new(s.as_raw_fd());
        h.handle().set_tos(c.local_addr().ok(), 0x28);
        assert_eq!(socket2::SockRef::from(&s).tclass_v6().unwrap(), 0x28);
        // Out of range: refused by the kernel, ignored.
        h.handle().set_tos(c.local_addr().ok(), 1000);
        assert_eq!(socket2::SockRef::from(&s).tclass_v6().unwrap(), 0x28);
    }
}
