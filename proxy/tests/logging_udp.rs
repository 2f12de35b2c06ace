//! The logging module as the engine uses it, over real sockets on loopback (ports
//! 25600-25699): configuration -> `LogSetup` -> `Loggers::send` -> bytes a syslog server
//! receives; Lua's `core.log`/`txn:log`; the traffic line of a finished HTTP stream.
//!
//! Expected strings were recorded from haproxy 2.6.12 (Debian 2.6.12-1+deb12u4) pointed at
//! UDP sockets read by a small Python receiver (`socket.recv`, printed with `repr`), with
//! TZ=UTC; the tests stamp lines with the same fixed moment and pid so the bytes compare
//! exactly.

use std::future::Future;
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use halo::config::{self, Config, Env};
use halo::log::Level;
use halo::logging::{
    LogSettings, LogSetup, LogTime, Loggers, LuaLogContext, LuaLogPolicy, TrafficLog, lua,
};
use halo::sample::logformat::StreamLog;
use halo::sample::source::{Dir, LuaSamples, SampleSource};
use halo::sample::value::Sample;
use halo::sample::vars::VarName;

fn config(text: &str) -> Config {
    let o = config::load_texts(
        &[("t.cfg".into(), text.as_bytes().to_vec())],
        Env::from_pairs(Vec::<(String, String)>::new()),
    );
    o.usable().expect("valid configuration").clone()
}

fn receiver(port: u16) -> UdpSocket {
    let s = UdpSocket::bind(("127.0.0.1", port)).expect("bind receiver");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn recv(s: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 70000];
    let n = s.recv(&mut buf).expect("a datagram");
    buf.truncate(n);
    buf
}

/// 2026-11-21 07:47:28.601924 UTC, when the recording was made.
fn recorded_time() -> LogTime {
    LogTime::utc(UNIX_EPOCH + Duration::from_micros(1_795_247_248_601_924))
}

/// The recorded pid, substituted in the expected strings with the test process's own.
fn with_pid(s: &str) -> Vec<u8> {
    s.replace("18353", &std::process::id().to_string())
        .into_bytes()
}

#[test]
fn udp_round_trip_every_format() {
    let cfg = config(
        "global
  log 127.0.0.1:25610 local0
  log 127.0.0.1:25611 format rfc5424 local1 info
  log 127.0.0.1:25612 format short local2
  log 127.0.0.1:25613 format raw local3
  log 127.0.0.1:25614 format timed local4
  log 127.0.0.1:25615 format iso local5
  log 127.0.0.1:25616 format priority local6
  log 127.0.0.1:25617 len 80 local7 notice
  log 127.0.0.1:25618 format local user debug err
",
    );
    let rx: Vec<UdpSocket> = (25610..=25618).map(receiver).collect();
    let setup = LogSetup::from_config(&cfg);
    let t = recorded_time();
    setup
        .global
        .send_at(Level::Warning, b"core.log in action", &t);
    let expected = [
        "<132>Nov 21 07:47:28 haproxy[18353]: core.log in action\n",
        "<140>1 2026-11-21T07:47:28.601924+00:00 - haproxy 18353 - - core.log in action\n",
        "<4>core.log in action\n",
        "core.log in action\n",
        "<4>2026-11-21T07:47:28.601924+00:00 core.log in action\n",
        "2026-11-21T07:47:28.601924+00:00 core.log in action\n",
        "<180>core.log in action\n",
        "<188>Nov 21 07:47:28 haproxy[18353]: core.log in action\n",
        "<12>Nov 21 07:47:28 haproxy[18353]: core.log in action\n",
    ];
    for (s, e) in rx.iter().zip(expected) {
        assert_eq!(
            String::from_utf8(recv(s)).unwrap(),
            String::from_utf8(with_pid(e)).unwrap()
        );
    }
    // Level filtering: `info` is above `notice` (25617) but passes `info` (25611); `err` is
    // capped at... nothing: `minlevel err` only raises more severe levels (25618: <11>).
    setup.global.send_at(Level::Info, b"txn info.", &t);
    setup.global.send_at(Level::Crit, b"crit", &t);
    let got: Vec<Vec<u8>> = rx
        .iter()
        .map(|s| {
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            let mut v = Vec::new();
            let mut buf = [0u8; 2048];
            while let Ok(n) = s.recv(&mut buf) {
                v.extend_from_slice(&buf[..n]);
            }
            v
        })
        .collect();
    assert_eq!(
        got[7],
        with_pid("<186>Nov 21 07:47:28 haproxy[18353]: crit\n")
    );
    assert_eq!(
        got[8],
        with_pid(
            "<14>Nov 21 07:47:28 haproxy[18353]: txn info.\n<11>Nov 21 07:47:28 haproxy[18353]: crit\n"
        )
    );
}

