-- Layout A: one JSONB document per device: {path: {"v": value, "t": type, "w": writable, "at": epoch}}
\set ON_ERROR_STOP 1
SELECT clock_timestamp() AS t0 \gset
CREATE TABLE device_params(device_id bigint PRIMARY KEY, params jsonb NOT NULL);
INSERT INTO device_params
SELECT d, (SELECT jsonb_object_agg(t.path, jsonb_build_object('v', gv(d, t.path, t.ord, t.type, t.volatile, t.value),
                                                              't', t.type::text, 'w', t.writable,
                                                              'at', 1796083200 + d % 86400))
             FROM tmpl t WHERE t.model = d % 3)
  FROM generate_series(0, :ndev - 1) d;
INSERT INTO results(layout, metric, value, unit, note) VALUES
  ('A', 'load_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's', 'toast compression ' || current_setting('default_toast_compression'));
SELECT clock_timestamp() AS t0 \gset
VACUUM (ANALYZE) device_params;
INSERT INTO results(layout, metric, value, unit) VALUES
  ('A', 'vacuum_after_load_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's');
SELECT snap('A', 'loaded', 'device_params');
INSERT INTO results(layout, metric, value, unit, note)
SELECT 'A', 'doc_bytes_avg', avg(pg_column_size(params)), 'B', 'stored (compressed) jsonb; uncompressed avg ' || round(avg(octet_length(params::text))) || ' chars as text'
  FROM (SELECT params FROM device_params TABLESAMPLE SYSTEM (5) LIMIT 2000) s;
SELECT clock_timestamp() AS t0 \gset
CREATE INDEX device_params_dnsrelay ON device_params ((params -> 'Device.DNS.Relay.X_RURU_DNSRelayWANAccess' ->> 'v'));
INSERT INTO results(layout, metric, value, unit, note) VALUES
  ('A', 'fleet_index_build_s', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 's', 'expression index on one path'),
  ('A', 'fleet_index_bytes', pg_relation_size('device_params_dnsrelay'), 'B', 'expression index on one path'),
  ('A', 'pk_index_bytes', pg_relation_size('device_params_pkey'), 'B', NULL);
