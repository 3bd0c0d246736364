#!/usr/bin/env bash
# The whole test harness, as CI runs it (.ci/run) — see docs/testing.md.
#
#   1. deploy/install-deps.sh (no network when everything is installed)
#   2. gcc RelWithDebInfo build in build/, then every test (ctest -L 'unit|pg|e2e|e2e-sanitize')
#      against a private, throw-away PostgreSQL 15 cluster (RURU_TEST_PG_DSN points at it), then
#      tests/quickstart_smoke.sh (deploy/quickstart.sh --demo, acsctl devices list and reboot)
#   3. clang ASan+UBSan build with the libFuzzer targets in build-asan/, ctest -L
#      'unit|pg|e2e-sanitize' (the e2e tests of acsd's edge: chaos, hostile input, TLS; every e2e
#      test with RURU_CI_FULL=1), then the bounded fuzz runs (ctest -L fuzz)
#
# Builds go through ccache when it is installed (install-deps installs it), with its directory
# outside the checkout, so a fresh clone on the same machine starts warm (docs/testing.md).
#
# Environment:
#   RURU_SKIP_ASAN=1        skip step 3
#   RURU_CI_FULL=1          step 3 runs every e2e test too, and the benchmarks are built
#   RURU_FUZZ_SECONDS=N     how long each fuzz test runs (default 60); passed on to ctest
#   RURU_JOBS=N             build and ctest parallelism (default: nproc)
#   RURU_CTEST_ARGS="..."   extra ctest arguments for the test runs, e.g. "-R Migrator"
#   RURU_CCACHE_DIR=DIR     the compiler cache (default /var/cache/ruru/ccache as root, else
#                           ~/.cache/ruru-ccache); RURU_CCACHE=0 builds without it
#
# The PostgreSQL cluster lives in a mktemp directory under /tmp (so the postgres user can reach
# it even when the checkout is under a 0700 directory such as /root) and is stopped and removed
# on exit, whatever the outcome. Exits non-zero if any step fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${RURU_JOBS:-$(nproc)}"
FUZZ_SECONDS="${RURU_FUZZ_SECONDS:-60}"
SKIP_ASAN="${RURU_SKIP_ASAN:-0}"
CI_FULL="${RURU_CI_FULL:-0}"
read -r -a EXTRA_CTEST_ARGS <<<"${RURU_CTEST_ARGS:-}"
PG_BIN=/usr/lib/postgresql/15/bin
TEST_LABELS='^(unit|pg|e2e|e2e-sanitize)$'
SANITIZER_LABELS='^(unit|pg|e2e-sanitize)$'
[[ "$CI_FULL" == 1 ]] && SANITIZER_LABELS="$TEST_LABELS"
export RURU_FUZZ_SECONDS="$FUZZ_SECONDS"

SUMMARY=()
CCACHE_NOTES=()
RERUN_LOGS=()
FAILED_NOTES=()
FAILED=0
PG_TMP=""
PG_PID=""
CHILD=""
CURRENT_STAGE=""
START_TIME=$SECONDS

log() { printf '\n=== run.sh: %s\n' "$*"; }

# stage <name> <command...>: runs the command, records ok/FAILED and the time it took.
stage() {
  local name="$1" t0=$SECONDS rc=0
  shift
  log "$name"
  CURRENT_STAGE="$name"
  "$@" || rc=$?
  CURRENT_STAGE=""
  if [[ $rc -eq 0 ]]; then
    SUMMARY+=("ok      $name ($((SECONDS - t0))s)")
  else
    SUMMARY+=("FAILED  $name (exit $rc, $((SECONDS - t0))s)")
    FAILED=1
  fi
  return $rc
}

# run <command...>: runs an external command in its own process group and waits for it. Bash
# delays traps while a foreground child runs and drops a SIGINT that the child handles itself (as
# ctest does), so Ctrl-C would not stop this script; `wait` is interrupted by trapped signals at
# once. The traps then stop the whole group (the command and e.g. the tests ctest started), so an
# interrupted run leaves no test process behind. perl restores SIGINT/SIGQUIT, which bash ignores
# in background children.
run() {
  perl -e 'setpgrp(0, 0); $SIG{INT} = $SIG{QUIT} = "DEFAULT";
           exec { $ARGV[0] } @ARGV or die "run.sh: cannot run $ARGV[0]: $!\n"' -- "$@" &
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=""
  return $rc
}

