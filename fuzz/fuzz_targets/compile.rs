//! Arbitrary bytes as Lua source: the front end (lexer, parser, compiler) returns a prototype or
//! a syntax error, never panics, and never overflows the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = halo_vm::parser::chunk_id(b"=fuzz");
    let Ok(chunk) = halo_vm::parser::parse(data, &name) else {
        return;
    };
    let r = halo_vm::compiler::compile(&chunk, b"=fuzz"[..].into(), &name);
    if let Err(e) = r {
        assert!(e.message.starts_with("fuzz:"), "{}", e.message);
    }
});
