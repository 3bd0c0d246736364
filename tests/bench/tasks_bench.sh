#!/usr/bin/env bash
# Task benchmarks (issue 6): a private PostgreSQL 15 cluster, acsd and cpesim on this machine,
# plain HTTP on loopback.
#
#   tests/bench/tasks_bench.sh [BUILD_DIR]         (default build/; a Release build is best)
#
# 1. API reboot latency: REBOOTS (100) reboots at once through the REST API, each
#    `POST /api/v1/devices/{id}/tasks?connection_request=true&wait=120` {"type": "reboot"}: the
#    answer comes when the device has informed again with "M Reboot". Reported: the latency of
#    each call minus the devices' own reboot delay (REBOOT_DELAY s, cpesim --reboot-delay), p50/p99,
#    and how many were done.
# 2. Connection requests per second through the API: KICKS (1000) get_rpc_methods tasks created
#    with connection_request=true by KICK_CONCURRENCY (50) clients; reported: tasks created and
#    connection requests answered "ok" per second, and the tasks done per second.
# Environment: DEVICES (1000), REBOOTS, REBOOT_DELAY (2), KICKS, KICK_CONCURRENCY, FSYNC (on).
# Bounded: each phase has a deadline; everything started is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
DEVICES="${DEVICES:-1000}"
REBOOTS="${REBOOTS:-100}"
REBOOT_DELAY="${REBOOT_DELAY:-2}"
KICKS="${KICKS:-1000}"
KICK_CONCURRENCY="${KICK_CONCURRENCY:-50}"
FSYNC="${FSYNC:-on}"
PG_BIN=/usr/lib/postgresql/15/bin
ACSD="$BUILD/acs/acsd"
CPESIM="${CPESIM:-$BUILD/tests/cpesim/cpesim}"
[[ -x "$ACSD" && -x "$CPESIM" ]] || { echo "tasks_bench: build acsd and cpesim in $BUILD first" >&2; exit 2; }
((REBOOTS <= DEVICES && KICKS >= 1)) || { echo "tasks_bench: REBOOTS must be <= DEVICES" >&2; exit 2; }

