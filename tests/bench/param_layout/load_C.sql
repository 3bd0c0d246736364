-- Layout C (reference): one row per (device, parameter) with the text path in every row
\set ON_ERROR_STOP 1
SELECT clock_timestamp() AS t0 \gset
CREATE TABLE device_parameters_c(
  device_id  bigint      NOT NULL,
  fetched_at timestamptz NOT NULL,
  type       "char"      NOT NULL,
  writable   bool        NOT NULL,
  path       text        NOT NULL,
  value      text        NOT NULL,
  PRIMARY KEY (device_id, path)
) WITH (fillfactor = :ff);
INSERT INTO device_parameters_c(device_id, fetched_at, type, writable, path, value)
SELECT d, timestamptz '2026-12-01 00:00:00+00' + (d % 86400) * interval '1 second', t.type, t.writable, t.path,
       gv(d, t.path, t.ord, t.type, t.volatile, t.value)
  FROM generate_series(0, :ndev - 1) d
 CROSS JOIN LATERAL (SELECT * FROM tmpl t WHERE t.model = d % 3 ORDER BY t.path) t;
INSERT INTO results(layout, metric, value, unit) VALUES
  ('C', 'load_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's');
SELECT clock_timestamp() AS t0 \gset
VACUUM (ANALYZE) device_parameters_c;
INSERT INTO results(layout, metric, value, unit) VALUES
  ('C', 'vacuum_after_load_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's');
SELECT snap('C', 'loaded', 'device_parameters_c');
SELECT clock_timestamp() AS t0 \gset
CREATE INDEX device_parameters_c_path_value ON device_parameters_c(path, value);
INSERT INTO results(layout, metric, value, unit, note) VALUES
  ('C', 'fleet_index_build_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's', '(path, value)'),
  ('C', 'fleet_index_bytes', pg_relation_size('device_parameters_c_path_value'), 'B', '(path, value)'),
  ('C', 'pk_index_bytes', pg_relation_size('device_parameters_c_pkey'), 'B', NULL);
