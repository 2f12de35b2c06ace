//! A C-stdio-like buffered stream: what a Lua file handle (`FILE*` in PUC-Rio) reads and writes
//! through.
//!
//! One stream reads and writes the same OS object with C's rules: a read buffer that can be
//! peeked one byte ahead (what `ungetc` gives `read_number`), a write buffer flushed by size,
//! by newline (line mode) or at once (unbuffered), `seek` that accounts for both buffers, and
//! the error/end-of-file indicators that `clearerr` resets before each `read`. Nothing here
//! knows Lua.
//!
//! Invariant: at most one of the two buffers holds data. A write first gives back unread input
//! (seeking back over it) and a read first flushes pending output, so the OS position and the
//! logical position differ only by the buffered bytes.
//!
//! The process's standard output and error are written through Rust's own `Stdout`/`Stderr`, so
//! `io.write` and `print` (which writes `std::io::stdout()`) share one buffer and keep their
//! order. Standard input is one process-wide stream (`stdin()`), shared by `io.stdin`,
//! `loadfile()` and `halo-lua`'s own reading, as C's `stdin` is.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::process::{ChildStdin, ChildStdout};
use std::sync::{LazyLock, Mutex, MutexGuard};

// errno values for the errors the stream itself reports (Linux, the platform Halo targets).
/// Bad file descriptor: reading a write-only stream, writing a read-only one.
pub const EBADF: i32 = 9;
/// Invalid argument: seeking before the start of a file.
pub const EINVAL: i32 = 22;
/// Illegal seek: seeking a pipe.
pub const ESPIPE: i32 = 29;

/// glibc gives a regular file a buffer of its block size; 4 KiB on the usual file systems,
/// doubled here (it only changes how often the OS is called, never what a script sees).
pub const DEFAULT_BUFFER: usize = 8192;
/// Largest buffer `setvbuf` may ask for (a bigger request is clamped: memory stays bounded).
const MAX_BUFFER: usize = 1 << 24;

/// The OS object under a stream.
pub enum Inner {
    File(File),
    /// The read end of a pipe from a child (`io.popen(prog, "r")`).
    PipeRead(ChildStdout),
    /// The write end of a pipe to a child (`io.popen(prog, "w")`).
    PipeWrite(ChildStdin),
    /// The process's standard output, through Rust's (shared, line-buffered) `Stdout`.
    Stdout,
    /// The process's standard error, through Rust's (unbuffered) `Stderr`.
    Stderr,
    /// A standard stream whose descriptor is not open: every operation fails with EBADF.
    Missing,
}

/// `setvbuf`'s modes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BufMode {
    No,
    Full,
    Line,
}

/// `seek`'s bases.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Whence {
    Set,
    Cur,
    End,
}

pub struct Stream {
    inner: Inner,
    rbuf: Vec<u8>,
    rpos: usize,
    rend: usize,
    wbuf: Vec<u8>,
    size: usize,
    mode: BufMode,
    readable: bool,
    writable: bool,
    /// Flush Rust's stdout before reading from the OS (glibc flushes line-buffered stdout
    /// before a line-buffered or unbuffered read: an `io.write` prompt shows before `io.read`).
    flush_stdout_on_fill: bool,
    eof: bool,
    error: Option<io::Error>,
}

