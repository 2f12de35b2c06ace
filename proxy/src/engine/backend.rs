//! Choosing a server (HAProxy's `balance` algorithms) and connecting to it with the connect
//! timeout, `retries`, and HAProxy's turn-around delay between attempts. The counters the
//! algorithms need are per worker (shared-nothing): each worker balances its own connections.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::{TcpStream, UnixStream};

use super::conn::{Conn, Stream};
use super::proxy::{Backend, Balance, ServerTarget};

/// One worker's balancing state for one backend.
pub struct BackendState {
    /// Smooth weighted round robin: each server's current weight.
    rr_current: Vec<Cell<i64>>,
    /// Connections open to each server from this worker.
    active: Vec<Cell<u32>>,
    rng: Cell<u64>,
    /// Idle server connections that client sessions left behind, per server, oldest first
    /// (HAProxy's idle connection pool with the default `http-reuse safe`).
    idle: RefCell<Vec<Vec<(Conn, Instant)>>>,
}

/// Idle connections kept per server and worker; more are closed.
const MAX_IDLE_PER_SERVER: usize = 1024;

/// How long an idle connection stays in the pool (HAProxy's `pool-purge-delay` default).
const IDLE_PURGE_DELAY: Duration = Duration::from_secs(5);

impl BackendState {
    /// Connections open to `server` from this worker (its `%sc` in logs).
    pub fn active(&self, server: usize) -> u32 {
        self.active.get(server).map_or(0, Cell::get)
    }

    pub fn new(be: &Backend) -> Self {
        BackendState {
            rr_current: be.servers.iter().map(|_| Cell::new(0)).collect(),
            active: be.servers.iter().map(|_| Cell::new(0)).collect(),
            rng: Cell::new(0x9E37_79B9_7F4A_7C15 ^ (std::process::id() as u64)),
            idle: RefCell::new(be.servers.iter().map(|_| Vec::new()).collect()),
        }
    }

    /// Gives an idle keep-alive connection to `server` to the pool, for other sessions.
    pub fn release_idle(&self, server: usize, conn: Conn) {
        let mut idle = self.idle.borrow_mut();
        let Some(list) = idle.get_mut(server) else {
            return;
        };
        let now = Instant::now();
        list.retain(|(_, since)| now.duration_since(*since) < IDLE_PURGE_DELAY);
        if list.len() < MAX_IDLE_PER_SERVER {
            list.push((conn, now));
        }
    }

    /// The most recently idled usable connection to `server`, if any.
    fn take_idle(&self, server: usize) -> Option<Conn> {
        let mut idle = self.idle.borrow_mut();
        let list = idle.get_mut(server)?;
        let now = Instant::now();
        while let Some((conn, since)) = list.pop() {
            if now.duration_since(since) < IDLE_PURGE_DELAY && conn.idle_usable() {
                return Some(conn);
            }
        }
        None
    }

    fn random(&self) -> u64 {
        // xorshift64*: balancing needs spread, not secrecy.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Holds a server's active-connection count up while alive.
pub struct ServerSlot<'a> {
    state: &'a BackendState,
    pub server: usize,
    /// Connection attempts made before the one that succeeded (the log's `%rc`).
    pub retries: u32,
}

impl Drop for ServerSlot<'_> {
    fn drop(&mut self) {
        let c = &self.state.active[self.server];
        c.set(c.get().saturating_sub(1));
    }
}

/// The servers eligible now: enabled, with weight, under maxconn; backups only when no
/// active server is usable (HAProxy uses the first backup then).
fn candidates(be: &Backend, st: &BackendState) -> Vec<usize> {
    let usable = |i: usize| {
        let s = &be.servers[i];
        !s.disabled && s.weight > 0 && s.maxconn.is_none_or(|m| st.active[i].get() < m)
    };
    let active: Vec<usize> = (0..be.servers.len())
        .filter(|&i| !be.servers[i].backup && usable(i))
        .collect();
    if !active.is_empty() {
        return active;
    }
    (0..be.servers.len())
        .filter(|&i| be.servers[i].backup && usable(i))
        .take(1)
        .collect()
}

