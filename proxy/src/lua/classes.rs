//! Defines every HAProxy class metatable in a new state (see `class.rs` for the object model).

use halo_vm::Ctx;

pub fn open(ctx: Ctx<'_>) {
    super::applet_tcp::define(ctx);
    super::applet_http::define(ctx);
    super::txn::define(ctx);
    super::http_class::define(ctx);
    super::fetches::define(ctx);
    super::channel::define(ctx);
    super::regex_class::open(ctx);
    super::map_class::open(ctx);
    super::concat::define(ctx);
}
