//! Where framed lines go: UDP and unix datagram sockets, stdout and stderr. Nothing here
//! ever blocks a worker thread.
//!
//! - Datagrams leave through one unconnected, non-blocking socket per thread and address
//!   family (HAProxy's `THREAD_LOCAL logfdinet/logfdunix`), created at the first line: workers
//!   share nothing, and a process with many proxies and targets still has three sockets per
//!   thread at most. A full socket buffer (`EAGAIN`) drops the line, as HAProxy does.
//! - stdout/stderr: HAProxy makes these descriptors non-blocking (unless they are terminals)
//!   and drops a line when the pipe is full. Making a shared descriptor non-blocking would
//!   break everything else writing to it (Rust's `println!` panics on `EAGAIN`, and the
//!   flag is shared with the parent shell), so instead each line is one `write(2)` preceded
//!   by a zero-timeout `poll`: a pipe whose reader is behind drops the line instead of
//!   stalling the event loop. A line of at most `PIPE_BUF` (4096) bytes is written whole and
//!   never interleaves with another thread's; a longer one (`len` above 4096) may, at worst,
//!   be written in part.

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::Path;

/// Why a line was not delivered.
#[derive(Debug)]
pub enum SendError {
    /// The socket buffer or pipe was full: the line is dropped and counted.
    Full,
    Io(io::Error),
}

#[derive(Default)]
struct Sockets {
    v4: Option<UdpSocket>,
    v6: Option<UdpSocket>,
    unix: Option<UnixDatagram>,
}

thread_local! {
    static SOCKETS: RefCell<Sockets> = RefCell::new(Sockets::default());
}

fn classify(e: io::Error) -> SendError {
    if e.kind() == io::ErrorKind::WouldBlock {
        SendError::Full
    } else {
        SendError::Io(e)
    }
}

fn udp_socket(v6: bool) -> io::Result<UdpSocket> {
    let s = if v6 {
        UdpSocket::bind("[::]:0")?
    } else {
        UdpSocket::bind("0.0.0.0:0")?
    };
    s.set_nonblocking(true)?;
    Ok(s)
}

/// One datagram to a UDP syslog server.
pub fn send_udp(addr: SocketAddr, line: &[u8]) -> Result<(), SendError> {
    SOCKETS.with(|s| {
        let mut s = s.borrow_mut();
        let slot = if addr.is_ipv6() { &mut s.v6 } else { &mut s.v4 };
        if slot.is_none() {
            *slot = Some(udp_socket(addr.is_ipv6()).map_err(SendError::Io)?);
        }
        let sock = slot.as_ref().expect("just created");
        sock.send_to(line, addr).map(|_| ()).map_err(classify)
    })
}

/// One datagram to a unix datagram socket (`/dev/log`).
pub fn send_unix(path: &Path, line: &[u8]) -> Result<(), SendError> {
    SOCKETS.with(|s| {
        let mut s = s.borrow_mut();
        if s.unix.is_none() {
            let u = UnixDatagram::unbound().map_err(SendError::Io)?;
            u.set_nonblocking(true).map_err(SendError::Io)?;
            s.unix = Some(u);
        }
        let sock = s.unix.as_ref().expect("just created");
        sock.send_to(line, path).map(|_| ()).map_err(classify)
    })
}

/// One line on file descriptor 1 or 2, without blocking (see the module comment).
pub fn write_fd(fd: i32, line: &[u8]) -> Result<(), SendError> {
    let mut rest = line;
    while !rest.is_empty() {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: `p` is a valid pollfd for the duration of the call.
        let r = unsafe { libc::poll(&mut p, 1, 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(SendError::Io(e));
        }
        if r == 0 || p.revents & libc::POLLOUT == 0 {
            if p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                return Err(SendError::Io(io::Error::from_raw_os_error(libc::EPIPE)));
            }
            return Err(SendError::Full);
        }
        // SAFETY: `rest` is a valid readable buffer of `rest.len()` bytes.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(classify(e));
        }
        rest = &rest[n as usize..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipe() -> (i32, i32) {
        let mut fds = [0i32; 2];
        // SAFETY: `fds` has room for the two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        (fds[0], fds[1])
    }

    fn close(fd: i32) {
        // SAFETY: the test owns the descriptor.
        unsafe { libc::close(fd) };
    }

    /// The stdout/stderr path on a pipe nobody drains: lines go through whole until the pipe
    /// is nearly full, then are refused as `Full` instead of blocking the thread.
    #[test]
    fn fd_writes_never_block() {
        let (r, w) = pipe();
        write_fd(w, b"one line\n").unwrap();
        let mut buf = [0u8; 64];
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { libc::read(r, buf.as_mut_ptr().cast(), buf.len()) };
        assert_eq!(&buf[..n as usize], b"one line\n");
        let line = [b'x'; 1000];
        let mut full = false;
        for _ in 0..1000 {
            match write_fd(w, &line) {
                Ok(()) => {}
                Err(SendError::Full) => {
                    full = true;
                    break;
                }
                Err(SendError::Io(e)) => panic!("{e}"),
            }
        }
        assert!(full, "a pipe without reader fills up and refuses lines");
        close(r);
        // Reader gone: an error, not a signal or a hang.
        assert!(matches!(write_fd(w, b"x\n"), Err(SendError::Io(_))));
        close(w);
    }

    #[test]
    fn udp_to_nowhere_does_not_fail_the_caller() {
        // Nothing listens there: UDP sends succeed or report an error; either way no panic.
        let _ = send_udp("127.0.0.1:25699".parse().unwrap(), b"x\n");
        let r = send_unix(Path::new("/nonexistent/halo-log.sock"), b"x\n");
        assert!(matches!(r, Err(SendError::Io(_))));
    }
}
