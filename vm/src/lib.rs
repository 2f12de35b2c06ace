//! halo-vm: a Lua 5.4 implementation on `gc-arena`, stackless and async-native.
//! See ARCHITECTURE.md for the code map.

pub mod args;
pub mod ast;
pub mod baselib;
pub mod bytecode;
pub mod callback;
pub mod closure;
pub mod compiler;
mod debug;
pub mod debuglib;
pub mod exec;
pub mod gc;
pub mod interp;
pub mod lexer;
pub mod memory;
pub mod meta;
pub mod number;
pub mod parser;
pub mod state;
pub mod stdout;
pub mod string;
pub mod table;
pub mod task;
pub mod thread;
pub mod userdata;
pub mod value;

pub use callback::{Action, Error, NativeFn, Sequence, Stack};
pub use closure::{Closure, NativeFunction};
pub use state::{Ctx, Lua};
pub use string::LuaString;
pub use table::Table;
pub use task::{ErrorKind, LuaTask, RunError, StaticValue};
pub use thread::Thread;
pub use userdata::UserData;
pub use value::{Function, Value};
