#!/usr/bin/env bash
# Quick start on one Debian 12 machine: dependencies, a build (acsd, acsctl, cpesim), a private
# PostgreSQL 15 cluster with the `ruru` database and its schema, a configuration and keys in var/,
# then acsd in the foreground.
#
#   ./deploy/quickstart.sh               set up or resume, then run acsd in the foreground (Ctrl-C stops it)
#   ./deploy/quickstart.sh --demo N      the same, plus N simulated CPEs (cpesim) informing it
#   ./deploy/quickstart.sh setup         set up or resume only (build, database, config); do not run acsd
#   ./deploy/quickstart.sh stop          stop acsd/cpesim if a quickstart runs them, then the database
#   ./deploy/quickstart.sh status        database, schema, acsd (/healthz, /readyz) and inventory status
#
# Idempotent: reruns reuse the build, the cluster, the keys and var/acsd.conf (created once: edit it
# freely; only its database.dsn line is kept in sync with the quickstart database).
# Files: var/acsd.conf (0600), var/cr.key and var/nonce.key (0600, 32 random bytes as hex),
# var/admin.token (0600: an admin token of the REST API made by `acsd tokens create`, which acsctl
# reads through var/acsd.conf), var/ruru.env (RURU_DB_DSN).
#
# The cluster's data lives in var/pg. It belongs to the postgres user, which must be able to reach
# it: when the checkout is not traversable by postgres (e.g. under /root, mode 0700), the data goes
# to /var/lib/ruru-quickstart/<hash of the checkout path>/ and var/pg is a symlink to it.
# The server listens on 127.0.0.1 only (first free port from 5432) with password authentication;
# administration uses its unix socket with peer authentication.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN=/usr/lib/postgresql/15/bin
VAR="${RURU_QUICKSTART_VAR:-$ROOT/var}"   # state and config (tests/quickstart_smoke.sh points it elsewhere)
ENV_FILE="$VAR/ruru.env"
CONF="$VAR/acsd.conf"
CR_KEY="$VAR/cr.key"
NONCE_KEY="$VAR/nonce.key"
ADMIN_TOKEN="$VAR/admin.token"
ACSD_PIDFILE="$VAR/acsd.pid"
SIM_PIDFILE="$VAR/cpesim.pid"
BUILD="$ROOT/build"
ACSD="$BUILD/acs/acsd"
CPESIM="$BUILD/tests/cpesim/cpesim"
ALT_HOME="/var/lib/ruru-quickstart/$(printf '%s' "$VAR" | sha256sum | cut -c1-12)"
READY_TIMEOUT=60   # seconds to wait for acsd's /readyz before giving up on the demo fleet
REPORT_EVERY=10    # seconds between inventory lines

say() { printf 'quickstart: %s\n' "$*"; }
die() { printf 'quickstart: error: %s\n' "$*" >&2; exit 1; }

# As root, runs a command as postgres from / (a 0700 working directory would trip pg_ctl).
# As another user, the cluster belongs to that user.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

pg_user() { if [[ $EUID -eq 0 ]]; then echo postgres; else id -un; fi; }

# The data directory, following the var/pg symlink; empty if there is none yet.
existing_pgdata() {
  if [[ -e "$VAR/pg" ]]; then readlink -f "$VAR/pg"; fi
}

# Creates the data directory where the cluster's owner can reach it and prints its path.
create_pgdata() {
  mkdir -p "$VAR"
  chmod 0755 "$VAR"
  if as_pg test -x "$VAR" -a -r "$VAR"; then
    mkdir -p "$VAR/pg"
    chown "$(pg_user):" "$VAR/pg"
    chmod 0700 "$VAR/pg"
    echo "$VAR/pg"
  else
    mkdir -p "$ALT_HOME/pg"
    chmod 0755 "$ALT_HOME"
    chown "$(pg_user):" "$ALT_HOME/pg"
    chmod 0700 "$ALT_HOME/pg"
    ln -sfn "$ALT_HOME/pg" "$VAR/pg"
    say "user $(pg_user) cannot reach $VAR (a parent directory is not traversable)," >&2
    say "so the data is in $ALT_HOME/pg and var/pg links to it" >&2
    echo "$ALT_HOME/pg"
  fi
}

