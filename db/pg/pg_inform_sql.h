// Internal to db/pg: the statements of the Inform batch (docs/inventory.md, "The batch").
// Every column of a batch travels as one array literal parameter (db/pg/array_literal.h) and is
// turned back into rows by unnest(); nothing is ever spliced into the SQL text.
#pragma once

#include "db/pg/pg_connection.h"

namespace ruru::db::pg::sql {

// One statement round: at most one write per device (ON CONFLICT cannot touch a row twice in one
// statement; a device's second write of the batch goes into the next round). All CTEs see the
// same snapshot, so `cur` holds the row as it was before this round, whenever the executor reads it
// (it must not lock: FOR UPDATE would skip the rows `upserted` has already changed):
//   cur       the input, each with its existing row's relevant columns (prev_*) when there is one;
//   upserted  insert or update every device (allow_create=false rows that do not exist are left
//             out: they return no row, the caller reports kNotFound); NULL inputs keep the stored
//             value; duplicate_suspect_at is set on the conditions of InformOutcome;
//   closed    the previous wan / peer address interval moves to ip_history when the address changed;
//   events    the Inform events.
// Result: one row per written input: ord, id, created, has_active, has_pending, duplicate_suspect,
// previous peer ip, pending work (the device's active tasks a session must look at: one probe of
// the small partial index tasks_active per row, so a session learns whether it has work without a
// query of its own; docs/tasks.md).
inline constexpr char kInformRoundName[] = "ruru_inform_round";
inline constexpr char kInformRound[] = R"sql(
WITH input AS (
  SELECT t.ord, t.oui, t.product_class, t.serial_number, t.manufacturer, t.model_name, t.hardware_version,
         t.software_version, t.provisioning_code, t.data_model, t.connection_request_url, t.wan_ip,
         t.parameter_key, t.periodic_inform_interval, t.peer_ip, )sql" RURU_PG_TS(
    "t.received_us") R"sql( AS received_at,
         t.allow_create, t.boot, t.bootstrap
  FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[],
              $16::bigint[], $17::bool[], $18::bool[], $19::bool[])
       AS t(ord, oui, product_class, serial_number, manufacturer, model_name, hardware_version, software_version,
            provisioning_code, data_model, connection_request_url, wan_ip, parameter_key,
            periodic_inform_interval, peer_ip, received_us, allow_create, boot, bootstrap)
),
cur AS (
  SELECT i.*, d.id AS prev_id, d.wan_ip AS prev_wan_ip, d.wan_ip_since AS prev_wan_ip_since,
         d.peer_ip AS prev_peer_ip, d.peer_ip_since AS prev_peer_ip_since, d.last_inform AS prev_last_inform,
         d.registered_at AS prev_registered_at
  FROM input i LEFT JOIN devices d USING (oui, product_class, serial_number)
),
upserted AS (
  INSERT INTO devices AS d (oui, product_class, serial_number, manufacturer, model_name, hardware_version,
                            software_version, provisioning_code, data_model, connection_request_url, wan_ip,
                            wan_ip_since, peer_ip, peer_ip_since, parameter_key, periodic_inform_interval,
                            registered_at, last_inform, last_boot, last_bootstrap, inform_count)
  SELECT i.oui, i.product_class, i.serial_number, COALESCE(i.manufacturer, ''), i.model_name, i.hardware_version,
         i.software_version, i.provisioning_code, i.data_model, i.connection_request_url, i.wan_ip,
         CASE WHEN i.wan_ip IS NOT NULL THEN i.received_at END, i.peer_ip,
         CASE WHEN i.peer_ip IS NOT NULL THEN i.received_at END, i.parameter_key, i.periodic_inform_interval,
         i.received_at, i.received_at, CASE WHEN i.boot THEN i.received_at END,
         CASE WHEN i.bootstrap THEN i.received_at END, 1
  FROM cur i
  WHERE i.allow_create OR i.prev_id IS NOT NULL
  -- Rows are inserted and locked in this order: the identity's, the same for every writer and
  -- node, so two batches sharing devices wait for each other instead of deadlocking.
  ORDER BY i.oui, i.product_class, i.serial_number
  ON CONFLICT (oui, product_class, serial_number) DO UPDATE SET
    manufacturer = CASE WHEN EXCLUDED.manufacturer <> '' THEN EXCLUDED.manufacturer ELSE d.manufacturer END,
    model_name = COALESCE(EXCLUDED.model_name, d.model_name),
    hardware_version = COALESCE(EXCLUDED.hardware_version, d.hardware_version),
    software_version = COALESCE(EXCLUDED.software_version, d.software_version),
    provisioning_code = COALESCE(EXCLUDED.provisioning_code, d.provisioning_code),
    data_model = COALESCE(EXCLUDED.data_model, d.data_model),
    connection_request_url = COALESCE(EXCLUDED.connection_request_url, d.connection_request_url),
    wan_ip = COALESCE(EXCLUDED.wan_ip, d.wan_ip),
    wan_ip_since = CASE WHEN EXCLUDED.wan_ip IS DISTINCT FROM d.wan_ip AND EXCLUDED.wan_ip IS NOT NULL
                        THEN EXCLUDED.last_inform ELSE d.wan_ip_since END,
    peer_ip = COALESCE(EXCLUDED.peer_ip, d.peer_ip),
    peer_ip_since = CASE WHEN EXCLUDED.peer_ip IS DISTINCT FROM d.peer_ip AND EXCLUDED.peer_ip IS NOT NULL
                         THEN EXCLUDED.last_inform ELSE d.peer_ip_since END,
    parameter_key = COALESCE(EXCLUDED.parameter_key, d.parameter_key),
    periodic_inform_interval = COALESCE(EXCLUDED.periodic_inform_interval, d.periodic_inform_interval),
    last_inform = EXCLUDED.last_inform,
    last_boot = COALESCE(EXCLUDED.last_boot, d.last_boot),
    last_bootstrap = COALESCE(EXCLUDED.last_bootstrap, d.last_bootstrap),
    duplicate_suspect_at =
        CASE WHEN d.peer_ip IS NOT NULL AND EXCLUDED.peer_ip IS NOT NULL AND d.peer_ip <> EXCLUDED.peer_ip
                  AND d.last_inform > EXCLUDED.last_inform - $23::bigint * interval '1 microsecond'
                  AND EXCLUDED.last_boot IS NULL AND EXCLUDED.last_bootstrap IS NULL
             THEN EXCLUDED.last_inform ELSE d.duplicate_suspect_at END,
    inform_count = d.inform_count + 1
  RETURNING d.id, d.oui, d.product_class, d.serial_number, d.cwmp_username IS NOT NULL AS has_active,
            d.pending_cwmp_username IS NOT NULL AS has_pending
),
closed AS (
  INSERT INTO ip_history (device_id, ip, kind, first_seen, last_seen)
  SELECT c.prev_id, c.prev_wan_ip, 'wan', COALESCE(c.prev_wan_ip_since, c.prev_registered_at),
         COALESCE(c.prev_last_inform, c.prev_registered_at)
  FROM cur c WHERE c.prev_wan_ip IS NOT NULL AND c.wan_ip IS NOT NULL AND c.prev_wan_ip <> c.wan_ip
  UNION ALL
  SELECT c.prev_id, c.prev_peer_ip, 'peer', COALESCE(c.prev_peer_ip_since, c.prev_registered_at),
         COALESCE(c.prev_last_inform, c.prev_registered_at)
  FROM cur c WHERE c.prev_peer_ip IS NOT NULL AND c.peer_ip IS NOT NULL AND c.prev_peer_ip <> c.peer_ip
),
events AS (
  INSERT INTO inform_events (device_id, received_at, code, command_key)
  SELECT u.id, i.received_at, e.code, e.command_key
  FROM unnest($20::int[], $21::text[], $22::text[]) WITH ORDINALITY AS e(ord, code, command_key, n)
  JOIN cur i ON i.ord = e.ord
  JOIN upserted u USING (oui, product_class, serial_number)
  ORDER BY e.n
)
SELECT c.ord, u.id, c.prev_id IS NULL AS created, u.has_active, u.has_pending,
       COALESCE(c.prev_peer_ip IS NOT NULL AND c.peer_ip IS NOT NULL AND c.prev_peer_ip <> c.peer_ip
                AND c.prev_last_inform > c.received_at - $23::bigint * interval '1 microsecond'
                AND NOT c.boot AND NOT c.bootstrap, false) AS duplicate_suspect,
       COALESCE(c.prev_peer_ip, '') AS previous_peer_ip,
       (SELECT count(*) FROM tasks t
        WHERE t.device_id = u.id AND t.state IN ('queued', 'running')
          AND (t.state = 'running' OR t.not_before IS NULL OR t.not_before <= c.received_at)) AS pending_work
