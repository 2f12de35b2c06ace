//! HAProxy's Lua API on halo-vm: the `core` table, the classes (TXN, Channel, HTTP, AppletTCP,
//! AppletHTTP, Fetches, Converters, Regex, Map, Concat), and the runtime that runs every execution
//! context.

pub mod applet_http;
pub mod applet_io;
pub mod applet_tcp;
pub mod channel;
pub mod class;
pub mod classes;
pub mod concat;
pub mod core_addr;
pub mod core_date;
pub mod core_maps;
pub mod core_tokenize;
pub mod corelib;
pub mod cstr;
pub mod fetches;
pub mod http_class;
pub mod invocation;
pub mod invoke;
pub mod map_class;
pub mod priv_data;
pub mod regex_class;
pub mod runtime;
pub mod sample_conv;
pub mod socket;
pub mod socket_addr;
pub mod socket_conn;
pub mod socket_tls;
pub mod txn;
