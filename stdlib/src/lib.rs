//! halo-stdlib: the Lua 5.4 standard library on halo-vm's public API.
//!
//! `open_all` opens everything available; the base library and `coroutine` come from
//! `halo_vm::baselib` (they are intimate with the VM). The pure engines below (patterns, pack
//! formats, strftime) are independent of the VM and tested on their own; the library modules
//! wire them to Lua (see docs/COMPAT.md for what is open today).

use halo_vm::Ctx;

mod bytestrings;
pub mod file;
pub mod fileresult;
mod format;
pub mod iolib;
pub mod loadfile;
pub mod localtime;
pub mod mathlib;
pub mod metaops;
pub mod oslib;
pub mod pack;
pub mod package;
pub mod pattern;
mod scratch;
pub mod sort;
pub mod stream;
pub mod strftime;
pub mod strlib;
mod strmatch;
pub mod tablib;
pub mod utf8lib;

/// Which libraries `open_selected` opens (the base library and `coroutine` always are).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Libs {
    pub table: bool,
    pub io: bool,
    pub os: bool,
    pub string: bool,
    pub math: bool,
    pub utf8: bool,
    pub package: bool,
    pub debug: bool,
    /// `io.popen` works (else it raises "'popen' not supported").
    pub popen: bool,
}

impl Libs {
    /// Everything, `io.popen` included: `halo-lua`.
    pub const ALL: Libs = Libs {
        table: true,
        io: true,
        os: true,
        string: true,
        math: true,
        utf8: true,
        package: true,
        debug: true,
        popen: true,
    };
}

/// Opens the standard library into the state's globals.
pub fn open_all(ctx: Ctx<'_>) {
    open_selected(ctx, &Libs::ALL);
}

/// Opens the base library, `coroutine`, and the libraries `libs` selects (a host's
/// `tune.lua.openlibs`).
pub fn open_selected(ctx: Ctx<'_>, libs: &Libs) {
    halo_vm::baselib::open(ctx);
    if libs.debug {
        halo_vm::debuglib::open(ctx);
    }
    if libs.table {
        tablib::open(ctx);
    }
    if libs.math {
        mathlib::open(ctx);
    }
    if libs.os {
        oslib::open(ctx);
    }
    if libs.string {
        strlib::open(ctx);
    }
    if libs.utf8 {
        utf8lib::open(ctx);
    }
    // `dofile`/`loadfile` are base functions.
    loadfile::open(ctx);
    if libs.io {
        iolib::open(ctx, libs.popen);
    }
    // Last: records every library opened above in package.loaded.
    if libs.package {
        package::open(ctx);
    }
}
