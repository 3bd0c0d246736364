#!/usr/bin/env bash
# acsd end-to-end benchmark (issue 5): a private PostgreSQL 15 cluster, acsd and cpesim all on this
# machine, plain HTTP on loopback, every device on its own 127.x source address.
#
#   tests/bench/acsd_bench.sh [BUILD_DIR]         (default build/; a Release build is best)
#
# Phases:
#   1. registration: DEVICES fresh devices inform at once (BOOTSTRAP), with the credential
#      rotation of their first session (SetParameterValues + confirmation);
#   2. periodic: the same cpesim run keeps every device informing every INTERVAL seconds; the
#      window [WARMUP, WARMUP + WINDOW] after registration is measured from acsd's own counters.
# Prints: registrations/s, periodic sessions/s, acsd CPU-µs per session (utime+stime from /proc),
# acsd RSS, PostgreSQL bytes per device, cpesim's latency percentiles; and a JSON line for
# docs/performance.md. Environment knobs: DEVICES (10000), INTERVAL (1), WINDOW (20), WARMUP (5),
# INFLIGHT (2000), CPESIM_THREADS (1; needs cpesim --threads), FSYNC (on), IO_THREADS (0 = cores),
# BATCH_WRITERS (2), ROTATE (true), PERF (0; 1 = perf record -g acsd during the window),
# PG_STATS (0; 1 = load pg_stat_statements and print the statements that used the most PostgreSQL
# time during the window; auto_explain logs the plans of statements over AUTO_EXPLAIN_MS (300) ms to postgres.log), ACSD_LD_PRELOAD (e.g. /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 to compare allocators),
# TASK_SHARE (0; e.g. 0.1: during phase 2, TASK_SHARE of the devices have a pending
# GetParameterValues task at all times: every 0.2 s devices without one get one, picked at random,
# so about that share of the periodic sessions runs a task; the tasks are inserted with SQL so the
# API's own cost is not in the figure), TLS (0; 1 = HTTPS with an ECDSA P-256 certificate and full
# handshakes, resume = HTTPS where every device resumes its previous TLS session, rsa = HTTPS with an
# RSA-2048 certificate; docs/tls.md; the handshake counters are printed).
# Bounded: the whole run stops after about WARMUP + WINDOW + 120 s; everything it started is
# stopped on exit (also on error or Ctrl-C).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
DEVICES="${DEVICES:-10000}"
INTERVAL="${INTERVAL:-1}"
WINDOW="${WINDOW:-20}"
WARMUP="${WARMUP:-5}"
INFLIGHT="${INFLIGHT:-2000}"
CPESIM_THREADS="${CPESIM_THREADS:-1}"
FSYNC="${FSYNC:-on}"
IO_THREADS="${IO_THREADS:-0}"
BATCH_WRITERS="${BATCH_WRITERS:-2}"
ROTATE="${ROTATE:-true}"
PERF="${PERF:-0}"
PG_STATS="${PG_STATS:-0}"
TASK_SHARE="${TASK_SHARE:-0}"
TLS="${TLS:-0}"
PG_BIN=/usr/lib/postgresql/15/bin
ACSD="$BUILD/acs/acsd"
CPESIM="${CPESIM:-$BUILD/tests/cpesim/cpesim}"
[[ -x "$ACSD" && -x "$CPESIM" ]] || { echo "acsd_bench: build acsd and cpesim in $BUILD first" >&2; exit 2; }

