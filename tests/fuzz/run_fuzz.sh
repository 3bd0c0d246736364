#!/usr/bin/env bash
# Bounded libFuzzer run, as ctest runs it (tests/fuzz/CMakeLists.txt, LABELS fuzz):
#
#   run_fuzz.sh --fuzzer BIN --workdir DIR [--dict FILE] [--fixtures DIR] [--seeds DIR]...
#               [--regressions DIR] [--default-seconds N] [--max-seconds N] [-- LIBFUZZER ARGS...]
#
#  1. Builds the seed corpus in DIR/seeds: every tests/fixtures/**/*.http with its HTTP headers
#     stripped (the body after the first blank line; a GET or an empty POST gives an empty seed),
#     every other fixture file as it is, and every file of each --seeds directory.
#  2. Replays each file of --regressions (saved reproducers of fixed bugs; not its subdirectories,
#     so regressions/open/ is skipped) once; any failure fails the run.
#  3. Copies the seeds into a fresh, writable corpus DIR/corpus and fuzzes for RURU_FUZZ_SECONDS
#     (default: --default-seconds, else 60) with -rss_limit_mb=2048 -max_len=65536 -timeout=10.
#     Arguments after "--" go to libFuzzer as they are (e.g. -jobs=2, -use_value_profile=1).
#
# Exits non-zero on any crash, leak, sanitizer report, timeout or out-of-memory. The reproducer is
# kept in DIR/artifacts/ and its path printed, with the command to replay and minimize it. The
# full libFuzzer log is DIR/fuzz.log.
set -uo pipefail

FUZZER="" WORKDIR="" DICT="" FIXTURES="" REGRESSIONS="" DEFAULT_SECONDS=60 MAX_SECONDS=""
SEED_DIRS=()
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fuzzer) FUZZER="$2"; shift 2 ;;
    --workdir) WORKDIR="$2"; shift 2 ;;
    --dict) DICT="$2"; shift 2 ;;
    --fixtures) FIXTURES="$2"; shift 2 ;;
    --seeds) SEED_DIRS+=("$2"); shift 2 ;;
    --regressions) REGRESSIONS="$2"; shift 2 ;;
    --default-seconds) DEFAULT_SECONDS="$2"; shift 2 ;;
    --max-seconds) MAX_SECONDS="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "run_fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [[ -z "$FUZZER" || -z "$WORKDIR" ]]; then
  echo "usage: run_fuzz.sh --fuzzer BIN --workdir DIR [--dict FILE] [--fixtures DIR] [--seeds DIR]... [-- ARGS]" >&2
  exit 2
fi
if [[ ! -x "$FUZZER" ]]; then
  echo "run_fuzz.sh: fuzzer '$FUZZER' not found or not executable (build it first)" >&2
  exit 2
fi

SECONDS_TO_RUN="${RURU_FUZZ_SECONDS:-$DEFAULT_SECONDS}"
if ! [[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] || [[ "$SECONDS_TO_RUN" -lt 1 ]]; then
  echo "run_fuzz.sh: RURU_FUZZ_SECONDS must be a positive number of seconds, got '$SECONDS_TO_RUN'" >&2
  exit 2
fi
if [[ -n "$MAX_SECONDS" && "$SECONDS_TO_RUN" -gt "$MAX_SECONDS" ]]; then
  echo "run_fuzz.sh: WARNING: RURU_FUZZ_SECONDS=$SECONDS_TO_RUN does not fit in the ctest TIMEOUT set at" \
       "configure time; fuzzing $MAX_SECONDS s instead (re-run cmake with RURU_FUZZ_SECONDS set to fuzz longer)" >&2
  SECONDS_TO_RUN="$MAX_SECONDS"
fi

NAME="$(basename "$FUZZER")"
SEEDS="$WORKDIR/seeds"
CORPUS="$WORKDIR/corpus"
ARTIFACTS="$WORKDIR/artifacts"
LOG="$WORKDIR/fuzz.log"
if ! mkdir -p "$WORKDIR" "$ARTIFACTS" || ! rm -rf "$SEEDS" "$CORPUS" || ! mkdir -p "$SEEDS" "$CORPUS"; then
  echo "run_fuzz.sh: cannot set up the work directory $WORKDIR" >&2
  exit 2
fi

# Sanitizer defaults (tests/run.sh sets its own; these apply when run by hand or by plain ctest).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# ---- 1. seeds --------------------------------------------------------------------------------
# The body of a raw HTTP capture: everything after the first empty line (CRLF or LF). Binary-safe.
http_body() { perl -0777 -ne 'print $1 if /\A.*?\r?\n\r?\n(.*)\z/s' "$1"; }

n_seeds=0
if [[ -n "$FIXTURES" && -d "$FIXTURES" ]]; then
  while IFS= read -r -d '' f; do
    rel="${f#"$FIXTURES"/}"
    out="$SEEDS/fixture-${rel//\//_}"
    case "$f" in
      *.http) http_body "$f" >"$out" || exit 2 ;;
      *) cp "$f" "$out" || exit 2 ;;
    esac
    n_seeds=$((n_seeds + 1))
  done < <(find "$FIXTURES" -type f ! -name '*.md' ! -name '.*' -print0 | sort -z)
