//! The process's standard output buffered the way C's stdio buffers `stdout`: line by line on
//! a terminal, in blocks otherwise (a pipe or a file). `print` and the io library's
//! `io.stdout` both write here, so their output keeps its order, and `io.write` to a pipe makes
//! one system call per block instead of one per line. `print` flushes after each call, as
//! PUC-Rio's `lua_writeline` does.
//!
//! Everything is flushed by `flush()`: the host calls it at exit (halo-lua does on every exit
//! path), `io.stdout:flush()` and `os.exit` do, and reading standard input flushes a
//! line-buffered stdout first, as glibc does.

use std::io::{self, IsTerminal, Write};
use std::sync::{Mutex, MutexGuard};

/// C's `_IONBF`, `_IOLBF`, `_IOFBF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    No,
    Line,
    Full,
}

struct Out {
    buf: Vec<u8>,
    mode: Option<Mode>,
    size: usize,
}

/// glibc's buffer size for a pipe or file (`st_blksize`).
const DEFAULT_SIZE: usize = 4096;

static OUT: Mutex<Out> = Mutex::new(Out {
    buf: Vec::new(),
    mode: None,
    size: DEFAULT_SIZE,
});

fn out() -> MutexGuard<'static, Out> {
    OUT.lock().unwrap_or_else(|e| e.into_inner())
}

impl Out {
    fn mode(&mut self) -> Mode {
        *self.mode.get_or_insert_with(|| {
            if io::stdout().is_terminal() {
                Mode::Line
            } else {
                Mode::Full
            }
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut so = io::stdout().lock();
        let r = so.write_all(&self.buf).and_then(|_| so.flush());
        // A failed write is not retried forever (C drops the buffer too).
        self.buf.clear();
        r
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match self.mode() {
            Mode::No => {
                self.flush()?;
                let mut so = io::stdout().lock();
                so.write_all(data)?;
                so.flush()
            }
            Mode::Line => {
                self.buf.extend_from_slice(data);
                if data.contains(&b'\n') || self.buf.len() >= self.size {
                    self.flush()?;
                }
                Ok(())
            }
            Mode::Full => {
                if self.buf.len() + data.len() > self.size {
                    self.flush()?;
                }
                if data.len() >= self.size {
                    let mut so = io::stdout().lock();
                    so.write_all(data)?;
                    so.flush()
                } else {
                    self.buf.extend_from_slice(data);
                    Ok(())
                }
            }
        }
    }
}

/// Writes `data` (buffered according to the mode).
pub fn write(data: &[u8]) -> io::Result<()> {
    out().write(data)
}

/// Writes several pieces as one buffered write (`print`'s arguments, tabs and newline).
pub fn write_pieces(pieces: &[&[u8]]) -> io::Result<()> {
    let mut o = out();
    for p in pieces {
        o.write(p)?;
    }
    Ok(())
}

/// Writes out what is buffered (`fflush(stdout)`).
pub fn flush() -> io::Result<()> {
    out().flush()
}

/// Flushes when line-buffered (what glibc does before reading from the terminal).
pub fn flush_if_line_buffered() {
    let mut o = out();
    if o.mode() != Mode::Full {
        let _ = o.flush();
    }
}

/// `io.stdout:setvbuf(mode, size)`.
pub fn set_mode(mode: Mode, size: Option<usize>) -> io::Result<()> {
    let mut o = out();
    o.flush()?;
    o.mode = Some(mode);
    if let Some(s) = size {
        o.size = s.max(1);
    }
    Ok(())
}