FROM cur c
JOIN upserted u USING (oui, product_class, serial_number)
)sql";

// Parameter values. The writer keeps the path dictionary's ids it has seen committed (ids never
// change, rows are never deleted); paths it does not know yet are inserted (in a stable order, so two
// writers adding the same new paths cannot deadlock) and their ids read back. Then the values: a row
// is written only when its value or type changed. Unchanged rows are filtered out by the join
// before the INSERT, because ON CONFLICT DO UPDATE ... WHERE would still lock (and so write) every
// conflicting row.
inline constexpr char kInsertPathsName[] = "ruru_insert_paths";
inline constexpr char kInsertPaths[] = R"sql(
INSERT INTO parameter_paths (path)
SELECT p FROM (SELECT DISTINCT p FROM unnest($1::text[]) AS p) AS n
WHERE NOT EXISTS (SELECT 1 FROM parameter_paths pp WHERE pp.path = n.p)
ORDER BY p
ON CONFLICT (path) DO NOTHING
)sql";

inline constexpr char kSelectPathIdsName[] = "ruru_select_path_ids";
inline constexpr char kSelectPathIds[] = "SELECT path, id FROM parameter_paths WHERE path = ANY($1::text[])";

inline constexpr char kUpsertParametersName[] = "ruru_upsert_parameters";
inline constexpr char kUpsertParameters[] = R"sql(
WITH t AS (
  SELECT t.device_id, t.path_id, t.value, t.type, )sql" RURU_PG_TS("t.at_us") R"sql( AS fetched_at
  FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[]) AS t(device_id, path_id, value, type, at_us)
)
INSERT INTO device_parameters AS dp (device_id, path_id, value, type, fetched_at)
SELECT t.device_id, t.path_id, t.value, t.type, t.fetched_at
FROM t LEFT JOIN device_parameters old ON old.device_id = t.device_id AND old.path_id = t.path_id
WHERE old.device_id IS NULL OR old.value IS DISTINCT FROM t.value OR old.type IS DISTINCT FROM t.type
ORDER BY t.device_id, t.path_id
ON CONFLICT (device_id, path_id) DO UPDATE SET value = EXCLUDED.value, type = EXCLUDED.type,
                                               fetched_at = EXCLUDED.fetched_at
WHERE dp.value IS DISTINCT FROM EXCLUDED.value OR dp.type IS DISTINCT FROM EXCLUDED.type
)sql";

}  // namespace ruru::db::pg::sql
