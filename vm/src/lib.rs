//! halo-vm: a Lua 5.4 implementation on `gc-arena`, stackless and async-native.
//! See ARCHITECTURE.md for the code map.

pub mod ast;
pub mod bytecode;
pub mod compiler;
pub mod lexer;
pub mod number;
pub mod parser;
