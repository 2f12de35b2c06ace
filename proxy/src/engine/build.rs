//! Turns the checked configuration into the `Plan` the workers run: listen addresses and server
//! addresses resolved once at start-up (HAProxy resolves names when it starts), `listen`
//! sections split into a frontend and a backend, backends referred to by index.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use super::proxy::{Backend, Frontend, ListenAddr, Plan, Server, ServerTarget, Timeouts};
use crate::config::{self, BindAddr, Config, ServerAddr};

fn ms(v: Option<u32>) -> Option<Duration> {
    v.map(|ms| Duration::from_millis(u64::from(ms)))
}

fn timeouts(t: &config::Timeouts) -> Timeouts {
    Timeouts {
        client: ms(t.client),
        server: ms(t.server),
        connect: ms(t.connect),
        http_request: ms(t.http_request),
        http_keep_alive: ms(t.http_keep_alive),
        tunnel: ms(t.tunnel),
    }
}

fn server_target(s: &config::Server) -> Result<ServerTarget, String> {
    match &s.addr {
        ServerAddr::Unix(p) => Ok(ServerTarget::Unix(p.clone())),
        // `Outcome::resolve_servers` has filled `ip` (or reported the name) before the build.
        ServerAddr::Inet { host, ip, port } => {
            let ip = ip.ok_or_else(|| {
                format!(
                    "[{}] : 'server {}' : could not resolve address '{host}'.",
                    s.loc, s.name
                )
            })?;
            Ok(match port {
                Some(p) => ServerTarget::Inet(SocketAddr::new(ip, *p)),
                None => ServerTarget::InetClientPort(ip),
            })
        }
    }
}

/// Resolves a server host name at start-up, as HAProxy does (`resolve_servers`' resolver).
pub fn resolve_host(host: &str) -> Option<std::net::IpAddr> {
    (host, 0)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .map(|a| a.ip())
}

/// The plan, or HAProxy-style alerts.
pub fn build(cfg: &Config) -> Result<Plan, Vec<String>> {
    let mut errors = Vec::new();
    let mut backends = Vec::new();
    let mut backend_index = std::collections::HashMap::new();
    for (i, p) in cfg.proxies.iter().enumerate() {
        if !p.caps.backend {
            continue;
        }
        let mut servers = Vec::new();
        for s in &p.servers {
            match server_target(s) {
                Ok(target) => servers.push(Server {
                    name: s.name.as_str().into(),
                    target,
                    weight: s.weight,
                    maxconn: s.maxconn,
                    backup: s.backup,
                    disabled: s.disabled,
                }),
                Err(e) => errors.push(e),
            }
        }
        backend_index.insert(p.name.clone(), backends.len());
        backends.push(Backend {
            name: p.name.as_str().into(),
            mode: p.mode,
            servers,
            balance: p.balance,
            retries: p.retries,
            timeouts: timeouts(&p.timeouts),
            conn_mode: p.options.http_conn_mode,
            forwardfor: p.options.forwardfor.clone(),
            buffer_request: p.options.http_buffer_request,
            config_index: i,
        });
    }
    let mut frontends = Vec::new();
    for (i, p) in cfg.proxies.iter().enumerate() {
        if !p.caps.frontend {
            continue;
        }
        let mut listen = Vec::new();
        for b in &p.binds {
            for a in &b.addrs {
                match a {
                    BindAddr::Inet { addr, ports } => {
                        for port in ports.clone() {
                            listen.push(ListenAddr::Inet(SocketAddr::new(*addr, port)));
                        }
                    }
                    BindAddr::Unix(path) => listen.push(ListenAddr::Unix(path.clone())),
                }
            }
        }
        let default_backend = if p.caps.backend {
            backend_index.get(&p.name).copied()
        } else {
            p.default_backend
                .as_ref()
                .and_then(|(name, _)| backend_index.get(name).copied())
        };
        frontends.push(Frontend {
            name: Arc::from(p.name.as_str()),
            mode: p.mode,
            listen,
            timeouts: timeouts(&p.timeouts),
            maxconn: p.maxconn,
            default_backend,
            conn_mode: p.options.http_conn_mode,
            forwardfor: p.options.forwardfor.clone(),
            buffer_request: p.options.http_buffer_request,
            config_index: i,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let nbthread = cfg.global.nbthread.map(|n| n.max(1) as usize).unwrap_or(1);
    Ok(Plan {
        frontends,
        backends,
        nbthread,
        maxconn: cfg.global.maxconn.map(|m| m as usize).unwrap_or(4096),
    })
}

impl Plan {
    pub fn backend_by_name(&self, name: &str) -> Option<usize> {
        self.backends.iter().position(|b| &*b.name == name)
    }
}
