-- Layout B: path dictionary + one row per (device, parameter)
\set ON_ERROR_STOP 1
SELECT clock_timestamp() AS t0 \gset
CREATE TABLE parameter_paths(id int PRIMARY KEY, path text NOT NULL UNIQUE);
INSERT INTO parameter_paths SELECT row_number() OVER (ORDER BY path), path FROM (SELECT DISTINCT path FROM tmpl) s;
CREATE TABLE device_parameters(
  device_id  bigint      NOT NULL,
  fetched_at timestamptz NOT NULL,
  path_id    int         NOT NULL REFERENCES parameter_paths(id),
  type       "char"      NOT NULL,
  writable   bool        NOT NULL,
  value      text        NOT NULL,
  PRIMARY KEY (device_id, path_id)
) WITH (fillfactor = :ff);
INSERT INTO device_parameters(device_id, fetched_at, path_id, type, writable, value)
SELECT d, timestamptz '2026-12-01 00:00:00+00' + (d % 86400) * interval '1 second', p.id, t.type, t.writable,
       gv(d, t.path, t.ord, t.type, t.volatile, t.value)
  FROM generate_series(0, :ndev - 1) d
 CROSS JOIN LATERAL (SELECT t.*, p.id FROM tmpl t JOIN parameter_paths p ON p.path = t.path
                      WHERE t.model = d % 3 ORDER BY p.id) t  -- each device's rows in key order, as the writer sends them
  JOIN parameter_paths p ON p.id = t.id;
INSERT INTO results(layout, metric, value, unit) VALUES
  ('B', 'load_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's');
SELECT clock_timestamp() AS t0 \gset
VACUUM (ANALYZE) device_parameters;
INSERT INTO results(layout, metric, value, unit) VALUES
  ('B', 'vacuum_after_load_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's');
SELECT snap('B', 'loaded', 'device_parameters');
SELECT clock_timestamp() AS t0 \gset
CREATE INDEX device_parameters_path_value ON device_parameters(path_id, value);
INSERT INTO results(layout, metric, value, unit, note) VALUES
  ('B', 'fleet_index_build_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's', '(path_id, value)'),
  ('B', 'fleet_index_bytes', pg_relation_size('device_parameters_path_value'), 'B', '(path_id, value)'),
  ('B', 'pk_index_bytes', pg_relation_size('device_parameters_pkey'), 'B', NULL),
  ('B', 'dictionary_bytes', pg_total_relation_size('parameter_paths'), 'B', (SELECT count(*) FROM parameter_paths)::text || ' paths');