#[test]
fn udp_len_and_message_buffer() {
    // Recorded with `len 80` and `len 100 format raw`, and a 1502-byte Lua line under a
    // `len 2000` elsewhere in the configuration (which raises HAProxy's message buffer).
    let cfg = config(
        "global
  log 127.0.0.1:25620 len 80 local0
  log 127.0.0.1:25621 len 100 format raw local0
  log 127.0.0.1:25622 format raw local0
  log 127.0.0.1:25623 len 2000 local0
",
    );
    let rx: Vec<UdpSocket> = (25620..=25623).map(receiver).collect();
    let setup = LogSetup::from_config(&cfg);
    assert_eq!(setup.settings.max_syslog_len, 2000);
    let t = recorded_time();
    setup.global.send_at(
        Level::Info,
        b"Connect from 127.0.0.1:42642 to 127.0.0.1:25081 (fe_http_noopt/HTTP)",
        &t,
    );
    // Recorded: "<134>Nov 21 07:47:28 haproxy[18353]: Connect from 127.0.0.1:42642 to
    // 127.0.0.1:2\n", 80 bytes then the newline (the cut moves with the pid's width).
    let mut cut = with_pid(
        "<134>Nov 21 07:47:28 haproxy[18353]: Connect from 127.0.0.1:42642 to 127.0.0.1:25081 (fe_http_noopt/HTTP)",
    );
    cut.truncate(80);
    cut.push(b'\n');
    assert_eq!(recv(&rx[0]), cut);
    assert_eq!(
        recv(&rx[1]),
        b"Connect from 127.0.0.1:42642 to 127.0.0.1:25081 (fe_http_noopt/HTTP)\n"
    );
    let _ = recv(&rx[2]);
    let _ = recv(&rx[3]);
    let long = format!("L{}E", "x".repeat(1500));
    setup.global.send_at(Level::Info, long.as_bytes(), &t);
    assert_eq!(recv(&rx[0]).len(), 81);
    assert_eq!(recv(&rx[1]).len(), 101);
    assert_eq!(recv(&rx[2]).len(), 1025);
    let full = recv(&rx[3]);
    let hdr = with_pid("<134>Nov 21 07:47:28 haproxy[18353]: ").len();
    assert_eq!(full.len(), hdr + 1502 + 1);
    assert!(full.ends_with(b"xxE\n"));
}

#[test]
fn ipv6_round_trip() {
    let Ok(rx) = UdpSocket::bind("[::1]:25630") else {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    };
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let cfg = config("global\n  log ipv6@::1:25630 format raw local0\n");
    let setup = LogSetup::from_config(&cfg);
    setup.global.send(Level::Info, b"over v6");
    assert_eq!(recv(&rx), b"over v6\n");
}

