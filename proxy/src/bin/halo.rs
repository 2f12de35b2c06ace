//! `halo`: HAProxy's command line, configuration and Lua scripts, on Halo's engine.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(halo::startup::main(args));
}
