//! `halo`: HAProxy's command line, configuration and Lua scripts, on Halo's engine.

// Every request allocates small short-lived buffers and Lua objects; mimalloc serves them
// faster than glibc's malloc (malloc and free were about a tenth of a Lua hello-world's
// profile), and its per-thread heaps suit one runtime per worker thread.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(halo::startup::main(args));
}
