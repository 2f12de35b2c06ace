//! What a proxy takes from its defaults section when it is declared (HAProxy's
//! `proxy_preset_defaults` + `proxy_defproxy_cpy`): settings, filtered by the proxy's
//! capabilities. Rules are not copied: a named defaults section's rules stay there and run
//! before the proxy's own (`Proxy::defaults_index`).

use super::model::{Proxy, Timeouts};

pub fn copy_defaults(p: &mut Proxy, d: &Proxy) {
    let fe = p.caps.frontend;
    let be = p.caps.backend;
    p.mode = d.mode;
    p.options = d.options.clone();
    if !fe {
        // The log format is a frontend setting: backends do not inherit it.
        p.options.httplog = false;
        p.options.httplog_clf = false;
        p.options.tcplog = false;
        p.options.log_format_loc = None;
    }
    p.logs = d.logs.clone();
    p.log_global = d.log_global;
    let t = &d.timeouts;
    p.timeouts = Timeouts {
        client: t.client.filter(|_| fe),
        client_fin: t.client_fin.filter(|_| fe),
        http_request: t.http_request.filter(|_| fe),
        http_keep_alive: t.http_keep_alive,
        tarpit: t.tarpit,
        tunnel: t.tunnel.filter(|_| be),
        server: t.server.filter(|_| be),
        server_fin: t.server_fin.filter(|_| be),
        connect: t.connect.filter(|_| be),
        queue: t.queue.filter(|_| be),
        check: t.check.filter(|_| be),
    };
    if fe {
        p.maxconn = d.maxconn;
        p.default_backend = d.default_backend.clone();
    }
    if be {
        p.balance = d.balance;
        p.retries = d.retries;
    }
}