/// Picks a server for a client, or `None` when no server is usable (HAProxy answers 503).
pub fn choose(be: &Backend, st: &BackendState, client: Option<SocketAddr>) -> Option<usize> {
    let cands = candidates(be, st);
    if cands.is_empty() {
        return None;
    }
    let weight = |i: usize| i64::from(be.servers[i].weight);
    Some(match be.balance {
        Balance::RoundRobin => {
            // Smooth weighted round robin (nginx's): spreads heavy servers evenly.
            let total: i64 = cands.iter().map(|&i| weight(i)).sum();
            let mut best = cands[0];
            for &i in &cands {
                let c = &st.rr_current[i];
                c.set(c.get() + weight(i));
                if c.get() > st.rr_current[best].get() {
                    best = i;
                }
            }
            let c = &st.rr_current[best];
            c.set(c.get() - total);
            best
        }
        Balance::LeastConn => *cands
            .iter()
            .min_by_key(|&&i| {
                // Compare active/weight without division: scale by the product of weights.
                (u64::from(st.active[i].get()) << 16) / u64::from(be.servers[i].weight.max(1))
            })
            .expect("not empty"),
        Balance::First => cands[0],
        Balance::Random => {
            let total: u64 = cands.iter().map(|&i| weight(i) as u64).sum();
            let mut r = st.random() % total.max(1);
            let mut pick = cands[0];
            for &i in &cands {
                let w = weight(i) as u64;
                if r < w {
                    pick = i;
                    break;
                }
                r -= w;
            }
            pick
        }
        Balance::Source => {
            let h = match client {
                Some(SocketAddr::V4(a)) => u64::from(u32::from(*a.ip())),
                Some(SocketAddr::V6(a)) => {
                    let o = a.ip().octets();
                    u64::from_be_bytes(o[8..16].try_into().expect("8 bytes"))
                        ^ u64::from_be_bytes(o[0..8].try_into().expect("8 bytes"))
                }
                None => 0,
            };
            let total: u64 = cands.iter().map(|&i| weight(i) as u64).sum();
            let mut r = h.wrapping_mul(0x9E37_79B9_7F4A_7C15) % total.max(1);
            let mut pick = cands[0];
            for &i in &cands {
                let w = weight(i) as u64;
                if r < w {
                    pick = i;
                    break;
                }
                r -= w;
            }
            pick
        }
    })
}

async fn connect_once(target: &ServerTarget, local: Option<SocketAddr>) -> io::Result<Conn> {
    let stream = match target {
        ServerTarget::Inet(addr) => Stream::Tcp(TcpStream::connect(addr).await?),
        ServerTarget::InetClientPort(ip) => {
            let port = local.map(|l| l.port()).unwrap_or(0);
            Stream::Tcp(TcpStream::connect(SocketAddr::new(*ip, port)).await?)
        }
        ServerTarget::Unix(path) => Stream::Unix(UnixStream::connect(path).await?),
    };
    let conn = Conn::new(stream);
    conn.set_nodelay();
    Ok(conn)
}

/// Where a server connection came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    New,
    /// The idle pool: the server may have closed it just now.
    Pool,
}

/// Why no server connection could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectError {
    /// No usable server (HAProxy: 503, termination state "SC" or "NC").
    NoServer,
    /// Every attempt to the chosen `server` failed or timed out.
    Failed { server: usize, timed_out: bool },
}

/// Connects to a chosen server, trying again `retries` times (the same server, as HAProxy does
/// without `option redispatch`) after a turn-around delay of min(timeout connect, 1s). With
/// `reuse` (HAProxy's `http-reuse safe`: not the first request of a client session), an idle
/// connection to the chosen server from the pool is taken instead when there is one.
pub async fn connect<'a>(
    be: &Backend,
    st: &'a BackendState,
    client: Option<SocketAddr>,
    local: Option<SocketAddr>,
    reuse: bool,
) -> Result<(ServerSlot<'a>, Conn, Origin), ConnectError> {
    let server = choose(be, st, client).ok_or(ConnectError::NoServer)?;
    st.active[server].set(st.active[server].get() + 1);
    let mut slot = ServerSlot {
        state: st,
        server,
        retries: 0,
    };
    if reuse && let Some(conn) = st.take_idle(server) {
        return Ok((slot, conn, Origin::Pool));
    }
    let target = &be.servers[server].target;
    let timeout = be.timeouts.connect;
    let mut timed_out = false;
    for attempt in 0..=be.retries {
        if attempt > 0 {
            let delay = timeout
                .unwrap_or(Duration::from_secs(1))
                .min(Duration::from_secs(1));
            tokio::time::sleep(delay).await;
        }
        let r = match timeout {
            Some(t) => match tokio::time::timeout(t, connect_once(target, local)).await {
                Ok(r) => r,
                Err(_) => {
                    timed_out = true;
                    continue;
                }
            },
            None => connect_once(target, local).await,
        };
        if let Ok(conn) = r {
            slot.retries = attempt;
            return Ok((slot, conn, Origin::New));
        }
    }
    Err(ConnectError::Failed { server, timed_out })
}