# Directory for the unix socket and the server log, next to the data directory and owned by the
# cluster's owner. libpq limits socket paths to 107 bytes, hence the fallback.
run_dir_for() {
  local dir
  dir="$(dirname "$1")/pg-run"
  if (( ${#dir} > 80 )); then dir="$ALT_HOME/pg-run"; fi
  echo "$dir"
}

port_in_use() {
  local port="$1"
  [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && return 0
  [[ -e "/tmp/.s.PGSQL.$port" || -e "/var/run/postgresql/.s.PGSQL.$port" ]] && return 0
  return 1
}

tcp_port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

pick_port() {
  local port
  for ((port = 5432; port < 5532; port++)); do
    if ! port_in_use "$port"; then echo "$port"; return 0; fi
  done
  die "no free port in 5432..5531"
}

is_running() { as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

configured_port() { sed -n "s/^port = \([0-9]*\)$/\1/p" "$1/ruru-quickstart.conf" 2>/dev/null || true; }

# Runs SQL (from stdin) as the postgres superuser over the unix socket.
admin_sql() {
  local sockdir="$1" port="$2"
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$port" -U "$(pg_user)" -d postgres -At
}

start_cluster() {
  local pgdata="$1" sockdir port
  sockdir="$(run_dir_for "$pgdata")"
  mkdir -p "$sockdir"
  chown "$(pg_user):" "$sockdir"
  chmod 0755 "$sockdir"

  if [[ ! -f "$pgdata/PG_VERSION" ]]; then
    say "initialising a PostgreSQL 15 cluster in $pgdata"
    as_pg "$PG_BIN/initdb" -D "$pgdata" -U "$(pg_user)" --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C >"$(dirname "$pgdata")/initdb.log" 2>&1 ||
      { cat "$(dirname "$pgdata")/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'ruru-quickstart.conf'" >>"$pgdata/postgresql.conf"
  fi

  if is_running "$pgdata"; then
    port="$(configured_port "$pgdata")"
    say "PostgreSQL is already running on 127.0.0.1:$port"
  else
    port="$(configured_port "$pgdata")"
    if [[ -z "$port" ]] || port_in_use "$port"; then port="$(pick_port)"; fi
    cat >"$pgdata/ruru-quickstart.conf" <<CONF
# Written by deploy/quickstart.sh on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
CONF
    chown "$(pg_user):" "$pgdata/ruru-quickstart.conf"
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$sockdir/postgres.log" -w -t 60 start >/dev/null ||
      { tail -n 20 "$sockdir/postgres.log" >&2; die "PostgreSQL did not start"; }
    say "PostgreSQL started on 127.0.0.1:$port (log: $sockdir/postgres.log)"
  fi
  PORT="$port"
  SOCKDIR="$sockdir"
}

# The password of role ruru, from var/ruru.env; empty if there is none yet.
stored_password() {
  if [[ -f "$ENV_FILE" ]]; then
    sed -n 's|^RURU_DB_DSN=postgresql://ruru:\([0-9a-f]*\)@.*|\1|p' "$ENV_FILE"
  fi
}

# Creates (or updates the password of) role ruru and database ruru; writes var/ruru.env.
setup_database() {
  local password
  password="$(stored_password)"
  [[ -n "$password" ]] || password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

  # Through stdin, so the password never shows in a process list. It is hex: safe to quote.
  admin_sql "$SOCKDIR" "$PORT" <<SQL
SELECT 'CREATE ROLE ruru LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ruru') \gexec
ALTER ROLE ruru PASSWORD '$password';
SELECT 'CREATE DATABASE ruru OWNER ruru' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ruru') \gexec
SQL

  local old_umask
  old_umask="$(umask)"
  umask 077
  cat >"$ENV_FILE" <<ENV
# Written by deploy/quickstart.sh: the quickstart database (keep this file private).
# Use it with:  set -a; . var/ruru.env; set +a
RURU_DB_DSN=postgresql://ruru:$password@127.0.0.1:$PORT/ruru
ENV
  umask "$old_umask"
  DB_PASSWORD="$password"
  DSN="postgresql://ruru:$password@127.0.0.1:$PORT/ruru"
}

# Writes a file of 32 random bytes as 64 hex digits (mode 0600) unless it exists.
ensure_secret() {
  local file="$1" what="$2"
  if [[ -s "$file" ]]; then chmod 0600 "$file"; return 0; fi
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$file" && echo >>"$file")
  say "created $what: ${file#"$ROOT"/} (0600)"
}

write_config() {
  (umask 077 && cat >"$CONF") <<CONF
# acsd configuration written by deploy/quickstart.sh, once: edit it freely (restart acsd after).
# The quickstart only keeps database.dsn in sync with its database. Every key, its environment
# variable and its default: build/acs/acsd config keys. Production template: deploy/acsd.conf.example.
# Precedence: acsd run --set section.key=value > environment RURU_SECTION_KEY > this file > default.

[cwmp]
# CWMP endpoint. 127.0.0.1 only: to let a real modem in, use 0.0.0.0:7547 (and open TCP 7547).
listen = 127.0.0.1:7547
# open: any CPE that informs is registered, whatever its username and password, Basic or Digest
# (fine on a lab machine; never on a port the internet can reach: use shared or off there).
onboarding = open
unknown_devices = register
# The 401 offers Digest and Basic, so CPEs that only speak Basic get in too (set digest to offer
# Digest only; Basic credentials sent unasked are accepted while allow_basic = true).
auth = both
allow_basic = true
drain_timeout = 10s

[credentials]
# At BOOTSTRAP every device gets its own CWMP and connection-request credentials; the CR
# passwords are stored encrypted with key_file. Losing cr.key loses them.
rotate_on_bootstrap = true
key_file = $CR_KEY
key_id = k1
nonce_key_file = $NONCE_KEY

[database]
dsn = $DSN

[admin]
# /metrics, /healthz, /readyz and the REST API (/api/v1, docs/api.md). acsctl finds the API here
# and reads its token from token_file (acsd itself stores only token hashes).
listen = 127.0.0.1:7557
token_file = $ADMIN_TOKEN

$(connection_request_section)

[log]
level = info
CONF
  say "created ${CONF#"$ROOT"/} (0600): open onboarding, CWMP on 127.0.0.1:7547, admin on 127.0.0.1:7557"
}

# Connection requests (acsd -> CPE) in a lab: loopback (the demo fleet) and private LAN addresses
# (real modems on your network) are allowed. The production default refuses both
# (deploy/acsd.conf.example, docs/connection_requests.md).
connection_request_section() {
  cat <<'SECTION'
[connection_request]
# Lab setting: CPEs on loopback and private networks may be asked to connect. Production keeps the
# default, which refuses loopback, private and link-local addresses (docs/connection_requests.md).
allowed_networks = 0.0.0.0/0, ::/0
denied_networks = 0.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3, fe80::/10, ff00::/8
SECTION
}

# A var/acsd.conf written by an older quickstart gets the [connection_request] section.
ensure_connection_request_section() {
  grep -q '^\[connection_request\]' "$CONF" && return 0
  (printf '\n' && connection_request_section) >>"$CONF"
  say "added the lab [connection_request] section to ${CONF#"$ROOT"/}"
}

# Sets the (only) `dsn =` line of var/acsd.conf to the quickstart DSN, leaving the rest as it is.
# The DSN goes through the environment, never argv (it holds the password).
sync_config_dsn() {
  local current
  current="$(awk -F'=' '/^[[:space:]]*dsn[[:space:]]*=/ { sub(/^[^=]*=[[:space:]]*/, ""); print; exit }' "$CONF")"
  if [[ "$current" == "$DSN" ]]; then return 0; fi
  local tmp="$CONF.tmp.$$"
  (umask 077 && QS_DSN="$DSN" awk '
    /^[[:space:]]*dsn[[:space:]]*=/ { print "dsn = " ENVIRON["QS_DSN"]; done = 1; next }
    { print }
    END { if (!done) { print ""; print "[database]"; print "dsn = " ENVIRON["QS_DSN"] } }' "$CONF" >"$tmp")
  mv "$tmp" "$CONF"
  say "updated database.dsn in ${CONF#"$ROOT"/} (the rest of the file is kept as it was)"
}

setup_files() {
  mkdir -p "$VAR"
  ensure_secret "$CR_KEY" "the CR-password key"
  ensure_secret "$NONCE_KEY" "the Digest nonce key"
  if [[ -f "$CONF" ]]; then
    say "reusing ${CONF#"$ROOT"/}"
    sync_config_dsn
    ensure_connection_request_section
  else
    write_config
  fi
  chmod 0600 "$CONF"
}

# The effective value of section.key (file + RURU_* environment + defaults), from acsd itself.
config_value() {
  local section="$1" key="$2"
  "$ACSD" config show --config "$CONF" |
    awk -v s="[$section]" -v k="$key" '/^\[/ { cur = $0; next } cur == s && $1 == k && !done { print $3; done = 1 }'
}

# "host:port" as listened on -> "host:port" to connect to locally.
local_addr() {
  local listen="$1" host port
  port="${listen##*:}"
  host="${listen%:*}"
  case "$host" in
    0.0.0.0) host=127.0.0.1 ;;
    "[::]") host="[::1]" ;;
  esac
  echo "$host:$port"
}

# GET http://ADDR/PATH; prints the body and succeeds only on 200.
http_get() {
  local addr="$1" path="$2"
  if command -v curl >/dev/null; then
    curl -fsS --max-time 3 "http://$addr$path" 2>/dev/null
    return
  fi
  local host="${addr%:*}" port="${addr##*:}"
  host="${host#[}"
  host="${host%]}"
  # shellcheck disable=SC2016
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET %s HTTP/1.0\r\nHost: x\r\n\r\n" "$2" >&3 && cat <&3' \
    "$host" "$port" "$path" 2>/dev/null |
    awk 'NR == 1 { if ($2 != "200") exit 1; ok = 1; next } body { print; next } /^\r?$/ { body = 1 } END { exit !ok }'
}

metric() {  # metric ADMIN_ADDR NAME [LABELS] -> value (0 when absent; "?" when acsd does not answer)
  local text
  text="$(http_get "$1" /metrics)" || { echo "?"; return 0; }
  awk -v n="$2${3:-}" '$1 == n && !found { print $2; found = 1 } END { if (!found) print 0 }' <<<"$text"
}

# Devices in the quickstart inventory (empty when the database cannot be asked).
inventory_count() {
  local password port="$1"
  password="${DB_PASSWORD:-$(stored_password)}"
  [[ -n "$password" && -n "$port" ]] || return 0
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=ruru PGDATABASE=ruru PGPASSWORD="$password" PGCONNECT_TIMEOUT=3 \
    "$PG_BIN/psql" -X -At -c 'SELECT count(*) FROM devices' 2>/dev/null || true
}

# The pid in FILE if that process is alive and runs EXE; empty otherwise.
live_pid() {
  local file="$1" exe="$2" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null || true)" == "$(readlink -f "$exe")" ]]; then echo "$pid"; fi
}

build() {
  local generator=()
  if [[ ! -f "$BUILD/CMakeCache.txt" ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  say "building acsd, acsctl and cpesim in build/"
  cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target acsd acsctl cpesim
}

# curl is what the banner tells people to use; the script itself does without it.
ensure_curl() {
  command -v curl >/dev/null && return 0
  if [[ $EUID -eq 0 ]]; then
    say "installing curl"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl >/dev/null ||
      say "could not install curl (not needed by the quickstart itself)"
  fi
}

# Everything but running acsd: dependencies, build, database, schema, configuration and keys.
cmd_setup() {
  [[ $EUID -eq 0 ]] || say "not root: the cluster will belong to $(id -un)"
  "$ROOT/deploy/install-deps.sh"
  ensure_curl
  build

  local pgdata
  pgdata="$(existing_pgdata)"
  if [[ -n "$pgdata" && -f "$pgdata/PG_VERSION" ]]; then
    say "reusing the cluster in $pgdata"
  else
    pgdata="${pgdata:-$(create_pgdata)}"
  fi
  start_cluster "$pgdata"
  setup_database
  setup_files

  say "applying database migrations (acsd migrate)"
  "$ACSD" migrate --config "$CONF"
  ensure_api_token
}

# var/admin.token holds an admin token of the REST API that the database knows (kept across reruns;
# made again when missing, or left over from an older quickstart, or revoked).
ensure_api_token() {
  local token=""
  [[ -s "$ADMIN_TOKEN" ]] && token="$(tr -d ' \n\r\t' <"$ADMIN_TOKEN")"
  if [[ "$token" == ruru_* ]] && "$ACSD" tokens list --config "$CONF" 2>/dev/null | grep -v revoked |
       grep -qF -- "${token:0:12}"; then
    chmod 0600 "$ADMIN_TOKEN"
    return 0
  fi
  rm -f "$ADMIN_TOKEN"
  "$ACSD" tokens create --config "$CONF" --role admin --name "quickstart-$(date -u +%Y%m%d%H%M%S)" \
    --output "$ADMIN_TOKEN" >/dev/null
  chmod 0600 "$ADMIN_TOKEN"
  say "created an admin API token: ${ADMIN_TOKEN#"$ROOT"/} (0600; acsctl reads it through var/acsd.conf)"
}

# --- running acsd (and cpesim) in the foreground ------------------------------------------------

ACSD_PID=""
SIM_PID=""
SIGNALS=0
on_signal() { SIGNALS=$((SIGNALS + 1)); }
# Should this script die unexpectedly, it leaves nothing running behind it.
on_exit() {
  local pid
  for pid in "$SIM_PID" "$ACSD_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
}

# Sends SIGTERM to PID (a child of this script) and waits up to SECONDS for it, then SIGKILL.
# Sets STOP_RC to its exit status. A further Ctrl-C meanwhile is passed on (acsd then stops at once).
STOP_RC=0
# A child is alive until it exits: a zombie (exited, not yet waited for) does not count.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }

stop_pid() {
  local pid="$1" seconds="$2" what="$3" deadline seen="$SIGNALS"
  STOP_RC=0
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + seconds))
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      say "$what did not stop within ${seconds}s: killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    if ((SIGNALS > seen)); then
      seen="$SIGNALS"
      kill -TERM "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || STOP_RC=$?
}

print_banner() {
  local cwmp="$1" admin="$2" demo="$3" cwmp_listen="$4" host_ip
  host_ip="$(hostname -I 2>/dev/null | awk '{ print $1 }')"
  local exposed="listens on 127.0.0.1 only"
  [[ "$cwmp_listen" == 127.* || "$cwmp_listen" == "[::1]"* ]] || exposed="listens on $cwmp_listen"
  cat <<EOF

==================================================================================================
 Ruru acsd is starting in the foreground; its log follows.   Stop: Ctrl-C
   CWMP (for CPEs)  http://$cwmp/    ($exposed)
   admin            http://$admin/metrics   /healthz   /readyz
   REST API         http://$admin/api/v1   (docs/api.md; token in var/admin.token)
   config           var/acsd.conf   (build/acs/acsd config show --config var/acsd.conf)
   database         PostgreSQL on 127.0.0.1:$PORT, database ruru (DSN in var/ruru.env)
   onboarding       open: any CPE that informs is registered (any username/password, Basic or
                    Digest) and gets its own credentials at BOOTSTRAP

 Point a CPE at it: set its ACS URL (ManagementServer.URL) to http://<this host>:${cwmp##*:}/
   acsd listens where var/acsd.conf says (cwmp.listen). For a real modem on your network, set
   cwmp.listen = 0.0.0.0:${cwmp##*:}, rerun, and use http://${host_ip:-<this host>}:${cwmp##*:}/ — on a lab
   network only: open onboarding registers anything that reaches the port.
   Simulated CPEs instead: ./deploy/quickstart.sh --demo 100
 Look at it:   build/acs/acsctl devices list           (from this directory: it reads var/acsd.conf)
               build/acs/acsctl reboot <serial>        (connection request, waits until it is back)
               curl -s http://$admin/metrics | grep '^ruru_'
               ./deploy/quickstart.sh status
 Stop:         Ctrl-C: acsd finishes open sessions (a second Ctrl-C cuts them)$([[ -n "$demo" ]] && printf ', cpesim stops')
               the database keeps running; ./deploy/quickstart.sh stop stops it
 API token:    var/admin.token (acsd tokens create/list/revoke --config var/acsd.conf)
==================================================================================================

EOF
}

# Polls /readyz until acsd is ready (true) or dead or out of time (false).
wait_ready() {
  local admin="$1" deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    alive "$ACSD_PID" || return 1
    ((SIGNALS == 0)) || return 1
    if http_get "$admin" /readyz >/dev/null; then return 0; fi
    sleep 0.5
  done
  return 1
}

report_inventory() {
  local admin="$1" count registered completed
  count="$(inventory_count "$PORT")"
  registered="$(metric "$admin" ruru_devices_registered_total)"
  completed="$(metric "$admin" ruru_cwmp_sessions_total '{outcome="completed"}')"
  say "inventory: ${count:-?} devices ($registered new since acsd started, $completed sessions completed)"
}

refuse_if_running() {
  local pid
  pid="$(live_pid "$ACSD_PIDFILE" "$ACSD")"
  [[ -z "$pid" ]] || die "acsd of this quickstart already runs (pid $pid); ./deploy/quickstart.sh stop stops it"
}

cmd_run() {
  local demo="$1"
  refuse_if_running

  local cwmp_listen admin_listen cwmp admin
  cwmp_listen="$(config_value cwmp listen)" || die "var/acsd.conf: see the message above"
  admin_listen="$(config_value admin listen)"
  cwmp="$(local_addr "$cwmp_listen")"
  admin="$(local_addr "$admin_listen")"
  local p
  for p in "${cwmp_listen##*:}" "${admin_listen##*:}"; do
    if tcp_port_in_use "$p"; then
      ss -Hltnp "sport = :$p" 2>/dev/null | sed 's/^/    /' >&2 || true
      die "TCP port $p is already in use (another acsd?); free it or change the port in var/acsd.conf"
    fi
  done

  trap on_signal INT TERM HUP
  trap on_exit EXIT
  print_banner "$cwmp" "$admin" "$demo" "$cwmp_listen"

  # acsd and cpesim run in their own sessions: a Ctrl-C reaches only this script, which then stops
  # them in order (cpesim first, then acsd drains), each with exactly one SIGTERM.
  setsid "$ACSD" run --config "$CONF" </dev/null &
  ACSD_PID=$!
  echo "$ACSD_PID" >"$ACSD_PIDFILE"

  if [[ -n "$demo" ]]; then
    if wait_ready "$admin"; then
      say "acsd is ready; starting cpesim with $demo simulated CPEs (TR-181 routers on 127.1.0.0/16)"
      setsid "$CPESIM" --acs-url "http://$cwmp/" --devices "$demo" --source-ips 127.1.0.0/16 \
        --inform-interval 30 --ramp-per-second 200 --summary-interval "$REPORT_EVERY" </dev/null &
      SIM_PID=$!
      echo "$SIM_PID" >"$SIM_PIDFILE"
    elif ((SIGNALS == 0)) && alive "$ACSD_PID"; then
      say "acsd is not ready after ${READY_TIMEOUT}s ($(http_get "$admin" /readyz || echo "no answer")); no demo fleet" >&2
    fi
  fi

  # Watch: report the inventory, notice signals and a child that exits by itself.
  local last_count="" next_report=$((SECONDS + REPORT_EVERY)) acsd_rc="" sleeper
  while ((SIGNALS == 0)); do
    if ! alive "$ACSD_PID"; then
      acsd_rc=0
      wait "$ACSD_PID" || acsd_rc=$?
      if [[ "$acsd_rc" == 0 ]]; then
        say "acsd stopped (it was sent SIGTERM or SIGINT from elsewhere, e.g. ./deploy/quickstart.sh stop)"
      else
        say "acsd exited with status $acsd_rc (see its log above; exit codes: docs/operations.md)" >&2
      fi
      ACSD_PID=""
      break
    fi
    if [[ -n "$SIM_PID" ]] && ! alive "$SIM_PID"; then
      local sim_rc=0
      wait "$SIM_PID" || sim_rc=$?
      say "cpesim exited (status $sim_rc); acsd keeps running" >&2
      SIM_PID=""
      rm -f "$SIM_PIDFILE"
    fi
    if ((SECONDS >= next_report)); then
      next_report=$((SECONDS + REPORT_EVERY))
      if [[ -n "$demo" ]]; then
        report_inventory "$admin" || true
      else
        local count
        count="$(inventory_count "$PORT")"
        if [[ -n "$count" && "$count" != "$last_count" ]]; then
          say "inventory: $count devices"
          last_count="$count"
        fi
      fi
    fi
    sleep 1 &
    sleeper=$!
    if ! wait "$sleeper" 2>/dev/null; then  # a signal came: wait returned early
      kill "$sleeper" 2>/dev/null || true
    fi
  done

  local rc=0
  if [[ -n "$SIM_PID" ]]; then
    say "stopping cpesim"
    stop_pid "$SIM_PID" 15 cpesim
    SIM_PID=""
    rm -f "$SIM_PIDFILE"
    [[ "$STOP_RC" == 0 || "$STOP_RC" == 143 ]] || say "cpesim exited with status $STOP_RC" >&2
  fi
  if [[ -z "$acsd_rc" ]]; then
    say "stopping acsd (it finishes open sessions first)"
    stop_pid "$ACSD_PID" 60 acsd
    rc="$STOP_RC"
    ACSD_PID=""
    [[ "$rc" != 0 ]] || say "acsd stopped; the database keeps running (./deploy/quickstart.sh stop stops it)"
  else
    rc="$acsd_rc"
  fi
  rm -f "$ACSD_PIDFILE"
  if [[ -n "$demo" ]]; then
    local count
    count="$(inventory_count "$PORT")"
    [[ -z "$count" ]] || say "the inventory holds $count devices"
  fi
  exit "$rc"
}

cmd_start() {
  local demo=""
  while (($#)); do
    case "$1" in
      --demo)
        [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--demo needs a number of devices (e.g. --demo 100)"
        demo="$2"
        shift 2
        ;;
      --demo=*)
        demo="${1#--demo=}"
        [[ "$demo" =~ ^[1-9][0-9]*$ ]] || die "--demo needs a number of devices (e.g. --demo 100)"
        shift
        ;;
      *) die "unknown option '$1' (see ./deploy/quickstart.sh --help)" ;;
    esac
  done
  refuse_if_running
  cmd_setup
  cmd_run "$demo"
}

cmd_stop() {
  local pid
  pid="$(live_pid "$SIM_PIDFILE" "$CPESIM")"
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    say "sent SIGTERM to cpesim (pid $pid)"
  fi
  rm -f "$SIM_PIDFILE"
  pid="$(live_pid "$ACSD_PIDFILE" "$ACSD")"
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    say "sent SIGTERM to acsd (pid $pid); waiting for it to drain"
    local i=0
    while kill -0 "$pid" 2>/dev/null && ((i++ < 600)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "acsd (pid $pid) is still running" >&2; else say "acsd stopped"; fi
  fi
  rm -f "$ACSD_PIDFILE"

  local pgdata
  pgdata="$(existing_pgdata)"
  if [[ -z "$pgdata" || ! -f "$pgdata/PG_VERSION" ]]; then say "no cluster in var/pg"; return 0; fi
  if is_running "$pgdata"; then
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" stop -m fast -w -t 60 >/dev/null
    say "PostgreSQL stopped (data kept in $pgdata)"
  else
    say "PostgreSQL is not running"
  fi
}

cmd_status() {
  local pgdata
  pgdata="$(existing_pgdata)"
  if [[ -z "$pgdata" || ! -f "$pgdata/PG_VERSION" ]]; then say "no cluster yet: run ./deploy/quickstart.sh"; return 1; fi
  if ! is_running "$pgdata"; then say "PostgreSQL is stopped (data in $pgdata)"; return 3; fi
  local port
  port="$(configured_port "$pgdata")"
  say "PostgreSQL is running on 127.0.0.1:$port (data in $pgdata)"
  if [[ -x "$ACSD" && -f "$CONF" ]]; then
    "$ACSD" migrate --status --config "$CONF" || true
  elif [[ -x "$ACSD" && -f "$ENV_FILE" ]]; then
    # shellcheck source=/dev/null
    (set -a && . "$ENV_FILE" && set +a && "$ACSD" migrate --status) || true
  fi
  local count
  count="$(inventory_count "$port")"
  [[ -z "$count" ]] || say "inventory: $count devices"

  [[ -x "$ACSD" && -f "$CONF" ]] || { say "acsd: no var/acsd.conf yet"; return 0; }
  local admin pid health ready
  admin="$(local_addr "$(config_value admin listen)")"
  pid="$(live_pid "$ACSD_PIDFILE" "$ACSD")"
  if health="$(http_get "$admin" /healthz)"; then
    ready="$(http_get "$admin" /readyz || echo "not ready")"
    say "acsd answers /healthz on $admin: ${health} (readyz: ${ready})${pid:+, pid $pid}"
    say "acsd: $(metric "$admin" ruru_devices_registered_total) devices registered since it started, $(metric "$admin" ruru_cwmp_active_sessions) sessions in progress"
  else
    say "acsd does not answer /healthz on $admin${pid:+ (pid $pid is running)}"
  fi
  pid="$(live_pid "$SIM_PIDFILE" "$CPESIM")"
  [[ -z "$pid" ]] || say "cpesim (demo fleet) is running, pid $pid"
  return 0
}

case "${1:-start}" in
  start) shift || true; cmd_start "$@" ;;
  --demo | --demo=*) cmd_start "$@" ;;
  setup) cmd_setup; say "set up; run ./deploy/quickstart.sh to start acsd" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h | --help | help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" ;;
  *) die "unknown command '$1' (start [--demo N], setup, stop, status)" ;;
esac
