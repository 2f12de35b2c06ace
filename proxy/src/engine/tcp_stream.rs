//! A TCP-mode stream: the frontend's `tcp-request` rules, then either a Lua TCP service on the
//! client connection or a backend server with bytes forwarded both ways.

use std::rc::Rc;

use super::backend;
use super::listener::Accepted;
use super::tunnel;
use super::worker::Worker;

/// The idle timeout of a tunnel: `timeout tunnel`, else the larger of client and server
/// (HAProxy applies each to its side; one timer for both directions is Halo's approximation,
/// see docs/COMPAT.md).
pub fn tunnel_idle(
    fe: &super::proxy::Timeouts,
    be: &super::proxy::Timeouts,
) -> Option<std::time::Duration> {
    be.tunnel.or(fe.tunnel).or(match (fe.client, be.server) {
        (Some(c), Some(s)) => Some(c.max(s)),
        (c, s) => c.or(s),
    })
}

pub async fn serve(worker: Rc<Worker>, fe_idx: usize, a: Accepted) {
    let fe = &worker.plan.frontends[fe_idx];
    let Some(be_idx) = fe.default_backend else {
        // No backend: HAProxy closes the connection.
        return;
    };
    let be = &worker.plan.backends[be_idx];
    let st = &worker.backends[be_idx];
    if let Ok((slot, server)) = backend::connect(be, st, a.peer, a.local).await {
        let idle = tunnel_idle(&fe.timeouts, &be.timeouts);
        tunnel::run(a.conn, server, idle).await;
        drop(slot);
    }
}