# Stops the process group of an interrupted run(): SIGINT (ctest then stops its tests), SIGTERM
# after 5 s, SIGKILL after 10 s.
stop_child_group() {
  local group="$1" i
  kill -INT -- "-$group" 2>/dev/null || return 0
  for i in {1..20}; do
    kill -0 -- "-$group" 2>/dev/null || return 0
    [[ $i -eq 10 ]] && kill -TERM -- "-$group" 2>/dev/null
    sleep 0.5
  done
  kill -KILL -- "-$group" 2>/dev/null || true
}

# Runs a command as the postgres user (as root), from / so that a 0700 working directory does not
# trip initdb and pg_ctl. As another user, runs it as that user.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

stop_cluster() {
  local dir="$1" pid=""
  [[ -f "$dir/data/postmaster.pid" ]] && pid="$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" stop -m immediate -w -t 30 >/dev/null 2>&1 || true
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
}

print_summary() {
  local log
  for log in "${RERUN_LOGS[@]}"; do
    [[ -f "$log" ]] || continue
    echo
    echo "=== run.sh: failures in $log"
    # The failures' own lines first (gtest and ctest), then the end of the rerun.
    grep -E '^\[  FAILED  \]|Failure$|\*\*\*|Expected|Which is|Value of|Actual' "$log" | head -n 40 || true
    if [[ "$log" == */rerun-failed.log ]]; then tail -n 30 "$log"; fi
  done
  echo
  echo "=== run.sh summary ($((SECONDS - START_TIME))s)"
  local line
  for line in "${SUMMARY[@]}"; do echo "  $line"; done
  for line in "${FAILED_NOTES[@]}"; do echo "  $line"; done
  for line in "${CCACHE_NOTES[@]}"; do echo "  $line"; done
  if [[ $FAILED -eq 0 && ${#SUMMARY[@]} -gt 0 ]]; then echo "=== run.sh: all steps passed"; else echo "=== run.sh: FAILED"; fi
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [[ -n "$CHILD" ]] && stop_child_group "$CHILD"
  if [[ -n "$PG_TMP" ]]; then
    stop_cluster "$PG_TMP"
    rm -rf "$PG_TMP"
    echo "run.sh: PostgreSQL test cluster stopped and removed"
  fi
  [[ -n "$CURRENT_STAGE" ]] && SUMMARY+=("STOPPED $CURRENT_STAGE (exit $rc)")
  [[ $rc -ne 0 ]] && FAILED=1
  print_summary
  exit $(( rc != 0 ? rc : FAILED ))
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT
trap 'echo "run.sh: terminated" >&2; exit 143' TERM

# A run killed with SIGKILL could not clean up. Its cluster is recognisable by the owner.pid file
# of a process that no longer exists: stop that postmaster (by its pid file) and remove the dir.
reap_stale_clusters() {
  local dir owner
  for dir in /tmp/ruru-test-pg.*; do
    [[ -f "$dir/owner.pid" ]] || continue
    owner="$(cat "$dir/owner.pid" 2>/dev/null || true)"
    if [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null; then
      echo "run.sh: removing stale test cluster $dir (its run.sh, pid $owner, is gone)"
      stop_cluster "$dir"
      rm -rf "$dir"
    fi
  done
}

port_in_use() {
  local port="$1"
  [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && return 0
  [[ -e "/tmp/.s.PGSQL.$port" || -e "/var/run/postgresql/.s.PGSQL.$port" ]] && return 0
  ss -Hlx 2>/dev/null | grep -q "\.s\.PGSQL\.$port\b" && return 0
  return 1
}

pick_port() {
  local base=$((54320 + RANDOM % 1000)) i port
  for ((i = 0; i < 1000; i++)); do
    port=$((base + i))
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  echo "run.sh: no free port for PostgreSQL in $base..$((base + 999))" >&2
  return 1
}

start_cluster() {
  reap_stale_clusters
  # Called from stage(), where errexit is off: every step that matters checks itself.
  PG_TMP="$(mktemp -d /tmp/ruru-test-pg.XXXXXX)" || return 1
  echo $$ >"$PG_TMP/owner.pid" || return 1
  chmod 0700 "$PG_TMP" || return 1
  if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$PG_TMP" || return 1; fi
  local port
  port="$(pick_port)" || return 1

  as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log"; return 1; }
  # Durability is worthless for a throw-away cluster; these make CREATE DATABASE and commits fast.
  cat >>"$PG_TMP/data/postgresql.conf" <<CONF

# tests/run.sh: private throw-away cluster, unix socket only
listen_addresses = ''
port = $port
unix_socket_directories = '$PG_TMP'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
  [[ $? -eq 0 ]] || return 1
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 start >/dev/null; then
    cat "$PG_TMP/postgres.log" >&2
    return 1
  fi
  PG_PID="$(head -n1 "$PG_TMP/data/postmaster.pid")"
  export RURU_TEST_PG_DSN="postgresql://postgres@/postgres?host=$PG_TMP&port=$port"
  "$PG_BIN/psql" "$RURU_TEST_PG_DSN" -XAtqc 'SELECT version()' || return 1
  echo "run.sh: RURU_TEST_PG_DSN=$RURU_TEST_PG_DSN (postmaster pid $PG_PID)"
}

# The compiler cache: outside the checkout (a fresh clone on this machine finds it warm), keyed
# on paths relative to the checkout (CCACHE_BASEDIR + no hashed working directory), so two clones
# in different folders share entries.
LAUNCHER=()
setup_ccache() {
  [[ "${RURU_CCACHE:-1}" == 1 ]] && command -v ccache >/dev/null || return 0
  local default_dir="${XDG_CACHE_HOME:-$HOME/.cache}/ruru-ccache"
  [[ $EUID -eq 0 ]] && default_dir=/var/cache/ruru/ccache
  export CCACHE_DIR="${RURU_CCACHE_DIR:-$default_dir}"
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-12G}"
  mkdir -p "$CCACHE_DIR" || return 0
  LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  echo "run.sh: ccache in $CCACHE_DIR"
}

# build <build dir> [target...]: cmake --build (every target when none is named), then what ccache
# did for it (hits and misses).
build() {
  local dir="$1" rc=0
  shift
  local targets=()
  [[ $# -gt 0 ]] && targets=(--target "$@")
  [[ ${#LAUNCHER[@]} -gt 0 ]] && ccache --zero-stats >/dev/null
  run cmake --build "$dir" -j "$JOBS" "${targets[@]}" || rc=$?
  if [[ ${#LAUNCHER[@]} -gt 0 ]]; then
    local stats
    stats="$(ccache --print-stats 2>/dev/null | awk -F'\t' '$1=="direct_cache_hit"||$1=="preprocessed_cache_hit"{h+=$2} $1=="cache_miss"{m=$2} END{printf "%d hits, %d misses", h, m}')"
    echo "run.sh: ccache for $(basename "$dir"): $stats"
    CCACHE_NOTES+=("ccache $(basename "$dir"): $stats")
  fi
  return $rc
}

# configure <build dir> <cmake args...>: Ninja for a fresh build dir if available; an existing
# dir keeps its generator.
configure() {
  local dir="$1"
  shift
  local generator=()
  if [[ ! -f "$dir/CMakeCache.txt" ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  run cmake -S "$ROOT" -B "$dir" "${generator[@]}" "${LAUNCHER[@]}" "$@"
}

# run_tests <build dir> <label regex>
run_tests() {
  local dir="$1" labels="$2" rc=0
  shift 2
  run ctest --test-dir "$dir" --output-on-failure --no-tests=error -L "$labels" -j "$JOBS" \
    --timeout 600 -O "$dir/ctest-run.log" "${EXTRA_CTEST_ARGS[@]}" "$@" || rc=$?
  [[ $rc -ne 0 ]] && note_failed_tests "$dir"
  return $rc
}

# note_failed_tests <build dir>: names the tests of a failed ctest run in the summary and runs
# them once more, alone, into <build dir>/rerun-failed.log. The stage stays failed whatever the
# rerun says; the rerun only tells a flaky test from a broken one, and the end of its output is
# printed after the summary, where a log that keeps only its tail still shows it.
note_failed_tests() {
  local dir="$1" list="$1/Testing/Temporary/LastTestsFailed.log" names
  [[ -f "$list" ]] || return 0
  names="$(cut -d: -f2- "$list" | tr '\n' ' ')"
  FAILED_NOTES+=("failed in $(basename "$dir"): $names")
  local rerun=0
  run ctest --test-dir "$dir" --rerun-failed --output-on-failure -j 1 --timeout 600 \
    >"$dir/rerun-failed.log" 2>&1 || rerun=$?
  if [[ $rerun -eq 0 ]]; then
    FAILED_NOTES+=("rerun alone: all passed (flaky under load?); see $dir/rerun-failed.log")
  else
    FAILED_NOTES+=("rerun alone: failed again; see $dir/rerun-failed.log")
  fi
  RERUN_LOGS+=("$dir/ctest-run.log" "$dir/rerun-failed.log")
}

run_fuzz() {
  local dir="$1"
  if [[ -z "$(ctest --test-dir "$dir" -N -L '^fuzz$' | grep -E '^ *Test +#' || true)" ]]; then
    echo "run.sh: no fuzz tests registered (tests/fuzz); nothing to run"
    return 0
  fi
  run ctest --test-dir "$dir" --output-on-failure -L '^fuzz$' -j "$JOBS" --timeout $((FUZZ_SECONDS * 3 + 120))
}

cd "$ROOT"
stage "install dependencies" run "$ROOT/deploy/install-deps.sh" || exit 1
setup_ccache

# Benchmarks are built (not run) only with RURU_CI_FULL=1: no test needs them.
BENCH=OFF
[[ "$CI_FULL" == 1 ]] && BENCH=ON
# Line tables only (-g1: file:line in sanitizer reports and backtraces, no variable info) and lld:
# measured here, a heavy translation unit compiles in 26 s instead of 42 s with full -g, and a test
# binary links in 0.4 s instead of 2.4 s with GNU ld (docs/testing.md).
# Unity builds (RURU_UNITY, CMakeLists.txt): each heavy header parsed once per batch of sources.
BUILD_FLAGS=(-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
             -DRURU_UNITY=ON)
if command -v ld.lld >/dev/null; then
  BUILD_FLAGS+=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
fi
stage "configure gcc (build/)" configure "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DRURU_TESTS=ON -DRURU_SANITIZE=OFF -DRURU_FUZZ=OFF \
  -DRURU_BENCH="$BENCH" "${BUILD_FLAGS[@]}" || exit 1
stage "build gcc" build "$ROOT/build" || exit 1

stage "start PostgreSQL 15 test cluster" start_cluster || exit 1

stage "tests gcc (unit|pg|e2e)" run_tests "$ROOT/build" "$TEST_LABELS" || true

# The README's first command as a new user runs it (own PostgreSQL and state in a temp dir).
stage "quickstart smoke (setup, demo fleet, acsctl devices list + reboot, Ctrl-C)" \
  run "$ROOT/tests/quickstart_smoke.sh" || true

if [[ "$SKIP_ASAN" == 1 ]]; then
  SUMMARY+=("skipped sanitizer pass (RURU_SKIP_ASAN=1)")
else
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  # -O1, as the AddressSanitizer documentation advises: measured here, a heavy translation unit
  # compiles 10-15% faster than with -O2 (session_driver.cpp 41-46 s against 48-49 s).
  ASAN_BUILD_FLAGS=(-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
                    -DRURU_UNITY=ON)
  command -v ld.lld >/dev/null && ASAN_BUILD_FLAGS+=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
  # Only what the pass runs (tests/CMakeLists.txt, target sanitizer_set); everything with RURU_CI_FULL=1.
  ASAN_TARGETS=(sanitizer_set)
  [[ "$CI_FULL" == 1 ]] && ASAN_TARGETS=()
  if stage "configure clang ASan+UBSan (build-asan/)" configure "$ROOT/build-asan" \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
       -DRURU_TESTS=ON -DRURU_SANITIZE=ON -DRURU_FUZZ=ON -DRURU_BENCH=OFF "${ASAN_BUILD_FLAGS[@]}" &&
     stage "build clang ASan+UBSan (${ASAN_TARGETS[*]:-all})" build "$ROOT/build-asan" "${ASAN_TARGETS[@]}"; then
    stage "tests ASan+UBSan ($SANITIZER_LABELS)" run_tests "$ROOT/build-asan" "$SANITIZER_LABELS" || true
    stage "fuzz (${FUZZ_SECONDS}s per target)" run_fuzz "$ROOT/build-asan" || true
  fi
fi

exit "$FAILED"
