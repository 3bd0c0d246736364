#!/usr/bin/env bash
# Connection requests per second, end to end with real processes: `testacs` (the scripted ACS the
# devices' sessions go to), `cpesim` (DEVICES devices, one connection-request listener per shard,
# Digest) and `connreq_bench` (acsd's ConnectionRequester). Every accepted request makes a device
# open a session to testacs, as a real CPE would, so cpesim's thread serves those sessions too.
#
# Usage: connreq_bench.sh BUILD_DIR [RUN...]
#   RUN is MODE:REQUESTS:MAX_CONCURRENT (MODE closed or burst, see connreq_bench.cpp); default:
#   closed:1000:50 closed:1000:200 closed:10000:50 closed:10000:200 burst:10000:200
# Environment: DEVICES (10000), CPESIM_THREADS (1), ACS_AUTH (none: the sessions' own cost is not
#   what is measured here; digest makes cpesim busier), SETTLE_S (60: longest wait for the sessions
#   of the previous run to finish before the next).
# Prints one JSON line per run: connreq_bench's figures plus the CPU seconds cpesim and testacs
# used during the run (from /proc/PID/stat), so a run limited by the simulator shows as such.
set -euo pipefail
BUILD=$1
shift
RUNS=("$@")
[[ ${#RUNS[@]} -gt 0 ]] || RUNS=(closed:1000:50 closed:1000:200 closed:10000:50 closed:10000:200 burst:10000:200)
DEVICES=${DEVICES:-10000}
THREADS=${CPESIM_THREADS:-1}
ACS_AUTH=${ACS_AUTH:-none}
SETTLE_S=${SETTLE_S:-60}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick_hz=$(getconf CLK_TCK)

"$BUILD/tests/testacs/testacs" --url-file "$WORK/url" --auth "$ACS_AUTH" --password-prefix pw- \
  >"$WORK/acs.json" 2>"$WORK/acs.log" &
ACS_PID=$!
PIDS+=("$ACS_PID")
for _ in $(seq 100); do [[ -s "$WORK/url" ]] && break; sleep 0.1; done
[[ -s "$WORK/url" ]] || { echo "testacs did not start" >&2; cat "$WORK/acs.log" >&2; exit 1; }

# A free port for shard 0 (shard s listens on PORT + s).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BUILD/tests/cpesim/cpesim" --acs-url "$(cat "$WORK/url")" --devices "$DEVICES" --ramp-per-second 0 \
  --inform-interval 86400 --max-inflight 1000 --threads "$THREADS" --connreq-listen "127.0.0.1:$PORT" \
  --summary-interval 1 2>"$WORK/cpesim.log" &
SIM_PID=$!
PIDS+=("$SIM_PID")

# Wait for the bootstrap sessions to finish (every device informed once, nothing in flight).
last_summary() { grep -a 'sessions ok=' "$WORK/cpesim.log" 2>/dev/null | tail -1; }
settled() {
  local line ok inflight
  line=$(last_summary)
  [[ -n "$line" ]] || return 1
  ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")
  inflight=$(sed -n 's/.* inflight=\([0-9]*\).*/\1/p' <<<"$line")
  [[ "${ok:-0}" -ge "$1" && "${inflight:-1}" -eq 0 ]]
}
for _ in $(seq 240); do settled "$DEVICES" && break; sleep 0.5; done
settled "$DEVICES" || { echo "cpesim did not finish its bootstrap sessions" >&2; tail -5 "$WORK/cpesim.log" >&2; exit 1; }
echo "cpesim: $DEVICES devices informed; connection-request listener 127.0.0.1:$PORT (threads $THREADS)" >&2

status=0
for run in "${RUNS[@]}"; do
  IFS=: read -r mode requests concurrent <<<"$run"
  sim0=$(cpu_ticks "$SIM_PID")
  acs0=$(cpu_ticks "$ACS_PID")
  out=$("$BUILD/tests/bench/connreq_bench" --port "$PORT" --shards "$THREADS" --devices "$DEVICES" \
    --requests "$requests" --max-concurrent "$concurrent" --mode "$mode") || status=1
  sim1=$(cpu_ticks "$SIM_PID")
  acs1=$(cpu_ticks "$ACS_PID")
  python3 - "$out" "$sim0" "$sim1" "$acs0" "$acs1" "$tick_hz" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
hz = float(sys.argv[6])
r["cpesim_cpu_s"] = round((int(sys.argv[3]) - int(sys.argv[2])) / hz, 2)
r["testacs_cpu_s"] = round((int(sys.argv[5]) - int(sys.argv[4])) / hz, 2)
print(json.dumps(r))
PY
  # Let the sessions the requests started finish before the next run measures (a summary line
  # comes every second).
  sleep 1.5
  for _ in $(seq $((SETTLE_S * 2))); do settled 0 && break; sleep 0.5; done
done
exit $status
