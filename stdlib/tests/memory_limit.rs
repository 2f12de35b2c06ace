//! Library functions that build one string from many pieces respect the state's memory limit
//! while they build it: "not enough memory" (catchable, as with PUC-Rio's allocator failing),
//! never gigabytes allocated behind the limit's back. Found by probing the `execute` fuzz
//! target (fuzz/), whose sandbox has a 32 MiB limit: each script below took 1 to 4 GB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use halo_vm::{Lua, StaticValue};

const LIMIT: usize = 32 << 20;

/// Counts the bytes the process has allocated, so a test can tell "not enough memory" raised
/// before building a huge string from the same error raised after it was built.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What the tests of this binary may allocate at once (they run in parallel, each state under
/// `LIMIT`); every script below allocated 1 GB or more before the fix.
const PEAK_BOUND: usize = 512 << 20;

fn run(code: &str) -> Result<Vec<StaticValue>, String> {
    let mut lua = Lua::new();
    lua.enter(halo_stdlib::open_all);
    lua.set_memory_limit(Some(LIMIT));
    lua.execute(|ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, code.as_bytes(), b"=test", None)?;
        Ok((f.into(), Vec::new()))
    })
    .map_err(|e| e.message)
}

/// `code` is the body of a function run under `pcall`: it must fail for lack of memory.
fn out_of_memory(code: &str) {
    let script = format!(
        "local big = ('x'):rep(1 << 20)\n\
         local ok, e = pcall(function() {code} end)\n\
         assert(not ok, 'no error')\n\
         return e"
    );
    let r = run(&script);
    assert_eq!(
        r,
        Ok(vec![StaticValue::String(b"not enough memory".to_vec())]),
        "{code}"
    );
    let peak = PEAK.load(Ordering::Relaxed);
    assert!(peak < PEAK_BOUND, "{code}: {} MiB allocated", peak >> 20);
}

#[test]
fn string_rep() {
    out_of_memory("return ('x'):rep(1 << 30)");
    out_of_memory("return ('ab'):rep(1e8, 'c')");
    out_of_memory("return big:rep(64)");
}

#[test]
fn table_concat() {
    out_of_memory("local t = {} for i = 1, 2000 do t[i] = big end return table.concat(t)");
    out_of_memory("return table.concat({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, big:rep(4))");
    out_of_memory(
        "local t = setmetatable({}, {__index = function() return big end, __len = function() \
         return 2000 end}) return table.concat(t)",
    );
}

#[test]
fn string_format() {
    out_of_memory(
        "return string.format(('%s'):rep(2000), table.unpack(setmetatable({}, \
         {__index = function() return big end}), 1, 2000))",
    );
    out_of_memory(
        "local o = setmetatable({}, {__tostring = function() return big end}) \
         return string.format(('%s'):rep(100), table.unpack(setmetatable({}, \
         {__index = function() return o end}), 1, 100))",
    );
}

#[test]
fn string_gsub() {
    out_of_memory("return (('x'):rep(1 << 16)):gsub('.', ('%0'):rep(1 << 14))");
    out_of_memory("return (('x'):rep(1 << 16)):gsub('.', ('y'):rep(1 << 14))");
    out_of_memory("return (('x'):rep(100)):gsub('.', function() return big end)");
    out_of_memory("return (('x'):rep(100)):gsub('.', {x = big})");
}

#[test]
fn string_pack() {
    out_of_memory(
        "return string.pack(('s4'):rep(100), table.unpack(setmetatable({}, \
         {__index = function() return big end}), 1, 100))",
    );
    out_of_memory("return string.pack('c1000000000', 'a')");
    out_of_memory(
        "return string.pack(('c30000000'):rep(100), table.unpack(setmetatable({}, \
         {__index = function() return 'a' end}), 1, 100))",
    );
    out_of_memory(
        "return string.pack(('z'):rep(100), table.unpack(setmetatable({}, \
         {__index = function() return big end}), 1, 100))",
    );
}

/// Results that fit are still built.
#[test]
fn within_the_limit() {
    let r = run(
        "return #('x'):rep(1 << 20) + #table.concat({('y'):rep(1000)}, ',', 1, 1) \
                 + #string.format('%s%s', 'a', 'b') + #(('x'):rep(10)):gsub('x', '%0%0')",
    );
    assert_eq!(r, Ok(vec![StaticValue::Integer((1 << 20) + 1000 + 2 + 20)]));
}