fn os_error(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

impl Stream {
    pub fn new(inner: Inner, readable: bool, writable: bool) -> Self {
        let mode = match inner {
            // C's stderr is unbuffered; stdout's buffering is Rust's own.
            Inner::Stderr => BufMode::No,
            _ => BufMode::Full,
        };
        Stream {
            inner,
            rbuf: Vec::new(),
            rpos: 0,
            rend: 0,
            wbuf: Vec::new(),
            size: DEFAULT_BUFFER,
            mode,
            readable,
            writable,
            flush_stdout_on_fill: false,
            eof: false,
            error: None,
        }
    }

    /// `clearerr`: forget end of file and errors (done before each `read`).
    pub fn clear_flags(&mut self) {
        self.eof = false;
        self.error = None;
    }

    /// The error a read met since `clear_flags` (`ferror` plus its `errno`).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    fn is_std_out(&self) -> bool {
        matches!(self.inner, Inner::Stdout | Inner::Stderr)
    }

    // ------------------------------------------------------------------ reading

    /// Makes buffered input available; false at end of file or on error (recorded).
    fn fill(&mut self) -> bool {
        if self.rpos < self.rend {
            return true;
        }
        if self.eof || self.error.is_some() {
            return false;
        }
        if !self.readable {
            self.error = Some(os_error(EBADF));
            return false;
        }
        if let Err(e) = self.flush_buffer() {
            self.error = Some(e);
            return false;
        }
        if self.flush_stdout_on_fill {
            halo_vm::stdout::flush_if_line_buffered();
        }
        // Unbuffered input reads one byte at a time, so nothing past what is consumed is taken
        // from a shared descriptor (a child process may read the rest).
        let cap = if self.mode == BufMode::No {
            1
        } else {
            self.size
        };
        if self.rbuf.len() != cap {
            self.rbuf = vec![0; cap];
        }
        self.rpos = 0;
        self.rend = 0;
        loop {
            match read_inner(&mut self.inner, &mut self.rbuf) {
                Ok(0) => {
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.rend = n;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    return false;
                }
            }
        }
    }

    /// The next byte without consuming it (C's `getc` + `ungetc`).
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        if self.rpos < self.rend || self.fill() {
            Some(self.rbuf[self.rpos])
        } else {
            None
        }
    }

    /// Consumes the byte `peek` returned.
    #[inline]
    pub fn bump(&mut self) {
        debug_assert!(self.rpos < self.rend);
        self.rpos += 1;
    }

    /// Whether any byte can still be read (`test_eof` of liolib, for `read(0)`).
    pub fn has_input(&mut self) -> bool {
        self.peek().is_some()
    }

    /// A whole line when it is already in the buffer (the common case, read without copying
    /// it twice); `None` when `read_line` must assemble it.
    pub fn buffered_line(&mut self, keep_newline: bool) -> Option<&[u8]> {
        if self.rpos == self.rend && !self.fill() {
            return None;
        }
        let start = self.rpos;
        let i = self.rbuf[start..self.rend]
            .iter()
            .position(|&b| b == b'\n')?;
        self.rpos = start + i + 1;
        Some(&self.rbuf[start..start + i + usize::from(keep_newline)])
    }

    /// `n` bytes when they are already in the buffer.
    pub fn buffered_chars(&mut self, n: u64) -> Option<&[u8]> {
        if self.rpos == self.rend && !self.fill() {
            return None;
        }
        let start = self.rpos;
        if ((self.rend - start) as u64) < n {
            return None;
        }
        self.rpos = start + n as usize;
        Some(&self.rbuf[start..self.rpos])
    }

    /// Appends one line to `out`, with its newline when `keep_newline`. Returns whether a
    /// newline ended it (else end of file or an error did).
    pub fn read_line(&mut self, out: &mut Vec<u8>, keep_newline: bool) -> bool {
        loop {
            if !self.fill() {
                return false;
            }
            let avail = &self.rbuf[self.rpos..self.rend];
            if let Some(i) = avail.iter().position(|&b| b == b'\n') {
                out.extend_from_slice(&avail[..i + usize::from(keep_newline)]);
                self.rpos += i + 1;
                return true;
            }
            out.extend_from_slice(avail);
            self.rpos = self.rend;
        }
    }

    /// Appends up to `n` bytes to `out`; returns how many were read.
    pub fn read_chars(&mut self, out: &mut Vec<u8>, n: u64) -> u64 {
        let start = out.len();
        loop {
            let got = (out.len() - start) as u64;
            let left = n - got;
            if left == 0 {
                return got;
            }
            if self.rpos < self.rend {
                let take = ((self.rend - self.rpos) as u64).min(left) as usize;
                out.extend_from_slice(&self.rbuf[self.rpos..self.rpos + take]);
                self.rpos += take;
                continue;
            }
            // Large requests go straight to the OS rather than through the buffer.
            let more = if left >= self.size as u64 && self.mode != BufMode::No {
                self.direct_read(out, left)
            } else {
                self.fill()
            };
            if !more {
                return got;
            }
        }
    }

    /// Reads at most `max` bytes straight into `out`; false at end of file or on error.
    fn direct_read(&mut self, out: &mut Vec<u8>, max: u64) -> bool {
        if self.eof || self.error.is_some() {
            return false;
        }
        if let Err(e) = self.flush_buffer() {
            self.error = Some(e);
            return false;
        }
        let chunk = max.min(1 << 20) as usize;
        let start = out.len();
        out.resize(start + chunk, 0);
        loop {
            match read_inner(&mut self.inner, &mut out[start..]) {
                Ok(0) => {
                    out.truncate(start);
                    self.eof = true;
                    return false;
                }
                Ok(k) => {
                    out.truncate(start + k);
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    out.truncate(start);
                    self.error = Some(e);
                    return false;
                }
            }
        }
    }

    /// Appends everything up to end of file to `out`.
    pub fn read_all(&mut self, out: &mut Vec<u8>) {
        if self.rpos < self.rend {
            out.extend_from_slice(&self.rbuf[self.rpos..self.rend]);
            self.rpos = self.rend;
        }
        if self.mode == BufMode::No {
            while self.fill() {
                out.push(self.rbuf[self.rpos]);
                self.rpos += 1;
            }
            return;
        }
        while self.direct_read(out, 1 << 16) {}
    }

    // ------------------------------------------------------------------ writing

    /// Writes `data` (buffered per the mode).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.writable {
            return Err(os_error(EBADF));
        }
        if self.is_std_out() {
            return self.write_std(data);
        }
        self.give_back_input();
        match self.mode {
            BufMode::No => write_inner(&mut self.inner, data),
            BufMode::Full | BufMode::Line => {
                if self.wbuf.len() + data.len() > self.size {
                    self.flush_buffer()?;
                }
                if data.len() >= self.size {
                    write_inner(&mut self.inner, data)?;
                } else {
                    self.wbuf.extend_from_slice(data);
                }
                if self.mode == BufMode::Line && data.contains(&b'\n') {
                    self.flush_buffer()?;
                }
                Ok(())
            }
        }
    }

    fn write_std(&mut self, data: &[u8]) -> io::Result<()> {
        match self.inner {
            // Shared with `print` (see `halo_vm::stdout`), which owns stdout's buffering.
            Inner::Stdout => halo_vm::stdout::write(data),
            _ => io::stderr().lock().write_all(data),
        }
    }

    /// Before writing after reading: the OS position is past the unread input, so seek back
    /// over it (C requires a seek between the two; this makes the mix safe anyway).
    fn give_back_input(&mut self) {
        let unread = self.rend - self.rpos;
        if unread > 0 {
            let _ = seek_inner(&mut self.inner, SeekFrom::Current(-(unread as i64)));
        }
        self.rpos = 0;
        self.rend = 0;
    }

    /// Writes out the write buffer (dropping it on error, so a failed flush is not retried
    /// forever).
    fn flush_buffer(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let r = write_inner(&mut self.inner, &self.wbuf);
        self.wbuf.clear();
        r
    }

    /// `fflush`.
    pub fn flush(&mut self) -> io::Result<()> {
        self.flush_buffer()?;
        match &mut self.inner {
            Inner::Stdout => halo_vm::stdout::flush(),
            Inner::Stderr => io::stderr().flush(),
            Inner::PipeWrite(p) => p.flush(),
            _ => Ok(()),
        }
    }

    // ------------------------------------------------------------------ positioning

    /// `fseek` then `ftell`: the new position from the start of the file.
    pub fn seek(&mut self, whence: Whence, offset: i64) -> io::Result<u64> {
        self.flush_buffer()?;
        let unread = (self.rend - self.rpos) as i64;
        if whence == Whence::Cur && offset == 0 {
            // ftell: the logical position, keeping the buffered input.
            let os = seek_inner(&mut self.inner, SeekFrom::Current(0))?;
            return Ok(os.saturating_sub(unread as u64));
        }
        let target = match whence {
            Whence::Set => SeekFrom::Start(u64::try_from(offset).map_err(|_| os_error(EINVAL))?),
            Whence::Cur => {
                SeekFrom::Current(offset.checked_sub(unread).ok_or_else(|| os_error(EINVAL))?)
            }
            Whence::End => SeekFrom::End(offset),
        };
        let pos = seek_inner(&mut self.inner, target)?;
        self.rpos = 0;
        self.rend = 0;
        self.eof = false;
        Ok(pos)
    }

    /// `setvbuf`: pending output is written first; buffered input stays readable.
    pub fn set_buffering(&mut self, mode: BufMode, size: i64) -> io::Result<()> {
        self.flush_buffer()?;
        if matches!(self.inner, Inner::Stdout) {
            let m = match mode {
                BufMode::No => halo_vm::stdout::Mode::No,
                BufMode::Line => halo_vm::stdout::Mode::Line,
                BufMode::Full => halo_vm::stdout::Mode::Full,
            };
            halo_vm::stdout::set_mode(m, (size > 0).then_some(size as usize))?;
        }
        self.mode = mode;
        if size > 0 {
            self.size = (size as u64).min(MAX_BUFFER as u64) as usize;
        }
        Ok(())
    }

    /// Writes pending output and gives the OS object back (the stream is gone).
    pub fn close(mut self) -> io::Result<()> {
        let r = self.flush();
        self.inner = Inner::Missing;
        r
    }
}

