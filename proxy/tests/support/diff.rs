//! Differential runs: the same configuration and scripts under `halo` and the real `haproxy`,
//! the same requests to both, the responses compared.

use super::client::{Client, Response};
use super::proxy::{Engine, Proxy, Setup};

pub struct Pair {
    pub halo: Proxy,
    pub haproxy: Proxy,
}

/// How two responses are compared.
#[derive(Clone, Copy, Default)]
pub struct Compare {
    /// Compare header lines as a multiset. For Lua services only: haproxy 2.6 keeps
    /// `applet:add_header` headers in a Lua table and emits them in the table's traversal
    /// order (hash order, an accident of its Lua 5.3), where Halo keeps the call order.
    pub unordered_headers: bool,
}

impl Pair {
    /// Starts both engines (each setup carries its own backend, so per-backend counters such
    /// as the echo's connection numbers match); `None` when haproxy is not installed.
    pub fn start(test: &str, halo: &Setup, haproxy: &Setup) -> Option<Pair> {
        if !super::haproxy_available(test) {
            return None;
        }
        Some(Pair {
            halo: halo.start(Engine::Halo),
            haproxy: haproxy.start(Engine::Haproxy),
        })
    }

    /// The same setup for both (no backend, or a backend both may share).
    pub fn same(test: &str, setup: &Setup) -> Option<Pair> {
        Pair::start(test, setup, setup)
    }

    /// Sends `raw` on a new connection to each; returns (halo's, haproxy's) responses.
    pub fn request(&self, raw: &str) -> (Response, Response) {
        let head = raw.starts_with("HEAD ");
        let one = |p: &Proxy| {
            Client::connect(p.port())
                .try_read_response_after(raw, head)
                .unwrap_or_else(|e| panic!("{}: {raw:?}: {e}", p.engine.name()))
        };
        (one(&self.halo), one(&self.haproxy))
    }

    /// Sends `raw` to each and compares the responses; panics with both on a difference.
    pub fn check(&self, raw: &str, how: Compare) -> Response {
        let (a, b) = self.request(raw);
        assert_same(raw, &a, &b, how);
        a
    }

    /// Sends `raw` to each on one connection and reads everything until the server closes.
    pub fn raw_until_close(&self, raw: &str) -> (String, String) {
        let one = |p: &Proxy| {
            let mut c = Client::connect(p.port());
            c.send(raw);
            String::from_utf8_lossy(&c.read_to_close()).into_owned()
        };
        (one(&self.halo), one(&self.haproxy))
    }
}

/// Panics with a readable report unless `halo` and `haproxy` answered the same.
pub fn assert_same(what: &str, halo: &Response, haproxy: &Response, how: Compare) {
    let headers = |r: &Response| {
        let mut h: Vec<String> = r.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        if how.unordered_headers {
            h.sort();
        }
        h
    };
    let same = halo.status_line == haproxy.status_line
        && headers(halo) == headers(haproxy)
        && halo.body == haproxy.body
        && halo.chunked == haproxy.chunked
        && halo.trailers == haproxy.trailers;
    if !same && std::env::var_os("HALO_DIFF_REPORT").is_some() {
        // Exploration mode: print every difference instead of stopping at the first.
        eprintln!(
            "DIFF {what:?}\n--- halo\n{}\n--- haproxy\n{}",
            show(halo),
            show(haproxy)
        );
        return;
    }
    assert!(
        same,
        "halo and haproxy differ for {what:?}\n--- halo\n{}\n--- haproxy\n{}",
        show(halo),
        show(haproxy)
    );
}

fn show(r: &Response) -> String {
    let mut s = format!("{}\n", r.status_line);
    for (n, v) in &r.headers {
        s.push_str(&format!("{n}: {v}\n"));
    }
    s.push_str(&format!(
        "(body{}, {} bytes)\n{}",
        if r.chunked { " chunked" } else { "" },
        r.body.len(),
        r.text()
    ));
    s
}
