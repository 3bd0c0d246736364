#!/usr/bin/env bash
# Parameter storage layout benchmark (JSONB per device vs path dictionary + rows vs text-path rows).
# Starts a private PostgreSQL 15 cluster under /tmp, measures, writes results, removes the cluster.
# Usage: tests/bench/param_layout/run.sh            (full: 100,000 devices x 300 parameters)
#        DEVICES=1000 BATCH_DEVICES=200 tests/bench/param_layout/run.sh   (smoke, seconds)
set -euo pipefail

DEVICES=${DEVICES:-100000}          # fleet size
PARAMS=${PARAMS:-300}               # parameters per device
BATCHES=${BATCHES:-20}              # change batches per phase
BATCH_DEVICES=${BATCH_DEVICES:-1000}
CHANGES=${CHANGES:-10}              # changed values per device per batch
NOCHANGE_BATCHES=${NOCHANGE_BATCHES:-5}
FULL_BATCHES=${FULL_BATCHES:-3}     # "no change" batches re-sending all PARAMS values of BATCH_DEVICES devices
READ_TX=${READ_TX:-300}             # pgbench transactions per read test
FLEET_TX=${FLEET_TX:-10}
LAYOUTS=${LAYOUTS:-"B A C"}
FF=${FF:-90}                        # fillfactor of the row layouts
JSONB_COMPRESSION=${JSONB_COMPRESSION:-lz4}
JSONB_GIN=${JSONB_GIN:-1}
PLAN_CACHE_MODE=${PLAN_CACHE_MODE:-force_generic_plan}  # writer statements; "auto" shows the custom-plan trap           # also measure a jsonb_path_ops GIN index for layout A
MAX_SECONDS=${MAX_SECONDS:-3300}    # watchdog: the whole run is killed (and cleaned up) after this
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=${PORT:-54329}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-d${DEVICES}}

[ "$BATCH_DEVICES" -le "$DEVICES" ] || { echo "BATCH_DEVICES must be <= DEVICES" >&2; exit 2; }
mkdir -p "$OUT"
LOG=$OUT/run.log
exec > >(tee -a "$LOG") 2>&1

if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); else AS_PG=(); fi
DIR=$(mktemp -d /tmp/ruru-layout-pg.XXXXXX)
WATCHDOG=
cleanup() {
  rc=$?
  trap - EXIT INT TERM
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null || true
  if [ -f "$DIR/data/postmaster.pid" ]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  echo "cleanup done (rc=$rc); results in $OUT"
  exit $rc
}
trap cleanup EXIT
trap 'echo interrupted; exit 130' INT
trap 'echo terminated; exit 143' TERM
( trap 'kill $sp 2>/dev/null; exit 0' TERM; sleep "$MAX_SECONDS" >/dev/null 2>&1 & sp=$!; wait $sp
  echo "watchdog: $MAX_SECONDS s elapsed, stopping"
  # stop the server first: the running psql fails at once and the EXIT trap cleans up
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1; kill -TERM $$ ) &
WATCHDOG=$!