impl Drop for Stream {
    /// A stream dropped without `close` (garbage-collected file, state closed) still writes
    /// its pending output, as C's exit and `__gc` do.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

fn read_inner(inner: &mut Inner, buf: &mut [u8]) -> io::Result<usize> {
    match inner {
        Inner::File(f) => f.read(buf),
        Inner::PipeRead(p) => p.read(buf),
        Inner::PipeWrite(_) | Inner::Stdout | Inner::Stderr | Inner::Missing => {
            Err(os_error(EBADF))
        }
    }
}

fn write_inner(inner: &mut Inner, data: &[u8]) -> io::Result<()> {
    match inner {
        Inner::File(f) => f.write_all(data),
        Inner::PipeWrite(p) => p.write_all(data),
        Inner::Stdout => halo_vm::stdout::write(data),
        Inner::Stderr => io::stderr().lock().write_all(data),
        Inner::PipeRead(_) | Inner::Missing => Err(os_error(EBADF)),
    }
}

fn seek_inner(inner: &mut Inner, to: SeekFrom) -> io::Result<u64> {
    match inner {
        Inner::File(f) => f.seek(to),
        Inner::PipeRead(_) | Inner::PipeWrite(_) => Err(os_error(ESPIPE)),
        // A duplicate descriptor shares the file offset, so seeking it seeks fd 1 or 2 (after
        // Rust's buffer is written out).
        Inner::Stdout => {
            halo_vm::stdout::flush()?;
            File::from(io::stdout().as_fd().try_clone_to_owned()?).seek(to)
        }
        Inner::Stderr => File::from(io::stderr().as_fd().try_clone_to_owned()?).seek(to),
        Inner::Missing => Err(os_error(EBADF)),
    }
}

static STDIN: LazyLock<Mutex<Stream>> = LazyLock::new(|| {
    // A duplicate of descriptor 0 (sharing its offset), read through our own buffer.
    let inner = match io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => Inner::File(File::from(fd)),
        Err(_) => Inner::Missing,
    };
    let mut s = Stream::new(inner, true, false);
    s.flush_stdout_on_fill = true;
    Mutex::new(s)
});

