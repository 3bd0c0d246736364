#!/usr/bin/env bash
# Quick start on one Debian 12 machine: dependencies, a build, a private PostgreSQL 15 cluster,
# the `ruru` database with its schema, and var/ruru.env holding its connection string.
#
#   ./deploy/quickstart.sh          set up or resume (idempotent: reuses the build and the cluster)
#   ./deploy/quickstart.sh stop     stop the cluster (data is kept)
#   ./deploy/quickstart.sh status   cluster and schema status
#
# The cluster's data lives in var/pg. It belongs to the postgres user, which must be able to reach
# it: when the checkout is not traversable by postgres (e.g. under /root, mode 0700), the data goes
# to /var/lib/ruru-quickstart/<hash of the checkout path>/ and var/pg is a symlink to it.
# The server listens on 127.0.0.1 only (first free port from 5432) with password authentication;
# administration uses its unix socket with peer authentication.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN=/usr/lib/postgresql/15/bin
VAR="$ROOT/var"
ENV_FILE="$VAR/ruru.env"
BUILD="$ROOT/build"
ALT_HOME="/var/lib/ruru-quickstart/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"

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

# Creates (or updates the password of) role ruru and database ruru; writes var/ruru.env.
setup_database() {
  local password=""
  if [[ -f "$ENV_FILE" ]]; then
    password="$(sed -n 's|^RURU_DB_DSN=postgresql://ruru:\([0-9a-f]*\)@.*|\1|p' "$ENV_FILE")"
  fi
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
  DSN="postgresql://ruru:$password@127.0.0.1:$PORT/ruru"
}

build() {
  local generator=()
  if [[ ! -f "$BUILD/CMakeCache.txt" ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  say "building acsd and acsctl in build/"
  cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target acsd acsctl
}

cmd_start() {
  [[ $EUID -eq 0 ]] || say "not root: the cluster will belong to $(id -un)"
  "$ROOT/deploy/install-deps.sh"
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

  say "applying database migrations (acsd migrate)"
  RURU_DB_DSN="$DSN" "$BUILD/acs/acsd" migrate

  cat <<EOF

Ruru quickstart is ready.
  database   PostgreSQL 15 on 127.0.0.1:$PORT, database "ruru", data in $pgdata
  DSN        var/ruru.env (RURU_DB_DSN; keep it private)

What exists so far:
  build/acs/acsd migrate [--status]      apply / show the database schema
  build/acs/acsd version
  build/acs/acsctl cwmp decode|encode    CWMP SOAP envelope <-> JSON (see build/acs/acsctl cwmp --help)
The CWMP server (acsd serving CPEs) comes with a later issue.

  set -a; . var/ruru.env; set +a; build/acs/acsd migrate --status
  ./deploy/quickstart.sh stop            stop the cluster (rerun quickstart.sh to start it again)
EOF
}

cmd_stop() {
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
  say "PostgreSQL is running on 127.0.0.1:$(configured_port "$pgdata") (data in $pgdata)"
  if [[ -x "$BUILD/acs/acsd" && -f "$ENV_FILE" ]]; then
    (set -a && . "$ENV_FILE" && set +a && "$BUILD/acs/acsd" migrate --status)
  fi
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h | --help | help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (start, stop, status)" ;;
esac