fn socket_path(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("halo-logging-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn unix_datagram_round_trip_and_full_buffer_drops() {
    let path = socket_path("dev-log");
    let rx = UnixDatagram::bind(&path).unwrap();
    let cfg = config(&format!("global\n  log {} daemon\n", path.display()));
    let setup = LogSetup::from_config(&cfg);
    let t = recorded_time();
    setup
        .global
        .send_at(Level::Warning, b"core.log in action", &t);
    let mut buf = [0u8; 2048];
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = rx.recv(&mut buf).unwrap();
    // Recorded from haproxy 2.6.12 on a unix datagram socket with `daemon`.
    assert_eq!(
        &buf[..n],
        with_pid("<28>Nov 21 07:47:28 haproxy[18353]: core.log in action\n")
    );
    // Nobody reads: the socket queue fills, further lines are dropped, nothing blocks.
    let start = Instant::now();
    for _ in 0..5000 {
        setup.global.send_at(Level::Info, &[b'x'; 900], &t);
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(setup.global.dropped() > 0, "some lines were dropped");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn lua_logs_reach_the_loggers() {
    let rx_global = receiver(25640);
    let rx_backend = receiver(25641);
    let cfg = config(
        "global
  log 127.0.0.1:25640 local0
  tune.lua.log.stderr off
defaults
  mode http
  timeout client 1s
  timeout server 1s
  timeout connect 1s
backend be
  log 127.0.0.1:25641 local2
  server s1 127.0.0.1:25699
",
    );
    let setup = LogSetup::from_config(&cfg);
    let be = cfg.proxies.iter().position(|p| p.name == "be").unwrap();
    let policy = LuaLogPolicy::new(&cfg.global.tune_lua, false, false);
    // Before a context is installed (lua-load bodies): stderr only, never the loggers.
    lua::core_log(Level::Info, b"body");
    lua::install(Some(LuaLogContext {
        policy,
        global: setup.global.clone(),
        starting: false,
    }));
    lua::core_log(Level::Warning, b"core.log a\0b");
    lua::txn_log(&setup.proxy(be), Level::Err, "txn é\n".as_bytes());
    lua::install(None);
    let pid = std::process::id();
    let g = String::from_utf8(recv(&rx_global)).unwrap();
    assert!(g.starts_with("<132>"), "{g}");
    assert!(
        g.ends_with(&format!(" haproxy[{pid}]: core.log a\n")),
        "{g}"
    );
    let b = String::from_utf8(recv(&rx_backend)).unwrap();
    assert!(b.starts_with("<147>"), "{b}");
    assert!(b.ends_with(&format!(" haproxy[{pid}]: txn ...\n")), "{b}");
    rx_global
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 256];
    assert!(
        rx_global.recv(&mut buf).is_err(),
        "the body line never reached the loggers"
    );
}

/// A finished HTTP stream, as the engine would describe it.
struct Stream {
    client: SocketAddr,
}

impl SampleSource for Stream {
    fn client_addr(&self) -> Option<SocketAddr> {
        Some(self.client)
    }
    fn frontend_addr(&self) -> Option<SocketAddr> {
        Some("127.0.0.1:25650".parse().unwrap())
    }
    fn frontend_name(&self) -> Option<String> {
        Some("fe".into())
    }
    fn backend_name(&self) -> Option<String> {
        Some("fe".into())
    }
    fn server_name(&self) -> Option<String> {
        None
    }
    fn method(&self) -> Option<halo::sample::value::Method> {
        None
    }
    fn uri(&self) -> Option<Bytes> {
        Some(Bytes::from_static(b"/abc?x=1"))
    }
    fn req_version(&self) -> Option<Bytes> {
        Some(Bytes::from_static(b"1.1"))
    }
    fn for_each_header(&self, _: Dir, _: &mut dyn FnMut(&[u8], &[u8])) -> bool {
        true
    }
    fn req_body(&self) -> Option<Bytes> {
        None
    }
    fn req_len(&self) -> Option<i64> {
        None
    }
    fn status(&self) -> Option<u16> {
        Some(200)
    }
    fn get_var(&self, _: &VarName) -> Option<Sample> {
        None
    }
    fn set_var(&mut self, _: &VarName, _: Sample) {}
    fn unset_var(&mut self, _: &VarName) {}
}

impl LuaSamples for Stream {
    fn lua_fetch(&mut self, _: &str, _: &[Sample]) -> impl Future<Output = Option<Sample>> {
        std::future::ready(None)
    }
    fn lua_convert(
        &mut self,
        _: &str,
        _: Sample,
        _: &[Sample],
    ) -> impl Future<Output = Option<Sample>> {
        std::future::ready(None)
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("waited"),
    }
}

#[test]
fn traffic_line_of_a_finished_http_stream() {
    let rx = receiver(25650);
    let cfg = config(
        "global
  log 127.0.0.1:25650 format raw local0
defaults
  mode http
  timeout client 1s
  timeout server 1s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:25651
  log global
  option httplog
",
    );
    let setup = LogSetup::from_config(&cfg);
    let traffic = TrafficLog::new(&cfg.proxies[0], setup.proxy(0));
    assert!(traffic.logs_at_end());
    let accept_ms = 1_795_247_248_601u64;
    let log = StreamLog {
        accept_date: UNIX_EPOCH + Duration::from_millis(accept_ms),
        t_req: Some(0),
        ta: Some(0),
        tt: Some(0),
        status: 200,
        bytes_out: 76,
        term: *b"LR",
        actconn: 1,
        feconn: 1,
        request_line: Some(Bytes::from_static(b"GET /abc?x=1 HTTP/1.1")),
        ..StreamLog::default()
    };
    let mut s = Stream {
        client: "127.0.0.1:48792".parse().unwrap(),
    };
    assert!(block_on(traffic.log_end(&mut s, &log, 78, None)));
    let line = String::from_utf8(recv(&rx)).unwrap();
    // Recorded (raw format): `127.0.0.1:48792 [21/Nov/2026:07:47:28.601] fe fe/<NOSRV>
    // 0/-1/-1/-1/0 200 76 - - LR-- 1/1/0/0/0 0/0 "GET /abc?x=1 HTTP/1.1"`; `%tr` is local
    // time, so only its shape is checked here (sample/logformat.rs tests the dates).
    let (head, rest) = line.split_once(" [").unwrap();
    assert_eq!(head, "127.0.0.1:48792");
    let (date, tail) = rest.split_once("] ").unwrap();
    assert!(date.ends_with(".601"), "{date}");
    assert_eq!(
        tail,
        "fe fe/<NOSRV> 0/-1/-1/-1/0 200 76 - - LR-- 1/1/0/0/0 0/0 \"GET /abc?x=1 HTTP/1.1\"\n"
    );
    let _ = Loggers::empty();
}

/// Kills the child when the test ends, whatever happens.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Time stamps vary between runs: both sides are compared with them masked.
fn mask(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(line);
    let iso = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d").unwrap();
    let legacy = regex::Regex::new(r"[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d").unwrap();
    let yday = regex::Regex::new(r"\] \d{3}/\d{6} ").unwrap();
    let s = iso.replace_all(&s, "ISO");
    let s = legacy.replace_all(&s, "DATE");
    yday.replace_all(&s, "] DDD/HHMMSS ").into_owned()
}

/// The live differential check: the same `log` lines and Lua call under the installed
/// haproxy (when there is one) and under Halo's loggers give the same bytes, time stamps
/// masked (haproxy's pid is given to Halo's loggers).
#[test]
fn same_bytes_as_installed_haproxy() {
    let Ok(out) = std::process::Command::new("haproxy").arg("-v").output() else {
        eprintln!("haproxy not installed: live comparison skipped");
        return;
    };
    if !out.status.success() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("halo-logging-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let logs = "  log 127.0.0.1:25660 local0
  log 127.0.0.1:25661 format rfc5424 local1 info
  log 127.0.0.1:25662 format short local2
  log 127.0.0.1:25663 format raw local3
  log 127.0.0.1:25664 format timed local4
  log 127.0.0.1:25665 format iso local5
  log 127.0.0.1:25666 format priority local6
  log 127.0.0.1:25667 len 80 local7
  log 127.0.0.1:25668 format local user debug err
";
    let msg = "task line \u{e9}\t with a long tail to be cut by len 80 .................. end";
    std::fs::write(
        dir.join("t.lua"),
        format!(
            "core.register_task(function() core.log(core.crit, {:?}) end)\n",
            msg
        ),
    )
    .unwrap();
    let cfg_text = format!(
        "global\n{logs}  lua-load {}\nfrontend f\n  mode tcp\n  bind 127.0.0.1:25669\n  timeout client 1s\n",
        dir.join("t.lua").display()
    );
    std::fs::write(dir.join("h.cfg"), &cfg_text).unwrap();
    let rx: Vec<UdpSocket> = (25660..=25668).map(receiver).collect();
    let child = std::process::Command::new("haproxy")
        .arg("-f")
        .arg(dir.join("h.cfg"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("haproxy starts");
    let mut child = Child(child);
    let their_pid = child.0.id();
    let theirs: Vec<Vec<u8>> = rx.iter().map(recv).collect();
    // Their stderr: HAProxy prints the Lua line right after sending the datagrams.
    let pipe = child.0.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut their_lua = None;
    while let Ok(l) = lines.recv_timeout(Duration::from_secs(5)) {
        if l.starts_with("[crit]") {
            their_lua = Some(l);
            break;
        }
    }
    drop(child);
    let their_lua = their_lua.expect("haproxy printed the Lua line on stderr");

    // Ours, from the same configuration text.
    let cfg = config(&format!("global\n{logs}"));
    // Their pid, so `len 80` cuts at the same place.
    let settings = LogSettings {
        pid: their_pid,
        ..LogSettings::for_config(&cfg)
    };
    let ours = Loggers::new(&cfg.global.logs, std::sync::Arc::new(settings)).render(
        Level::Crit,
        &lua::sanitize(msg.as_bytes()),
        &LogTime::now(),
    );
    assert_eq!(ours.len(), theirs.len());
    for ((_, o), t) in ours.iter().zip(&theirs) {
        assert_eq!(mask(o), mask(t));
    }
    let our_lua = lua::stderr_line(
        Level::Crit,
        &lua::sanitize(msg.as_bytes()),
        &LogTime::now(),
        their_pid,
    );
    assert_eq!(mask(&our_lua).trim_end(), mask(their_lua.as_bytes()));
    let _ = std::fs::remove_dir_all(&dir);
}