/// The process's standard input stream (C's `stdin`).
pub fn stdin() -> MutexGuard<'static, Stream> {
    STDIN.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(content: &[u8]) -> (std::path::PathBuf, Stream) {
        let path = std::env::temp_dir().join(format!(
            "halo-stream-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, content).unwrap();
        let f = File::options().read(true).write(true).open(&path).unwrap();
        (path, Stream::new(Inner::File(f), true, true))
    }

    #[test]
    fn lines_counts_and_all() {
        let (path, mut s) = temp(b"one\ntwo\nthree");
        let mut out = Vec::new();
        assert!(s.read_line(&mut out, false));
        assert_eq!(out, b"one");
        out.clear();
        assert!(s.read_line(&mut out, true));
        assert_eq!(out, b"two\n");
        out.clear();
        assert_eq!(s.read_chars(&mut out, 2), 2);
        assert_eq!(out, b"th");
        out.clear();
        s.read_all(&mut out);
        assert_eq!(out, b"ree");
        assert!(!s.has_input());
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn seek_accounts_for_buffers() {
        let (path, mut s) = temp(b"0123456789");
        assert_eq!(s.peek(), Some(b'0'));
        s.bump();
        assert_eq!(s.seek(Whence::Cur, 0).unwrap(), 1);
        assert_eq!(s.seek(Whence::Cur, 2).unwrap(), 3);
        assert_eq!(s.peek(), Some(b'3'));
        s.write(b"AB").unwrap();
        assert_eq!(s.seek(Whence::Cur, 0).unwrap(), 5);
        assert_eq!(s.seek(Whence::Set, 0).unwrap(), 0);
        let mut out = Vec::new();
        s.read_all(&mut out);
        assert_eq!(out, b"012AB56789");
        assert_eq!(s.seek(Whence::End, -1).unwrap(), 9);
        assert_eq!(
            s.seek(Whence::Set, -1).unwrap_err().raw_os_error(),
            Some(EINVAL)
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn big_counts_bypass_the_buffer() {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let (path, mut s) = temp(&data);
        let mut out = Vec::new();
        assert_eq!(s.read_chars(&mut out, 3), 3);
        assert_eq!(s.read_chars(&mut out, 60_000), 60_000);
        assert_eq!(s.read_chars(&mut out, 1 << 40), 100_000 - 60_003);
        assert_eq!(out, data);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn permissions_give_ebadf() {
        let (path, _) = temp(b"x");
        let f = File::open(&path).unwrap();
        let mut s = Stream::new(Inner::File(f), true, false);
        assert_eq!(s.write(b"y").unwrap_err().raw_os_error(), Some(EBADF));
        let f = File::options().write(true).open(&path).unwrap();
        let mut s = Stream::new(Inner::File(f), false, true);
        assert!(!s.has_input());
        assert_eq!(s.take_error().unwrap().raw_os_error(), Some(EBADF));
        std::fs::remove_file(path).unwrap();
    }
}
