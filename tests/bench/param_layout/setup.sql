-- Common objects: templates, value generator, batch key picker, result tables.
\set ON_ERROR_STOP 1
CREATE TABLE tmpl(model int, ord int, path text, type "char", writable bool, volatile bool, value text,
                  vord int, PRIMARY KEY (model, ord));
\copy tmpl(model, ord, path, type, writable, volatile, value) FROM 'templates.csv' WITH (FORMAT csv, FORCE_NOT_NULL (value))
UPDATE tmpl t SET vord = r.vord
  FROM (SELECT model, ord, row_number() OVER (PARTITION BY model ORDER BY ord) - 1 AS vord
          FROM tmpl WHERE volatile) r
 WHERE t.model = r.model AND t.ord = r.ord;
CREATE TABLE nvol AS SELECT model, count(*)::int AS nvol FROM tmpl WHERE volatile GROUP BY model;
ANALYZE tmpl; ANALYZE nvol;

-- deterministic per-device value with a realistic size: the template value, or a variant of it
CREATE FUNCTION gv(d bigint, path text, ord int, typ "char", vol bool, val text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN path LIKE '%X_RURU_DNSRelayWANAccess' THEN CASE WHEN d % 100 = 7 THEN 'true' ELSE 'false' END
    WHEN NOT vol THEN val
    WHEN typ IN ('u','i','l','U') THEN ((d * 2654435761 + ord * 40503) % 1000000007)::text
    WHEN typ = 'd' THEN to_char(timestamptz '2026-01-01 00:00:00+00'
                               + ((d * 2654435761 + ord * 40503) % 31536000) * interval '1 second',
                               'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    ELSE left(val, greatest(length(val) - 8, 0)) || lpad(to_hex((d * 40503 + ord * 2654435761) % 4294967296), 8, '0')
  END $$;

-- the (device, parameter) pairs of write batch b: bdev distinct devices spread over the fleet,
-- nch distinct volatile parameters each (counters, addresses, ...)
CREATE FUNCTION batch_keys(b int, ndev bigint, bdev int, nch int)
RETURNS TABLE(device_id bigint, model int, ord int, path text, type "char", writable bool, newval text)
LANGUAGE sql STABLE AS $$
  SELECT s.d, t.model, t.ord, t.path, t.type, t.writable,
         gv(s.d + (b + 1) * 1000003, t.path, t.ord, t.type, t.volatile, t.value)
    FROM (SELECT (b::bigint * 7919 + k::bigint * 97) % ndev AS d FROM generate_series(0, bdev - 1) k) s
    JOIN nvol n ON n.model = s.d % 3
    JOIN generate_series(0, nch - 1) j ON true
    JOIN tmpl t ON t.model = n.model AND t.vord = (s.d + b * 13 + j) % n.nvol $$;

CREATE TABLE batch_results(layout text, phase text, batch int, rows_sent int, rows_written int,
                           ms numeric, wal_bytes numeric);
CREATE TABLE results(layout text, metric text, value numeric, unit text, note text,
                     at timestamptz DEFAULT clock_timestamp());
CREATE TABLE tabstat(layout text, phase text, rel text, total_bytes bigint, heap_bytes bigint,
                     toast_bytes bigint, index_bytes bigint, n_live bigint, n_dead bigint,
                     n_upd bigint, n_hot bigint, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION snap(l text, ph text, r regclass) RETURNS void LANGUAGE sql AS $$
  INSERT INTO tabstat(layout, phase, rel, total_bytes, heap_bytes, toast_bytes, index_bytes, n_live, n_dead, n_upd, n_hot)
  SELECT l, ph, r::text, pg_total_relation_size(r), pg_relation_size(r),
         coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0), pg_indexes_size(r),
         s.n_live_tup, s.n_dead_tup, s.n_tup_upd, s.n_tup_hot_upd
    FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = r $$;
