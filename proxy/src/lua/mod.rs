//! HAProxy's Lua API on halo-vm: the `core` table, the classes (TXN, Channel, HTTP, AppletTCP,
//! AppletHTTP, Fetches, Converters), and the runtime that runs every execution context.

pub mod applet_http;
pub mod applet_io;
pub mod applet_tcp;
pub mod channel;
pub mod class;
pub mod classes;
pub mod corelib;
pub mod fetches;
pub mod http_class;
pub mod invocation;
pub mod invoke;
pub mod priv_data;
pub mod runtime;
pub mod sample_conv;
pub mod socket;
pub mod socket_addr;
pub mod socket_conn;
pub mod socket_tls;
pub mod txn;
