//! A connection as the engine and the applets use it: a TCP or unix stream plus its read
//! buffer. Reads append to the buffer (`fill`), parsers consume from its front, so bytes read
//! ahead (pipelined requests, data after a head) are never lost between owners.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// Read size: HAProxy's default `tune.bufsize`.
pub const BUFSIZE: usize = 16384;

pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

pub struct Conn {
    /// Made on demand for Lua's socket options; declared first so it is dropped (and its
    /// handles cleared) before `io` closes the socket.
    sock: Option<super::sockopt::SockOwner>,
    pub io: Stream,
    /// Bytes read and not yet consumed.
    pub rbuf: BytesMut,
    /// The peer closed its sending side (a read returned 0).
    pub read_closed: bool,
    /// Bytes `fill` has read in all (what an applet received, for the traffic log).
    pub read_total: u64,
}

impl Conn {
    pub fn new(io: Stream) -> Self {
        Conn {
            sock: None,
            io,
            rbuf: BytesMut::with_capacity(BUFSIZE),
            read_closed: false,
            read_total: 0,
        }
    }

    /// Reads once more into the buffer; `Ok(0)` at end of stream.
    pub async fn fill(&mut self) -> io::Result<usize> {
        if self.read_closed {
            return Ok(0);
        }
        if self.rbuf.capacity() - self.rbuf.len() < 4096 {
            self.rbuf.reserve(BUFSIZE);
        }
        let n = tokio::io::AsyncReadExt::read_buf(&mut self.io, &mut self.rbuf).await?;
        if n == 0 {
            self.read_closed = true;
        }
        self.read_total += n as u64;
        Ok(n)
    }

    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.io.write_all(data).await
    }

    /// Half-closes the sending side (the peer reads end of stream).
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.io.shutdown().await
    }

    /// Whether an idle connection can carry a new request: nothing arrived on it, and the
    /// peer has not closed it (a server closes idle connections whenever it likes).
    pub fn idle_usable(&self) -> bool {
        if self.read_closed || !self.rbuf.is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        let r = match &self.io {
            Stream::Tcp(s) => s.try_read(&mut probe),
            Stream::Unix(s) => s.try_read(&mut probe),
        };
        matches!(r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }

    /// The handle through which a script sets this socket's options (`TXN.set_tos`).
    pub fn sock_handle(&mut self) -> super::sockopt::SockHandle {
        use std::os::fd::AsRawFd;
        let fd = match &self.io {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        };
        self.sock
            .get_or_insert_with(|| super::sockopt::SockOwner::new(fd))
            .handle()
    }

    pub fn set_nodelay(&self) {
        if let Stream::Tcp(s) = &self.io {
            let _ = s.set_nodelay(true);
        }
    }
}
