//! `tcp_rtt ADDR [--connections N] [--seconds S] [--size BYTES] [--warmup S]`: the TCP
//! counterpart of `wrk` for `bench/run`. N connections (one thread each) send BYTES and wait
//! for the same number of bytes back, over and over; prints the round trips per second over
//! the measured window (after the warm-up), or fails if the server does not echo.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Opts {
    addr: String,
    connections: usize,
    seconds: f64,
    warmup: f64,
    size: usize,
}

fn parse() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        addr: String::new(),
        connections: 50,
        seconds: 10.0,
        warmup: 2.0,
        size: 64,
    };
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--connections" => {
                o.connections = value(&a)?.parse().map_err(|e| format!("{a}: {e}"))?
            }
            "--seconds" => o.seconds = value(&a)?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--warmup" => o.warmup = value(&a)?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--size" => o.size = value(&a)?.parse().map_err(|e| format!("{a}: {e}"))?,
            _ if o.addr.is_empty() && !a.starts_with('-') => o.addr = a,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.addr.is_empty() || o.connections == 0 || o.size == 0 {
        return Err(
            "usage: tcp_rtt ADDR [--connections N] [--seconds S] [--size BYTES] [--warmup S]"
                .into(),
        );
    }
    Ok(o)
}

/// One connection's loop; counts round trips while `counting`, stops at `stop`.
fn client(
    o: &Opts,
    counting: &AtomicBool,
    stop: &AtomicBool,
    done: &AtomicU64,
) -> Result<(), String> {
    let mut s = TcpStream::connect(&o.addr).map_err(|e| format!("connect {}: {e}", o.addr))?;
    s.set_nodelay(true).ok();
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let out: Vec<u8> = (0..o.size).map(|i| b'a' + (i % 26) as u8).collect();
    let mut back = vec![0u8; o.size];
    while !stop.load(Ordering::Relaxed) {
        s.write_all(&out).map_err(|e| format!("send: {e}"))?;
        s.read_exact(&mut back)
            .map_err(|e| format!("receive: {e}"))?;
        if back != out {
            return Err("the server did not echo the bytes sent".into());
        }
        if counting.load(Ordering::Relaxed) {
            done.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

fn main() {
    let o = match parse() {
        Ok(o) => Arc::new(o),
        Err(e) => {
            eprintln!("tcp_rtt: {e}");
            std::process::exit(2);
        }
    };
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..o.connections)
        .map(|_| {
            let (o, c, s, d) = (o.clone(), counting.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || client(&o, &c, &s, &d))
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(o.warmup));
    counting.store(true, Ordering::SeqCst);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(o.seconds));
    let n = done.load(Ordering::SeqCst);
    let took = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);
    let mut failed = None;
    for t in threads {
        if let Ok(Err(e)) = t.join() {
            failed.get_or_insert(e);
        }
    }
    if let Some(e) = failed {
        eprintln!("tcp_rtt: {e}");
        std::process::exit(1);
    }
    println!("Round trips/sec: {:.2}", n as f64 / took);
}
