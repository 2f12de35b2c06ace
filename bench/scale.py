#!/usr/bin/env python3
"""Scale check (issue 4): N concurrent HTTP connections, each parked in core.sleep(1) inside a
Lua HTTP service, must all be answered within a few seconds; reports the wall time and the
server's peak RSS (VmHWM). Usage: bench/scale.py [--server halo|haproxy] [-n 10000]"""
import argparse, asyncio, os, resource, shutil, signal, subprocess, sys, tempfile, time

LUA = """
core.register_service("sleepy", "http", function(applet)
  core.sleep(SLEEP)
  local body = "ok\\n"
  applet:set_status(200)
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)
"""

CFG = """
global
  lua-load {lua}
  maxconn {maxconn}
defaults
  mode http
  timeout client 60s
  timeout server 60s
  timeout connect 5s
frontend fe
  bind 127.0.0.1:{port}
  maxconn {maxconn}
  http-request use-service lua.sleepy
"""

async def one(port, results):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        await w.drain()
        data = await r.read()
        w.close()
        results.append(data.startswith(b"HTTP/1.1 200"))
    except Exception as e:
        results.append(False)

async def run(port, n):
    results = []
    t0 = time.monotonic()
    await asyncio.gather(*(one(port, results) for _ in range(n)))
    return time.monotonic() - t0, sum(results)

def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="halo")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--port", type=int, default=26080)
    ap.add_argument("--sleep", type=int, default=1)
    ap.add_argument("--halo", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "halo"))
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    d = tempfile.mkdtemp()
    lua = os.path.join(d, "sleepy.lua")
    open(lua, "w").write(LUA.replace("SLEEP", str(a.sleep)))
    cfg = os.path.join(d, "scale.cfg")
    # HAProxy needs two descriptors per connection and refuses to start otherwise.
    maxconn = min(a.n + 100, (hard - 100) // 2)
    open(cfg, "w").write(CFG.format(lua=lua, port=a.port, maxconn=maxconn))
    exe = a.halo if a.server == "halo" else shutil.which("haproxy")
    proc = subprocess.Popen([exe, "-q", "-f", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.7)
        wall, ok = asyncio.run(run(a.port, a.n))
        print(f"{a.server}: {ok}/{a.n} answered in {wall:.2f} s, peak RSS {peak_rss_kb(proc.pid) / 1024:.1f} MB")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()

if __name__ == "__main__":
    main()
