-- The audit log (db/audit_store.h, docs/security.md): who changed what. Append-only: UPDATE,
-- DELETE and TRUNCATE are refused by triggers; retention drops whole monthly partitions
-- (AuditStore::MaintainPartitions), so no row is ever changed or removed one by one.
--
-- Expand-only: a new table.
CREATE TABLE audit_log (
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    at         timestamptz NOT NULL,
    actor      text        NOT NULL,
    role       text        NOT NULL DEFAULT '',
    action     text        NOT NULL,
    target     text        NOT NULL DEFAULT '',
    device_id  bigint,                 -- no foreign key: the entry outlives the device
    params     jsonb       NOT NULL DEFAULT '{}',
    reason     text        NOT NULL DEFAULT '',
    result     text        NOT NULL,
    status     integer,
    request_id text        NOT NULL DEFAULT '',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
-- Rows outside every monthly partition (a clock far off) land here; retention never drops it.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
CREATE INDEX audit_log_id ON audit_log (id);
CREATE INDEX audit_log_device ON audit_log (device_id, id) WHERE device_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, id);

CREATE FUNCTION ruru_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (retention drops whole partitions)';
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION ruru_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ruru_audit_log_append_only();

-- Monthly partitions, named audit_log_yYYYYmMM: created ahead by acsd (AuditStore::MaintainPartitions
-- calls these at start-up and daily) and dropped whole after the retention age.
CREATE FUNCTION ruru_audit_ensure_partitions(at timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', at)::date;
  i int;
  created int := 0;
  name text;
BEGIN
  FOR i IN 0..1 LOOP
    name := format('audit_log_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
                       name, m, (m + interval '1 month')::date);
        created := created + 1;
      EXCEPTION WHEN others THEN  -- e.g. rows of that month are in the default partition already
        RAISE WARNING 'audit_log partition % not created: %', name, SQLERRM;
      END;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END
$$;

CREATE FUNCTION ruru_audit_drop_partitions(before timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  dropped int := 0;
BEGIN
  FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_y[0-9]{4}m[0-9]{2}$' LOOP
    IF (to_date(substr(r.relname, 12, 4) || substr(r.relname, 17, 2), 'YYYYMM') + interval '1 month') <= before THEN
      EXECUTE format('DROP TABLE %I', r.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;

SELECT ruru_audit_ensure_partitions(now());