WORK="$(mktemp -d /tmp/ruru-acsd-bench.XXXXXX)"
chmod 0755 "$WORK"  # the postgres user must reach its data directory inside
ACSD_PID="" SIM_PID="" PERF_PID="" FEED_PID=""
as_pg() { if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi; }
cleanup() {
  set +e
  [[ -n "$PERF_PID" ]] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
  [[ -n "$FEED_PID" ]] && kill "$FEED_PID" 2>/dev/null
  [[ -n "$SIM_PID" ]] && kill "$SIM_PID" 2>/dev/null
  [[ -n "$ACSD_PID" ]] && kill -TERM "$ACSD_PID" 2>/dev/null && sleep 1 && kill -KILL "$ACSD_PID" 2>/dev/null
  [[ -f "$WORK/pg/data/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" stop -m immediate -w >/dev/null 2>&1
  echo "acsd_bench: logs kept in $WORK (acsd.log, cpesim.log, report.json)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- PostgreSQL -------------------------------------------------------------------------------
mkdir -p "$WORK/pg"
[[ $EUID -eq 0 ]] && chown postgres: "$WORK/pg"
chmod 0700 "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
PORT=$((56000 + RANDOM % 1000))
cat >>"$WORK/pg/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PORT
unix_socket_directories = '$WORK/pg'
fsync = $FSYNC
shared_buffers = 1GB
max_connections = 50
max_wal_size = 8GB
CONF
[[ "$PG_STATS" == 1 ]] && printf "%s\n" "shared_preload_libraries = 'pg_stat_statements,auto_explain'" \
  "pg_stat_statements.track = all" "auto_explain.log_min_duration = '${AUTO_EXPLAIN_MS:-300}ms'" >>"$WORK/pg/data/postgresql.conf"
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w start >/dev/null
DSN="postgresql://postgres@/postgres?host=$WORK/pg&port=$PORT"
"$ACSD" migrate --dsn "$DSN" >/dev/null 2>&1

# ---- acsd ---------------------------------------------------------------------------------------
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cr.key"
cat >"$WORK/acsd.conf" <<CONF
[cwmp]
listen = 127.0.0.1:0
onboarding = open
unknown_devices = register
io_threads = $IO_THREADS
max_sessions = 20000
max_connections = 19000
[credentials]
key_file = $WORK/cr.key
rotate_on_bootstrap = $ROTATE
[database]
dsn = $DSN
batch_writers = $BATCH_WRITERS
pool_size = 4
[admin]
listen = 127.0.0.1:0
[log]
level = warn
CONF
SCHEME=http
TLS_ARGS=()
if [[ "$TLS" != 0 ]]; then
  if [[ "$TLS" == rsa ]]; then KEYOPT=(-newkey rsa:2048); else KEYOPT=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
  openssl req -x509 "${KEYOPT[@]}" -nodes -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
  sed -i "s|^\[credentials\]|tls_cert_file = $WORK/tls-cert.pem\ntls_key_file = $WORK/tls-key.pem\n[credentials]|" "$WORK/acsd.conf"
  SCHEME=https
  TLS_ARGS=(--tls-ca "$WORK/tls-cert.pem")
  [[ "$TLS" == resume ]] && TLS_ARGS+=(--tls-resume)
fi
LD_PRELOAD="${ACSD_LD_PRELOAD:-}" "$ACSD" run --config "$WORK/acsd.conf" --ready-file "$WORK/ready" >"$WORK/acsd.log" 2>&1 &
ACSD_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/ready" ]] && break; sleep 0.1; done
CWMP_PORT="$(sed -n 's/^cwmp_port=//p' "$WORK/ready")"
ADMIN_PORT="$(sed -n 's/^admin_port=//p' "$WORK/ready")"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break; sleep 0.1; done

metric() { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$ACSD_PID/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$ACSD_PID/status"; }
# utime+stime of the postmaster and its children (backends come and go: only those alive at both
# ends of the window count, so this is a lower bound for PostgreSQL).
pg_ticks() {
  local pm total=0 pid t
  pm="$(head -n1 "$WORK/pg/data/postmaster.pid")"
  for pid in "$pm" $(pgrep -P "$pm"); do
    t="$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    total=$((total + t))
  done
  echo "$total"
}
now() { date +%s.%N; }
TICK="$(getconf CLK_TCK)"

# ---- cpesim ---------------------------------------------------------------------------------------
THREAD_ARGS=()
if [[ "$CPESIM_THREADS" != 1 ]]; then THREAD_ARGS=(--threads "$CPESIM_THREADS"); fi
DURATION=$((WARMUP + WINDOW + 90))
"$CPESIM" --acs-url "$SCHEME://127.0.0.1:$CWMP_PORT/" --devices "$DEVICES" --ramp-per-second 0 "${TLS_ARGS[@]}" \
  --source-ips 127.16.0.0/12 --inform-interval "$INTERVAL" --max-inflight "$INFLIGHT" \
  --duration "$DURATION" --summary-interval 5 --report "$WORK/report.json" "${THREAD_ARGS[@]}" \
  >"$WORK/cpesim.log" 2>&1 &
SIM_PID=$!

# Phase 1: registration, until every device is registered (bounded by 90 s).
T0="$(now)"
for _ in $(seq 900); do
  R="$(metric ruru_devices_registered_total)"
  [[ "${R:-0}" -ge "$DEVICES" ]] && break
  sleep 0.1
done
T1="$(now)"
R="$(metric ruru_devices_registered_total)"
REG_RATE="$(echo "${R:-0} / ($T1 - $T0)" | bc -l)"

# Phase 2: periodic informs (with TASK_SHARE, a share of them carrying a task).
if [[ "$TASK_SHARE" != 0 ]]; then
  TARGET="$(echo "scale=0; $DEVICES * $TASK_SHARE / 1" | bc)"
  (
    while true; do
      psql "$DSN" -XAqc "INSERT INTO tasks (device_id, type, args, created_at, updated_at, expires_at, created_by)
        SELECT d.id, 'get_parameter_values', '{\"names\": [\"Device.DeviceInfo.UpTime\"]}', now(), now(),
               now() + interval '1 hour', 'bench'
        FROM devices d
        WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.device_id = d.id AND t.state IN ('queued', 'running'))
        ORDER BY random()
        LIMIT GREATEST(0, $TARGET - (SELECT count(DISTINCT device_id) FROM tasks WHERE state IN ('queued', 'running')))" \
        >/dev/null 2>&1 || true
      sleep 0.2
    done
  ) &
  FEED_PID=$!
fi
sleep "$WARMUP"
T_DONE0="$(metric 'ruru_tasks_finished_total{type="get_parameter_values",state="done"}')"
S0="$(metric 'ruru_cwmp_sessions_total{outcome="completed"}')"
F0="$(metric 'ruru_cwmp_sessions_total{outcome="failed"}')"
B0="$(metric 'ruru_cwmp_503_total{reason="sessions"}')"
C0="$(cpu_ticks)"
HF0="$(metric 'ruru_tls_handshakes_total{listener="cwmp",result="full"}')"
HR0="$(metric 'ruru_tls_handshakes_total{listener="cwmp",result="resumed"}')"
P0="$(pg_ticks)"
M0="$(awk '{ print $14 + $15 }' "/proc/$SIM_PID/stat")"
if [[ "$PG_STATS" == 1 ]]; then
  psql "$DSN" -XAqc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()" >/dev/null
fi
W0="$(now)"
if [[ "$PERF" == 1 ]] && command -v perf >/dev/null; then
  perf record -g -F 499 -p "$ACSD_PID" -o "$WORK/perf.data" -- sleep "$WINDOW" >/dev/null 2>&1 &
  PERF_PID=$!
fi
sleep "$WINDOW"
W1="$(now)"
S1="$(metric 'ruru_cwmp_sessions_total{outcome="completed"}')"
F1="$(metric 'ruru_cwmp_sessions_total{outcome="failed"}')"
B1="$(metric 'ruru_cwmp_503_total{reason="sessions"}')"
C1="$(cpu_ticks)"
HF1="$(metric 'ruru_tls_handshakes_total{listener="cwmp",result="full"}')"
HR1="$(metric 'ruru_tls_handshakes_total{listener="cwmp",result="resumed"}')"
P1="$(pg_ticks)"
M1="$(awk '{ print $14 + $15 }' "/proc/$SIM_PID/stat")"
RSS="$(rss_kb)"
if [[ "$PG_STATS" == 1 ]]; then
  psql "$DSN" -Xc "SELECT calls, round(total_exec_time) AS ms, round(total_exec_time / calls * 1000) AS us_per_call,
      rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15" >"$WORK/pg_stats.txt" 2>&1 || true
fi
if [[ -n "$PERF_PID" ]]; then wait "$PERF_PID" 2>/dev/null || true; PERF_PID=""; fi

T_DONE1="$(metric 'ruru_tasks_finished_total{type="get_parameter_values",state="done"}')"
if [[ -n "$FEED_PID" ]]; then kill "$FEED_PID" 2>/dev/null || true; FEED_PID=""; fi
SESSIONS=$((S1 - S0))
TASKS_DONE=$((${T_DONE1:-0} - ${T_DONE0:-0}))
RATE="$(echo "$SESSIONS / ($W1 - $W0)" | bc -l)"
CPU_US="$(echo "($C1 - $C0) * 1000000 / $TICK / ($SESSIONS + 0.000001)" | bc -l)"
DB_BYTES="$(psql "$DSN" -XAtc "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")"
DB_DEVICES="$(psql "$DSN" -XAtc "SELECT count(*) FROM devices")"
EVENTS_BYTES="$(psql "$DSN" -XAtc "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('inform_events')")"
kill -INT "$SIM_PID" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
SIM_PID=""
LAT="$(python3 -c "import json; r=json.load(open('$WORK/report.json')); l=r['latency_ms']; print(f\"p50 {l['p50']:.1f} ms, p90 {l['p90']:.1f} ms, p99 {l['p99']:.1f} ms\")" 2>/dev/null || echo "n/a")"

printf '\nacsd_bench: %s devices, inform interval %s s, %s s window, load average %s\n' "$DEVICES" "$INTERVAL" "$WINDOW" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  registration:        %.0f devices/s (%s registered, with credential rotation: %s)\n' "$REG_RATE" "${R:-0}" "$ROTATE"
printf '  periodic sessions/s: %.0f  (%s completed, %s failed, %s 503 for max_sessions in the window)\n' "$RATE" "$SESSIONS" "$((F1 - F0))" "$((B1 - B0))"
printf '  tasks in the window: %s GetParameterValues tasks done (%.1f%% of the sessions; TASK_SHARE %s)\n' \
  "$TASKS_DONE" "$(echo "100 * $TASKS_DONE / ($SESSIONS + 0.000001)" | bc -l)" "$TASK_SHARE"
printf '  acsd CPU per session: %.0f us (utime+stime)\n' "$CPU_US"
[[ "$TLS" != 0 ]] && printf '  TLS (%s): %s full and %s resumed handshakes in the window\n' "$TLS" \
  "$(( ${HF1%.*} - ${HF0%.*} ))" "$(( ${HR1%.*} - ${HR0%.*} ))"
printf '  acsd RSS:            %.1f MB\n' "$(echo "$RSS / 1024" | bc -l)"
printf '  cores used in the window: acsd %.2f, PostgreSQL >= %.2f, cpesim %.2f (of %s)\n' \
  "$(echo "($C1 - $C0) / $TICK / ($W1 - $W0)" | bc -l)" "$(echo "($P1 - $P0) / $TICK / ($W1 - $W0)" | bc -l)" \
  "$(echo "($M1 - $M0) / $TICK / ($W1 - $W0)" | bc -l)" "$(nproc)"
printf '  PostgreSQL:          %.0f bytes/device over %s devices (inform_events: %.0f MB)\n' "$(echo "$DB_BYTES / $DB_DEVICES" | bc -l)" "$DB_DEVICES" "$(echo "$EVENTS_BYTES / 1048576" | bc -l)"
printf '  cpesim latency:      %s\n' "$LAT"
printf '{"devices":%s,"interval":%s,"tls":"%s","task_share":%s,"tasks_done":%s,"registrations_per_s":%.0f,"sessions_per_s":%.0f,"cpu_us_per_session":%.0f,"rss_mb":%.1f,"pg_bytes_per_device":%.0f}\n' \
  "$DEVICES" "$INTERVAL" "$TLS" "$TASK_SHARE" "$TASKS_DONE" "$REG_RATE" "$RATE" "$CPU_US" "$(echo "$RSS / 1024" | bc -l)" "$(echo "$DB_BYTES / $DB_DEVICES" | bc -l)"
[[ "$PG_STATS" == 1 ]] && { echo "  PostgreSQL statements by time in the window ($WORK/pg_stats.txt):"; cat "$WORK/pg_stats.txt"; }
if [[ "$PERF" == 1 && -f "$WORK/perf.data" ]]; then
  perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 >"$WORK/perf.txt" || true
  echo "  perf profile (top symbols): $WORK/perf.txt"
fi