[ "$(id -u)" = 0 ] && chown postgres "$DIR"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$DIR/data" --auth=trust -E UTF8 --locale=C >/dev/null
cat >> "$DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $PORT
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 1GB
max_wal_size = 32GB
checkpoint_timeout = 1h
autovacuum = off          # deterministic write figures; VACUUM is run explicitly
jit = off
fsync = on
synchronous_commit = on
default_toast_compression = $JSONB_COMPRESSION
EOF
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null
python3 "$HERE/gen_templates.py" > "$DIR/templates.csv"
cp "$HERE"/*.sql "$DIR/"
[ "$(id -u)" = 0 ] && chown -R postgres "$DIR"
cd "$DIR"

PSQL=("${AS_PG[@]}" "$PG_BIN/psql" -h "$DIR" -p "$PORT" -X -q -v ON_ERROR_STOP=1 -v ndev="$DEVICES" -v ff="$FF")
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench"
PSQL+=(-d bench)
q() { "${PSQL[@]}" -At -c "$1"; }
result() { q "INSERT INTO results(layout, metric, value, unit, note) VALUES ('$1', '$2', $3, '$4', \$n\$${5:-}\$n\$)"; }
"${PSQL[@]}" -f setup.sql
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); devices=$DEVICES params=$PARAMS"

# ---- per-layout pieces --------------------------------------------------------------------------
# array builders (untimed) set :ids :keys :vals :typs :ws; kind = change | same | full
build_arrays() { # layout kind batch
  local L=$1 kind=$2 b=$3 keys src
  case $L in
    B) keys="p.id"; src="batch_keys($b, $DEVICES, $BATCH_DEVICES, $CHANGES) k JOIN parameter_paths p ON p.path = k.path" ;;
    *) keys="k.path"; src="batch_keys($b, $DEVICES, $BATCH_DEVICES, $CHANGES) k" ;;
  esac
  if [ "$kind" = change ]; then
    echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT k.device_id, $keys AS key, k.newval AS v, k.type, k.writable FROM $src ORDER BY 1, 2) s \\gset"
    return
  fi
  case $L$kind in
    Bsame) echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT dp.device_id, dp.path_id AS key, dp.value AS v, dp.type, dp.writable FROM $src
                  JOIN device_parameters dp ON dp.device_id = k.device_id AND dp.path_id = p.id ORDER BY 1, 2) s \\gset" ;;
    Csame) echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT dp.device_id, dp.path AS key, dp.value AS v, dp.type, dp.writable FROM $src
                  JOIN device_parameters_c dp ON dp.device_id = k.device_id AND dp.path = k.path ORDER BY 1, 2) s \\gset" ;;
    Asame) echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT k.device_id, k.path AS key, dp.params -> k.path ->> 'v' AS v, (dp.params -> k.path ->> 't')::\"char\" AS type,
                         (dp.params -> k.path ->> 'w')::bool AS writable FROM $src
                  JOIN device_params dp ON dp.device_id = k.device_id ORDER BY 1, 2) s \\gset" ;;
    Bfull) echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT dp.device_id, dp.path_id AS key, dp.value AS v, dp.type, dp.writable FROM device_parameters dp
                  WHERE dp.device_id IN (SELECT DISTINCT device_id FROM batch_keys($b, $DEVICES, $BATCH_DEVICES, 1)) ORDER BY 1, 2) s \\gset" ;;
    Cfull) echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT dp.device_id, dp.path AS key, dp.value AS v, dp.type, dp.writable FROM device_parameters_c dp
                  WHERE dp.device_id IN (SELECT DISTINCT device_id FROM batch_keys($b, $DEVICES, $BATCH_DEVICES, 1)) ORDER BY 1, 2) s \\gset" ;;
    Afull) echo "SELECT array_agg(device_id)::text ids, array_agg(key)::text keys, array_agg(v)::text vals, array_agg(type)::text typs, array_agg(writable)::text ws
            FROM (SELECT dp.device_id, e.key, e.value ->> 'v' AS v, (e.value ->> 't')::\"char\" AS type, (e.value ->> 'w')::bool AS writable
                    FROM device_params dp, jsonb_each(dp.params) e
                  WHERE dp.device_id IN (SELECT DISTINCT device_id FROM batch_keys($b, $DEVICES, $BATCH_DEVICES, 1)) ORDER BY 1, 2) s \\gset" ;;
  esac
}

# the timed write statements ("write only changed values"), one statement per batch
stmt() { # layout variant
  case $1$2 in
    Bfiltered) cat <<'EOF'
WITH u AS (SELECT * FROM unnest(:'ids'::bigint[], :'keys'::int[], :'vals'::text[], :'typs'::"char"[], :'ws'::bool[])
                         AS u(device_id, path_id, value, type, writable)),
w AS (INSERT INTO device_parameters AS d (device_id, path_id, fetched_at, type, writable, value)
      SELECT u.device_id, u.path_id, now(), u.type, u.writable, u.value
        FROM u LEFT JOIN device_parameters cur ON cur.device_id = u.device_id AND cur.path_id = u.path_id
       WHERE cur.device_id IS NULL
          OR (cur.value, cur.type, cur.writable) IS DISTINCT FROM (u.value, u.type, u.writable)
      ON CONFLICT (device_id, path_id) DO UPDATE
         SET value = EXCLUDED.value, type = EXCLUDED.type, writable = EXCLUDED.writable, fetched_at = EXCLUDED.fetched_at
      RETURNING 1)
SELECT count(*) AS n FROM w \gset
EOF
    ;;
    Bnaive) cat <<'EOF'
WITH w AS (INSERT INTO device_parameters AS d (device_id, path_id, fetched_at, type, writable, value)
      SELECT u.device_id, u.path_id, now(), u.type, u.writable, u.value
        FROM unnest(:'ids'::bigint[], :'keys'::int[], :'vals'::text[], :'typs'::"char"[], :'ws'::bool[])
             AS u(device_id, path_id, value, type, writable)
      ON CONFLICT (device_id, path_id) DO UPDATE
         SET value = EXCLUDED.value, type = EXCLUDED.type, writable = EXCLUDED.writable, fetched_at = EXCLUDED.fetched_at
       WHERE (d.value, d.type, d.writable) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.type, EXCLUDED.writable)
      RETURNING 1)
SELECT count(*) AS n FROM w \gset
EOF
    ;;
    Cfiltered) cat <<'EOF'
WITH u AS (SELECT * FROM unnest(:'ids'::bigint[], :'keys'::text[], :'vals'::text[], :'typs'::"char"[], :'ws'::bool[])
                         AS u(device_id, path, value, type, writable)),
w AS (INSERT INTO device_parameters_c AS d (device_id, path, fetched_at, type, writable, value)
      SELECT u.device_id, u.path, now(), u.type, u.writable, u.value
        FROM u LEFT JOIN device_parameters_c cur ON cur.device_id = u.device_id AND cur.path = u.path
       WHERE cur.device_id IS NULL
          OR (cur.value, cur.type, cur.writable) IS DISTINCT FROM (u.value, u.type, u.writable)
      ON CONFLICT (device_id, path) DO UPDATE
         SET value = EXCLUDED.value, type = EXCLUDED.type, writable = EXCLUDED.writable, fetched_at = EXCLUDED.fetched_at
      RETURNING 1)
SELECT count(*) AS n FROM w \gset
EOF
    ;;
    Afiltered) cat <<'EOF'
WITH u AS (SELECT * FROM unnest(:'ids'::bigint[], :'keys'::text[], :'vals'::text[], :'typs'::"char"[], :'ws'::bool[])
                         AS u(device_id, path, value, type, writable)),
ch AS (SELECT u.device_id,
              jsonb_object_agg(u.path, jsonb_build_object('v', u.value, 't', u.type::text, 'w', u.writable,
                                                          'at', extract(epoch FROM now())::bigint)) AS patch
         FROM u JOIN device_params cur ON cur.device_id = u.device_id
        WHERE (cur.params -> u.path) - 'at' IS DISTINCT FROM jsonb_build_object('v', u.value, 't', u.type::text, 'w', u.writable)
        GROUP BY u.device_id),
w AS (UPDATE device_params d SET params = d.params || ch.patch FROM ch WHERE d.device_id = ch.device_id RETURNING 1)
SELECT count(*) AS n FROM w \gset
EOF
    ;;
  esac
}
table_of() { case $1 in A) echo device_params;; B) echo device_parameters;; C) echo device_parameters_c;; esac; }

# run one phase of write batches in one psql session; per-batch time covers BEGIN..COMMIT (fsync on)
phase() { # layout phase-name kind variant nbatches first-batch [extra SET]
  local L=$1 ph=$2 kind=$3 var=$4 n=$5 first=$6 extra=${7:-} b t=$(table_of "$1")
  local f0 r0 w0
  read -r f0 r0 w0 < <(q "SELECT wal_fpi, wal_records, wal_bytes FROM pg_stat_wal" | tr '|' ' ')
  {
    echo "$extra"
    # as the application does it: a prepared statement with a generic plan (a custom plan for a
    # literal 300,000-element array picks a hash join over the whole table)
    echo "SET plan_cache_mode = $PLAN_CACHE_MODE;"
    echo "PREPARE w AS"
    stmt "$L" "$var" | sed -e "s/:'ids'/\$1/; s/:'keys'/\$2/; s/:'vals'/\$3/; s/:'typs'/\$4/; s/:'ws'/\$5/; s/ \\\\gset\$/;/"
    for ((b = first; b < first + n; b++)); do
      build_arrays "$L" "$kind" "$b"
      echo "SELECT pg_current_wal_insert_lsn() AS lsn0, clock_timestamp() AS t0, cardinality(:'ids'::bigint[]) AS sent \\gset"
      echo "BEGIN;"
      echo "EXECUTE w(:'ids', :'keys', :'vals', :'typs', :'ws') \\gset"
      echo "COMMIT;"
      echo "INSERT INTO batch_results VALUES ('$L', '$ph', $b, :sent, :n,
              extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'lsn0'));"
    done
    echo "SELECT pg_stat_force_next_flush();"
  } | "${PSQL[@]}" -f - >/dev/null
  sleep 1
  q "INSERT INTO results(layout, metric, value, unit, note)
     SELECT '$L', '$ph:' || m, v, u, 'wal_fpi=' || (wal_fpi - $f0) || ' wal_records=' || (wal_records - $r0) FROM pg_stat_wal,
       LATERAL (SELECT 'median_ms' m, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric v, 'ms' u FROM batch_results WHERE layout = '$L' AND phase = '$ph'
          UNION ALL SELECT 'rows_per_s', sum(rows_sent) / (sum(ms) / 1000), 'rows/s' FROM batch_results WHERE layout = '$L' AND phase = '$ph'
          UNION ALL SELECT 'devices_per_s', $BATCH_DEVICES * count(*) / (sum(ms) / 1000), 'dev/s' FROM batch_results WHERE layout = '$L' AND phase = '$ph'
          UNION ALL SELECT 'wal_per_batch', avg(wal_bytes), 'B' FROM batch_results WHERE layout = '$L' AND phase = '$ph'
          UNION ALL SELECT 'rows_sent_per_batch', avg(rows_sent), 'rows' FROM batch_results WHERE layout = '$L' AND phase = '$ph'
          UNION ALL SELECT 'rows_written_per_batch', avg(rows_written), 'rows' FROM batch_results WHERE layout = '$L' AND phase = '$ph') x"
  q "SELECT snap('$L', '$ph', '$t')" >/dev/null
  echo "  $L $ph: $(q "SELECT 'median ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ms, wal/batch ' || pg_size_pretty(avg(wal_bytes)) || ', written/batch ' || round(avg(rows_written)) FROM batch_results WHERE layout='$L' AND phase='$ph'")"
}

pgb() { # layout metric file-body tx [note]
  local L=$1 m=$2 body=$3 tx=$4 note=${5:-} lat
  printf '%s\n' "$body" > "$DIR/pgb_${L}_$m.sql"; chmod a+r "$DIR/pgb_${L}_$m.sql"
  lat=$("${AS_PG[@]}" "$PG_BIN/pgbench" -h "$DIR" -p "$PORT" -n -c 1 -t "$tx" -D ndev="$DEVICES" -f "$DIR/pgb_${L}_$m.sql" bench 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
  result "$L" "$m" "${lat:-NULL}" ms "$note (pgbench, 1 client, $tx tx, incl. client round trip)"
  echo "  $L $m: ${lat:-?} ms"
}

checkpoint() { q "CHECKPOINT" >/dev/null; }

# ---- layouts ------------------------------------------------------------------------------------
for L in $LAYOUTS; do
  echo "== layout $L ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))"
  "${PSQL[@]}" -f "load_$L.sql"
  echo "  loaded: $(q "SELECT value || ' s' FROM results WHERE layout='$L' AND metric='load_s'"), $(q "SELECT pg_size_pretty(total_bytes) FROM tabstat WHERE layout='$L' AND phase='loaded'")"
  checkpoint
  phase "$L" change "change" filtered "$BATCHES" 0
  phase "$L" nochange10 same filtered "$NOCHANGE_BATCHES" 0
  [ "$L" = B ] && phase B nochange10_naive_upsert same naive "$NOCHANGE_BATCHES" 0
  [ "$L" != C ] && phase "$L" nochange_full"$PARAMS" full filtered "$FULL_BATCHES" 0
  [ "$L" = B ] && phase B change_sync_commit_off change filtered 5 1000 "SET synchronous_commit = off;"
  case $L in
    A) pgb A read_full "\\set dev random(0, :ndev - 1)
SELECT params FROM device_params WHERE device_id = :dev;" "$READ_TX" "whole document as jsonb"
       pgb A read_full_rows "\\set dev random(0, :ndev - 1)
SELECT e.key, e.value FROM device_params d, jsonb_each(d.params) e WHERE d.device_id = :dev;" "$READ_TX" "jsonb_each: one row per parameter"
       pgb A read_prefix "\\set dev 3 * random(0, :ndev / 3 - 1)
SELECT e.key, e.value FROM device_params d, jsonb_each(d.params) e WHERE d.device_id = :dev AND e.key LIKE 'Device.WiFi.%';" "$READ_TX" "Device.WiFi."
       pgb A fleet_query "SELECT device_id FROM device_params WHERE params -> 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess' ->> 'v' = 'true';" "$FLEET_TX" "expression index" ;;
    B) pgb B read_full "\\set dev random(0, :ndev - 1)
SELECT p.path, d.value, d.type, d.writable, d.fetched_at FROM device_parameters d JOIN parameter_paths p ON p.id = d.path_id WHERE d.device_id = :dev;" "$READ_TX" "join to dictionary"
       pgb B read_prefix "\\set dev 3 * random(0, :ndev / 3 - 1)
SELECT p.path, d.value, d.type, d.writable, d.fetched_at FROM device_parameters d JOIN parameter_paths p ON p.id = d.path_id WHERE d.device_id = :dev AND p.path LIKE 'Device.WiFi.%';" "$READ_TX" "Device.WiFi."
       FLEET_B="SELECT device_id FROM device_parameters WHERE path_id = (SELECT id FROM parameter_paths WHERE path = 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess') AND value = 'true';"
       pgb B fleet_query "$FLEET_B" "$FLEET_TX" "(path_id, value) index"
       # HOT-friendly alternative: no index containing value, only (path_id)
       q "DROP INDEX device_parameters_path_value; CREATE INDEX device_parameters_path ON device_parameters(path_id)"
       result B fleet_index_path_only_bytes "pg_relation_size('device_parameters_path')" B "(path_id) only: value updates stay HOT"
       q "VACUUM device_parameters" >/dev/null
       q "SELECT snap('B', 'before_change_hot', 'device_parameters')" >/dev/null
       checkpoint
       phase B change_pathidx_only change filtered "$BATCHES" 2000
       pgb B fleet_query_pathidx_only "$FLEET_B" "$FLEET_TX" "(path_id) index, value filtered in heap" ;;
    C) pgb C read_full "\\set dev random(0, :ndev - 1)
SELECT path, value, type, writable, fetched_at FROM device_parameters_c WHERE device_id = :dev;" "$READ_TX" ""
       pgb C read_prefix "\\set dev 3 * random(0, :ndev / 3 - 1)
SELECT path, value, type, writable, fetched_at FROM device_parameters_c WHERE device_id = :dev AND path LIKE 'Device.WiFi.%';" "$READ_TX" "Device.WiFi."
       pgb C fleet_query "SELECT device_id FROM device_parameters_c WHERE path = 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess' AND value = 'true';" "$FLEET_TX" "(path, value) index" ;;
  esac
  if [ "$L" = A ] && [ "$JSONB_GIN" = 1 ]; then
    t0=$(date +%s%N)
    q "CREATE INDEX device_params_gin ON device_params USING gin (params jsonb_path_ops)"
    result A gin_index_build_s "($(date +%s%N) - $t0) / 1e9" s "jsonb_path_ops"
    result A gin_index_bytes "pg_relation_size('device_params_gin')" B "jsonb_path_ops"
    pgb A fleet_query_gin "SELECT device_id FROM device_params WHERE params @> '{\"Device.DNS.Relay.X_RURU_DNSRelayWANAccess\": {\"v\": \"true\"}}';" "$FLEET_TX" "GIN jsonb_path_ops"
  fi
  result "$L" fleet_result_rows "($(q "SELECT count(*) FROM $(table_of "$L") WHERE $(case $L in A) echo "params -> 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess' ->> 'v' = 'true'";; B) echo "path_id = (SELECT id FROM parameter_paths WHERE path = 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess') AND value = 'true'";; C) echo "path = 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess' AND value = 'true'";; esac)"))" rows ""
  q "SELECT snap('$L', 'end', '$(table_of "$L")')" >/dev/null
  "${PSQL[@]}" -At -F ' | ' -c "SELECT layout, phase, pg_size_pretty(total_bytes) total, pg_size_pretty(heap_bytes) heap, pg_size_pretty(toast_bytes) toast, pg_size_pretty(index_bytes) idx, n_dead, n_upd, n_hot FROM tabstat WHERE layout = '$L' ORDER BY at" > "$OUT/tabstat_$L.txt"
  cat "$OUT/tabstat_$L.txt"
  if [ "${KEEP_TABLES:-0}" != 1 ]; then
    q "DROP TABLE IF EXISTS $(table_of "$L")" >/dev/null
    [ "$L" = B ] && q "DROP TABLE parameter_paths" >/dev/null
    checkpoint
  fi
done

"${PSQL[@]}" -c "\\copy results TO '$DIR/results.csv' WITH (FORMAT csv, HEADER)"
"${PSQL[@]}" -c "\\copy batch_results TO '$DIR/batch_results.csv' WITH (FORMAT csv, HEADER)"
"${PSQL[@]}" -c "\\copy tabstat TO '$DIR/tabstat.csv' WITH (FORMAT csv, HEADER)"
cp "$DIR"/results.csv "$DIR"/batch_results.csv "$DIR"/tabstat.csv "$OUT/"
python3 "$HERE/summarize.py" "$OUT" "$DEVICES" | tee "$OUT/summary.md"
