//! `-D` / `daemon`: detach from the terminal like HAProxy. The parent writes the pid file and
//! exits; the child starts a new session with its standard streams on /dev/null. Called before
//! any worker thread exists (forking a multi-threaded process is unsafe).

use std::io;
use std::path::Path;

pub fn daemonize(pidfile: Option<&Path>) -> io::Result<()> {
    // SAFETY: fork before any other thread is started; the child continues alone.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid > 0 {
        if let Some(p) = pidfile {
            std::fs::write(p, format!("{pid}\n"))?;
        }
        let _ = halo_vm::stdout::flush();
        std::process::exit(0);
    }
    crate::process::forget_pid();
    // SAFETY: plain system calls in the child.
    unsafe {
        if libc::setsid() < 0 {
            return Err(io::Error::last_os_error());
        }
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if devnull >= 0 {
            libc::dup2(devnull, 0);
            libc::dup2(devnull, 1);
            libc::dup2(devnull, 2);
            if devnull > 2 {
                libc::close(devnull);
            }
        }
    }
    Ok(())
}