WORK="$(mktemp -d /tmp/ruru-tasks-bench.XXXXXX)"
chmod 0755 "$WORK"
ACSD_PID="" SIM_PID=""
as_pg() { if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi; }
cleanup() {
  set +e
  [[ -n "$SIM_PID" ]] && kill "$SIM_PID" 2>/dev/null
  [[ -n "$ACSD_PID" ]] && kill -TERM "$ACSD_PID" 2>/dev/null && sleep 1 && kill -KILL "$ACSD_PID" 2>/dev/null
  [[ -f "$WORK/pg/data/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" stop -m immediate -w >/dev/null 2>&1
  echo "tasks_bench: logs kept in $WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/pg"
[[ $EUID -eq 0 ]] && chown postgres: "$WORK/pg"
chmod 0700 "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
PORT=$((57000 + RANDOM % 1000))
cat >>"$WORK/pg/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PORT
unix_socket_directories = '$WORK/pg'
fsync = $FSYNC
shared_buffers = 512MB
max_connections = 50
CONF
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w start >/dev/null
DSN="postgresql://postgres@/postgres?host=$WORK/pg&port=$PORT"
"$ACSD" migrate --dsn "$DSN" >/dev/null 2>&1

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cr.key"
cat >"$WORK/acsd.conf" <<CONF
[cwmp]
listen = 127.0.0.1:0
onboarding = open
unknown_devices = register
[credentials]
key_file = $WORK/cr.key
[database]
dsn = $DSN
pool_size = 8
[admin]
listen = 127.0.0.1:0
[connection_request]
allowed_networks = 127.0.0.0/8
denied_networks =
max_concurrent = 200
[log]
level = warn
CONF
TOKEN="$("$ACSD" tokens create --config "$WORK/acsd.conf" --role admin --name bench 2>/dev/null | grep -o 'ruru_[A-Za-z0-9_-]*' | head -n1)"
[[ -n "$TOKEN" ]] || { echo "tasks_bench: acsd tokens create failed" >&2; exit 1; }
"$ACSD" run --config "$WORK/acsd.conf" --ready-file "$WORK/ready" >"$WORK/acsd.log" 2>&1 &
ACSD_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/ready" ]] && break; sleep 0.1; done
CWMP_PORT="$(sed -n 's/^cwmp_port=//p' "$WORK/ready")"
ADMIN_PORT="$(sed -n 's/^admin_port=//p' "$WORK/ready")"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break; sleep 0.1; done

"$CPESIM" --acs-url "http://127.0.0.1:$CWMP_PORT/" --devices "$DEVICES" --ramp-per-second 500 \
  --source-ips 127.32.0.0/16 --inform-interval 3600 --reboot-delay "$REBOOT_DELAY" --max-inflight 1000 \
  --duration 900 --summary-interval 0 --report "$WORK/report.json" >"$WORK/cpesim.log" 2>&1 &
SIM_PID=$!
# Every device registered with its own credentials (so acsd holds their connection-request secrets).
for _ in $(seq 1200); do
  n="$(psql "$DSN" -XAtc "SELECT count(*) FROM devices WHERE cwmp_username IS NOT NULL AND pending_cwmp_username IS NULL")"
  [[ "$n" -ge "$DEVICES" ]] && break
  sleep 0.1
done
echo "tasks_bench: $n of $DEVICES devices registered"

python3 - "$ADMIN_PORT" "$TOKEN" "$DSN" "$REBOOTS" "$REBOOT_DELAY" "$KICKS" "$KICK_CONCURRENCY" <<'PY'
import json, subprocess, sys, threading, time, http.client
port, token, dsn = int(sys.argv[1]), sys.argv[2], sys.argv[3]
reboots, delay, kicks, conc = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
ids = [int(x) for x in subprocess.check_output(["psql", dsn, "-XAtc", "SELECT id FROM devices ORDER BY id"]).split()]

def post(device, body, query, timeout=180):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", f"/api/v1/devices/{device}/tasks?{query}", json.dumps(body),
              {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    data = json.loads(r.read() or b"null")
    c.close()
    return r.status, data

def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")

# 1. Reboots at once, each waiting for "M Reboot".
lat, states, barrier = [], [], threading.Barrier(reboots)
lock = threading.Lock()
def reboot(device):
    barrier.wait()
    t0 = time.monotonic()
    status, t = post(device, {"type": "reboot"}, "connection_request=true&wait=120")
    with lock:
        lat.append(time.monotonic() - t0)
        states.append((t or {}).get("state"))
threads = [threading.Thread(target=reboot, args=(d,)) for d in ids[:reboots]]
t0 = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
wall = time.monotonic() - t0
beyond = [l - delay for l in lat]
done = sum(1 for s in states if s == "done")
print(f"reboots: {reboots} at once, {done} done in {wall:.1f} s; reboot delay {delay:.0f} s")
print(f"  API latency beyond the reboot delay: p50 {pct(beyond, .5)*1000:.0f} ms, p99 {pct(beyond, .99)*1000:.0f} ms, "
      f"max {max(beyond)*1000:.0f} ms (total p50 {pct(lat, .5)*1000:.0f} ms)")

# 2. Connection requests through the API.
queue = list(ids[reboots:] + ids[:reboots]) * (kicks // len(ids) + 1)
queue = queue[:kicks]
ok, created, ids_created = [0], [0], []
qlock = threading.Lock()
def kicker():
    while True:
        with qlock:
            if not queue: return
            d = queue.pop()
        status, t = post(d, {"type": "get_rpc_methods"}, "connection_request=true", timeout=60)
        with qlock:
            if status in (200, 201, 202):
                created[0] += 1
                ids_created.append(t["id"])
                if (t.get("connection_request") or {}).get("status") == "ok": ok[0] += 1
t0 = time.monotonic()
ks = [threading.Thread(target=kicker) for _ in range(conc)]
for t in ks: t.start()
for t in ks: t.join()
kwall = time.monotonic() - t0
# Until every task is final (bounded).
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    left = int(subprocess.check_output(["psql", dsn, "-XAtc",
        "SELECT count(*) FROM tasks WHERE type = 'get_rpc_methods' AND state IN ('queued', 'running')"]))
    if left == 0: break
    time.sleep(0.2)
twall = time.monotonic() - t0
finished = int(subprocess.check_output(["psql", dsn, "-XAtc",
    "SELECT count(*) FROM tasks WHERE type = 'get_rpc_methods' AND state = 'done'"]))
print(f"connection requests through the API: {created[0]} tasks with a connection request in {kwall:.1f} s "
      f"({created[0]/kwall:.0f}/s, {ok[0]} answered ok), {conc} clients")
print(f"  tasks done: {finished} in {twall:.1f} s ({finished/twall:.0f}/s, each a session of its own)")
print(json.dumps({"reboots": reboots, "reboot_delay_s": delay, "reboot_beyond_delay_p50_ms": round(pct(beyond, .5)*1000),
                  "reboot_beyond_delay_p99_ms": round(pct(beyond, .99)*1000), "reboots_done": done,
                  "kicks_per_s": round(created[0]/kwall), "kick_ok": ok[0], "kick_tasks_done_per_s": round(finished/twall)}))
PY
printf 'tasks_bench: load average %s, %s cores\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