fi
for dir in "${SEED_DIRS[@]}"; do
  [[ -d "$dir" ]] || continue
  while IFS= read -r -d '' f; do
    cp "$f" "$SEEDS/seed-$(basename "$f")" || exit 2
    n_seeds=$((n_seeds + 1))
  done < <(find "$dir" -maxdepth 1 -type f ! -name '*.md' ! -name '.*' -print0 | sort -z)
done
echo "run_fuzz.sh: $NAME: $n_seeds seed files in $SEEDS"

# ---- 2. saved reproducers ----------------------------------------------------------------------
if [[ -n "$REGRESSIONS" && -d "$REGRESSIONS" ]]; then
  mapfile -d '' regressions < <(find "$REGRESSIONS" -maxdepth 1 -type f ! -name '*.md' ! -name '.*' -print0 | sort -z)
  if [[ ${#regressions[@]} -gt 0 ]]; then
    echo "run_fuzz.sh: $NAME: replaying ${#regressions[@]} saved reproducers from $REGRESSIONS"
    failed=0
    for f in "${regressions[@]}"; do
      if ! "$FUZZER" -rss_limit_mb=2048 -timeout=10 "$f" >"$WORKDIR/regression.log" 2>&1; then
        echo "run_fuzz.sh: FAILED: $NAME still fails on $f:"
        tail -n 40 "$WORKDIR/regression.log"
        failed=1
      fi
    done
    [[ $failed -eq 0 ]] || exit 1
  fi
fi

# ---- 3. fuzz ---------------------------------------------------------------------------------
cp -R "$SEEDS"/. "$CORPUS"/ || { echo "run_fuzz.sh: cannot copy the seeds into $CORPUS" >&2; exit 2; }
dict_args=()
[[ -n "$DICT" && -f "$DICT" ]] && dict_args=(-dict="$DICT")

marker="$WORKDIR/.run-start"
: >"$marker"

cmd=("$FUZZER" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -max_len=65536 -timeout=10
     -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" "${dict_args[@]}" "${EXTRA[@]}" "$CORPUS")
echo "run_fuzz.sh: $NAME: fuzzing for ${SECONDS_TO_RUN}s; log: $LOG"
echo "run_fuzz.sh: ${cmd[*]}"
"${cmd[@]}" >"$LOG" 2>&1
rc=$?

# A short summary from the log: the last status line and the final stats.
grep -E '^#[0-9]+.*(DONE|pulse|REDUCE|NEW)' "$LOG" | tail -n 1
grep -E '^stat::' "$LOG"

new_artifacts=()
while IFS= read -r -d '' f; do new_artifacts+=("$f"); done \
  < <(find "$ARTIFACTS" -type f -newer "$marker" -print0 2>/dev/null)

if [[ $rc -eq 0 && ${#new_artifacts[@]} -eq 0 ]] && ! grep -qE '^(==[0-9]+==ERROR|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer)|runtime error:' "$LOG"; then
  echo "run_fuzz.sh: $NAME: OK, no crash, leak, timeout or sanitizer report in ${SECONDS_TO_RUN}s"
  exit 0
fi

echo "run_fuzz.sh: FAILED: $NAME exited with status $rc"
echo "---- last 60 lines of $LOG ----"
tail -n 60 "$LOG"
echo "----"
for f in "${new_artifacts[@]}"; do
  echo "run_fuzz.sh: reproducer kept: $f ($(stat -c %s "$f") bytes)"
  echo "  base64: $(head -c 4096 "$f" | base64 -w0)"
  echo "  replay:   $FUZZER $f"
  echo "  minimize: $FUZZER -minimize_crash=1 -runs=100000 -exact_artifact_path=$f.min $f"
done
[[ ${#new_artifacts[@]} -gt 0 ]] || echo "run_fuzz.sh: no artifact file was written; see $LOG"
exit 1
