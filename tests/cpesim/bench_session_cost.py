#!/usr/bin/env python3
"""cpesim's CPU cost per session and the sessions/s cpesim + testacs reach (docs/performance.md,
"cpesim cost per session").

Starts BUILD/tests/testacs/testacs (--auth AUTH), runs BUILD/tests/cpesim/cpesim with every device
on its own 127.1.x.y address, started at devices/interval per second (a flat load), and prints one JSON line: sessions completed and
failed, cpesim's user + system CPU (getrusage of the child) per completed session in µs, and the
report's sessions/s. --repeat N runs N times and reports the run with the median CPU per session.

  bench_session_cost.py BUILD --auth digest --devices 5000 --interval 5 --duration 30 [--threads 2]
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time


def run_once(a):
    work = tempfile.mkdtemp(prefix="cpesim-bench-")
    acs = subprocess.Popen([f"{a.build}/tests/testacs/testacs", "--url-file", f"{work}/url", "--auth", a.auth],
                           stdout=open(f"{work}/acs.json", "w"), stderr=open(f"{work}/acs.log", "w"))
    try:
        for _ in range(100):
            if os.path.exists(f"{work}/url"):
                break
            time.sleep(0.1)
        url = open(f"{work}/url").read().strip()
        cmd = [a.cpesim or f"{a.build}/tests/cpesim/cpesim", "--acs-url", url, "--devices", str(a.devices),
               "--ramp-per-second", str(a.ramp if a.ramp is not None else max(1, a.devices // a.interval)), "--source-ips", "127.1.0.0/16", "--inform-interval", str(a.interval),
               "--duration", str(a.duration), "--max-inflight", str(a.max_inflight),
               "--summary-interval", "0", "--report", f"{work}/report.json"]
        if a.threads != 1:
            cmd += ["--threads", str(a.threads)]
        sim = subprocess.Popen(a.wrap.split() + cmd, stderr=open(f"{work}/sim.log", "w"))
        _, status, ru = os.wait4(sim.pid, 0)
    finally:
        acs.send_signal(signal.SIGTERM)
        acs.wait()
    if status != 0:
        raise SystemExit(f"cpesim failed ({status}): {open(f'{work}/sim.log').read()}")
    r = json.load(open(f"{work}/report.json"))
    s = r["sessions"]
    n = max(1, s["completed"])
    return {"completed": s["completed"], "failed": s["failed"], "rate_per_s": s["rate_per_s"],
            "cpu_us_per_session": round((ru.ru_utime + ru.ru_stime) * 1e6 / n, 1),
            "user_us": round(ru.ru_utime * 1e6 / n, 1), "sys_us": round(ru.ru_stime * 1e6 / n, 1),
            "p50_ms": r["latency_ms"].get("p50"), "inflight_peak": s["inflight_peak"]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build")
    p.add_argument("--auth", default="none", choices=["none", "basic", "digest"])
    p.add_argument("--devices", type=int, default=5000)
    p.add_argument("--interval", type=int, default=5)
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--max-inflight", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ramp", type=int, help="devices started per second (default devices / interval: a flat load "
                   "from the start instead of a boot burst; 0: all at once)")
    p.add_argument("--wrap", default="", help="run cpesim under this command, e.g. 'valgrind --tool=callgrind "
                   "--callgrind-out-file=/tmp/cg.out' (the CPU figures are then the wrapper's)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--cpesim", help="this cpesim binary instead of BUILD's (e.g. an older build to compare)")
    a = p.parse_args()
    runs = [run_once(a) for _ in range(a.repeat)]
    median = statistics.median_low([r["cpu_us_per_session"] for r in runs])
    best = next(r for r in runs if r["cpu_us_per_session"] == median)
    best["runs_cpu_us"] = [r["cpu_us_per_session"] for r in runs]
    print(json.dumps(best))


if __name__ == "__main__":
    main()
