#!/usr/bin/env bash
# The issue's scale goal, end to end with real processes: `cpesim` with 10,000 devices (TR-181
# model, Digest authentication, each device bound to its own 127.3.x.y source address) against the
# `testacs` process. Passes when every device completed a session, none failed, and the report
# says the simulator used at most 50 KB of resident memory per device.
# Usage: fleet_scale_test.sh BUILD_DIR [DEVICES [MAX_BYTES_PER_DEVICE]]
# MAX_BYTES_PER_DEVICE 0 skips the memory check (sanitizer builds: ASan's redzones and quarantine
# inflate every allocation, so their figure says nothing about the simulator).
set -euo pipefail
BUILD=$1
DEVICES=${2:-10000}
MAX_BYTES=${3:-50000}
WORK=$(mktemp -d)
ACS_PID=""
cleanup() {
  [[ -n "$ACS_PID" ]] && kill "$ACS_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BUILD/tests/testacs/testacs" --url-file "$WORK/url" --auth digest >"$WORK/acs.json" 2>"$WORK/acs.log" &
ACS_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/url" ]] && break; sleep 0.1; done
[[ -s "$WORK/url" ]] || { echo "testacs did not start"; cat "$WORK/acs.log"; exit 1; }

"$BUILD/tests/cpesim/cpesim" --acs-url "$(cat "$WORK/url")" --devices "$DEVICES" --ramp-per-second 0 \
  --source-ips 127.3.0.0/16 --max-inflight 1000 --inform-interval 3600 --duration 600 \
  --exit-when-informed --summary-interval 5 --report "$WORK/report.json"

kill -TERM "$ACS_PID"
wait "$ACS_PID" || true
ACS_PID=""
cat "$WORK/acs.json"

python3 - "$WORK/report.json" "$DEVICES" "$MAX_BYTES" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
max_bytes = int(sys.argv[3])
s, m = r["sessions"], r["memory"]
print(f"sessions completed={s['completed']} failed={s['failed']} p50={r['latency_ms'].get('p50')} "
      f"p99={r['latency_ms'].get('p99')} ms; rss={m['rss_bytes']} bytes, {m['bytes_per_device']} bytes/device")
errors = []
if s["completed"] < n: errors.append(f"only {s['completed']} of {n} sessions completed")
if s["failed"] != 0: errors.append(f"{s['failed']} sessions failed: {s['failed_by_reason']}")
if max_bytes and m["bytes_per_device"] > max_bytes:
    errors.append(f"{m['bytes_per_device']} bytes per device > {max_bytes}")
if r["devices"]["started"] != n: errors.append("not every device started")
if errors:
    print("FAIL: " + "; ".join(errors)); sys.exit(1)
print("OK")
PY
