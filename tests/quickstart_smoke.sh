#!/usr/bin/env bash
# The README's first command end to end, as a new user runs it: ./deploy/quickstart.sh sets up
# (dependencies, build, private PostgreSQL, migration, configuration, API token), runs acsd with a
# demo fleet; then `acsctl devices list` shows the devices and `acsctl reboot` reboots one and
# reports it back online; Ctrl-C stops everything cleanly; `quickstart.sh stop` stops the database.
#
#   tests/quickstart_smoke.sh          (tests/run.sh runs it after the gcc tests)
#
# Its state lives in a temporary directory (RURU_QUICKSTART_VAR), not in ./var, and is removed at
# the end. The quickstart's ports (7547, 7557) are moved when they are taken. Every wait is bounded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QS="$ROOT/deploy/quickstart.sh"
ACSCTL="$ROOT/build/acs/acsctl"
DEVICES=20
WORK="$(mktemp -d /tmp/ruru-quickstart-smoke.XXXXXX)"
chmod 0755 "$WORK"
export RURU_QUICKSTART_VAR="$WORK/var"
QS_PID=""

say() { printf 'quickstart_smoke: %s\n' "$*"; }
fail() {
  say "FAILED: $*" >&2
  [[ -f "$WORK/quickstart.log" ]] && { echo "---- quickstart log (last 80 lines) ----"; tail -n 80 "$WORK/quickstart.log"; } >&2
  exit 1
}
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$QS_PID" ]] && kill -0 "$QS_PID" 2>/dev/null; then
    kill -INT -- "-$QS_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$QS_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$QS_PID" 2>/dev/null
  fi
  "$QS" stop >/dev/null 2>&1
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

port_free() { [[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }
free_port_from() {
  local p="$1"
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

say "setup (install-deps, build, PostgreSQL, migrate, config, API token) in $WORK"
"$QS" setup >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log" >&2; fail "quickstart setup"; }
CONF="$WORK/var/acsd.conf"
[[ -s "$WORK/var/admin.token" ]] || fail "no var/admin.token"
grep -q '^ruru_' "$WORK/var/admin.token" || fail "var/admin.token is not an API token"
[[ "$(stat -c %a "$WORK/var/admin.token")" == 600 ]] || fail "var/admin.token is not 0600"

# The quickstart's ports, or free ones nearby.
CWMP_PORT="$(free_port_from 7547)"
ADMIN_PORT="$(free_port_from 7557)"
[[ "$CWMP_PORT" == "$ADMIN_PORT" ]] && ADMIN_PORT="$(free_port_from $((ADMIN_PORT + 1)))"
sed -i "s/^listen = 127.0.0.1:7547$/listen = 127.0.0.1:$CWMP_PORT/; s/^listen = 127.0.0.1:7557$/listen = 127.0.0.1:$ADMIN_PORT/" "$CONF"

say "running ./deploy/quickstart.sh --demo $DEVICES (CWMP $CWMP_PORT, admin $ADMIN_PORT)"
# A background job of a non-interactive shell starts with SIGINT ignored, and bash cannot trap a
# signal ignored on entry: perl restores the default first, so the Ctrl-C below is a real one.
setsid perl -e '$SIG{INT} = "DEFAULT"; exec { $ARGV[0] } @ARGV or die "cannot run $ARGV[0]: $!\n"' -- \
  "$QS" --demo "$DEVICES" >"$WORK/quickstart.log" 2>&1 </dev/null &
QS_PID=$!

# acsctl from the directory holding var/ finds the API and the token through var/acsd.conf.
cd "$WORK"
n=0
for _ in $(seq 180); do
  n="$("$ACSCTL" devices list --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))' 2>/dev/null || echo 0)"
  [[ "$n" -ge "$DEVICES" ]] && break
  kill -0 "$QS_PID" 2>/dev/null || fail "the quickstart exited"
  sleep 0.5
done
[[ "$n" -ge "$DEVICES" ]] || fail "acsctl devices list shows $n devices, not $DEVICES"
LIST="$("$ACSCTL" devices list)"
grep -q 'RURU000007' <<<"$LIST" || fail "RURU000007 not in: $LIST"
say "acsctl devices list: $n devices"

# Wait until the device holds its own connection-request credentials (its first session's
# rotation is confirmed), then reboot it.
for _ in $(seq 60); do
  "$ACSCTL" devices show RURU000007 --json 2>/dev/null | grep -q '"own": *true' && break
  sleep 0.5
done
REBOOT="$("$ACSCTL" reboot RURU000007 --timeout 90 2>&1)" || fail "acsctl reboot: $REBOOT"
grep -q 'back online after' <<<"$REBOOT" || fail "acsctl reboot said: $REBOOT"
say "acsctl reboot RURU000007: $(grep 'back online after' <<<"$REBOOT")"

# Ctrl-C: cpesim stops, acsd drains, the script exits 0.
kill -INT -- "-$QS_PID"
rc=0
for _ in $(seq 150); do kill -0 "$QS_PID" 2>/dev/null || break; sleep 0.2; done
kill -0 "$QS_PID" 2>/dev/null && fail "the quickstart did not stop on Ctrl-C"
wait "$QS_PID" || rc=$?
QS_PID=""
[[ "$rc" == 0 ]] || fail "the quickstart exited $rc after Ctrl-C"
"$QS" stop >/dev/null 2>&1 || fail "quickstart.sh stop"
say "ok: setup, demo fleet, acsctl devices list, acsctl reboot, Ctrl-C, stop"
