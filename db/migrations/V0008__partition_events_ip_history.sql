-- Partitions for inform_events (daily, by received_at) and ip_history (monthly, by last_seen):
-- retention drops whole partitions (DeviceStore::PruneEvents / PruneIpHistory) instead of
-- deleting rows one by one, so a fleet's history costs no vacuum and no bloat to expire.
-- Partitions are named <table>_dYYYYMMDD / <table>_mYYYYMM (UTC) and made ahead by acsd
-- (DeviceStore::EnsureHistoryPartitions, at start and hourly). A row outside every partition (a
-- clock far off, an address interval that ended long ago) lands in <table>_default, which is never
-- dropped: retention deletes its old rows in bounded chunks.
--
-- Rolling upgrade (docs/operations.md): the tables keep their names and columns, so an older acsd
-- still running keeps working; PostgreSQL re-analyses its prepared statements after this DDL and
-- they then use the partitioned tables (tested in migrator_pgtest). The existing rows are not
-- copied: each old table with rows becomes the first partition, from MINVALUE up to the next UTC midnight
-- (events) or the first of next month (ip_history), named after the last day / month it covers.
-- Attaching it scans it once to check that bound (no rewrite); rows dated after the bound (a
-- node's clock ahead) move to the default partition first. It is dropped whole once its bound is
-- past retention. An empty old table (a new installation) is dropped.

-- The name of the partition of `parent` holding `at`.
CREATE FUNCTION ruru_range_partition_name(parent text, unit text, at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT parent || CASE unit WHEN 'day' THEN '_d' || to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD')
                             ELSE '_m' || to_char(at AT TIME ZONE 'UTC', 'YYYYMM') END
$$;

-- Creates the missing partitions of `parent` (RANGE on a timestamptz; unit 'day' or 'month', UTC)
-- for the unit holding `at` and the `ahead` units after it; returns how many it made. One that
-- cannot be made (rows of its range already in the default partition) is skipped with a warning:
-- those rows stay in the default partition.
CREATE FUNCTION ruru_ensure_range_partitions(parent text, unit text, at timestamptz, ahead integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  step interval;
  lo timestamp;
  name text;
  created integer := 0;
BEGIN
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'partition unit must be day or month, not %', unit;
  END IF;
  step := CASE unit WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END;
  lo := date_trunc(unit, at AT TIME ZONE 'UTC');
  FOR i IN 0..ahead LOOP
    name := ruru_range_partition_name(parent, unit, lo AT TIME ZONE 'UTC');
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent,
                       to_char(lo, 'YYYY-MM-DD"T"HH24:MI:SS"+00"'),
                       to_char(lo + step, 'YYYY-MM-DD"T"HH24:MI:SS"+00"'));
        created := created + 1;
      EXCEPTION WHEN others THEN
        RAISE WARNING '% partition % not created: %', parent, name, SQLERRM;
      END;
    END IF;
    lo := lo + step;
  END LOOP;
  RETURN created;
END
$$;

-- Drops the partitions of `parent` (named as above) whose whole range ended at or before
-- `before`; returns how many. The default partition is never dropped. When there is something to
-- drop, `devices` (referenced by the partitions' foreign key) and then the parent are locked first,
-- the order in which the Inform writer takes them: a DROP of a partition alone locks the partition
-- and then its parent, which deadlocked against other writers.
CREATE FUNCTION ruru_drop_range_partitions(parent text, unit text, before timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  expired text[];
  name text;
  dropped integer := 0;
BEGIN
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'partition unit must be day or month, not %', unit;
  END IF;
  SELECT array_agg(c.relname ORDER BY c.relname) INTO expired
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = parent::regclass
    AND c.relname ~ ('^' || parent || CASE unit WHEN 'day' THEN '_d[0-9]{8}$' ELSE '_m[0-9]{6}$' END)
    AND ((CASE unit WHEN 'day'
            THEN to_date(substr(c.relname, length(parent) + 3), 'YYYYMMDD')::timestamp + interval '1 day'
            ELSE to_date(substr(c.relname, length(parent) + 3), 'YYYYMM')::timestamp + interval '1 month'
          END) AT TIME ZONE 'UTC') <= before;
  IF expired IS NULL THEN
    RETURN 0;
  END IF;
  LOCK TABLE devices IN SHARE ROW EXCLUSIVE MODE;
  EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', parent);
  FOREACH name IN ARRAY expired LOOP
    IF to_regclass(name) IS NOT NULL THEN  -- another node may have dropped it meanwhile
      EXECUTE format('DROP TABLE %I', name);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;

-- inform_events ----------------------------------------------------------------------------------
ALTER TABLE inform_events RENAME TO inform_events_before_v8;
ALTER INDEX inform_events_pkey RENAME TO inform_events_before_v8_pkey;
ALTER INDEX inform_events_device_recent RENAME TO inform_events_before_v8_device_recent;
ALTER INDEX inform_events_received_at RENAME TO inform_events_before_v8_received_at;

-- No primary key: ids come from the one sequence, and a partitioned table's key would have to
-- include received_at (an index build over the old rows on attach, and a second index per insert).
CREATE TABLE inform_events (
    id          bigint      NOT NULL DEFAULT nextval('inform_events_id_seq'),
    device_id   bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    received_at timestamptz NOT NULL,
    code        text        NOT NULL,
    command_key text        NOT NULL DEFAULT ''
) PARTITION BY RANGE (received_at);
ALTER SEQUENCE inform_events_id_seq OWNED BY inform_events.id;
-- Matches the old table's index, which is attached as it is.
CREATE INDEX inform_events_device_recent ON inform_events (device_id, received_at DESC, id DESC);
CREATE TABLE inform_events_default PARTITION OF inform_events DEFAULT;
CREATE INDEX inform_events_default_received_at ON inform_events_default (received_at);

DO $$
DECLARE
  bound timestamp := date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM inform_events_before_v8) THEN  -- a new installation: nothing to keep
    DROP TABLE inform_events_before_v8;
    RETURN;
  END IF;
  WITH moved AS (DELETE FROM inform_events_before_v8 WHERE received_at >= (bound AT TIME ZONE 'UTC') RETURNING *)
  INSERT INTO inform_events_default (id, device_id, received_at, code, command_key)
  SELECT id, device_id, received_at, code, command_key FROM moved;
  EXECUTE format('ALTER TABLE inform_events ATTACH PARTITION inform_events_before_v8 FOR VALUES FROM (MINVALUE) TO (%L)',
                 to_char(bound, 'YYYY-MM-DD"T"HH24:MI:SS"+00"'));
  EXECUTE format('ALTER TABLE inform_events_before_v8 RENAME TO %I',
                 ruru_range_partition_name('inform_events', 'day', (bound - interval '1 day') AT TIME ZONE 'UTC'));
END
$$;
SELECT ruru_ensure_range_partitions('inform_events', 'day', now(), 7);

-- ip_history -------------------------------------------------------------------------------------
ALTER TABLE ip_history RENAME TO ip_history_before_v8;
ALTER INDEX ip_history_pkey RENAME TO ip_history_before_v8_pkey;
ALTER INDEX ip_history_ip RENAME TO ip_history_before_v8_ip;
ALTER INDEX ip_history_device RENAME TO ip_history_before_v8_device;
ALTER INDEX ip_history_last_seen RENAME TO ip_history_before_v8_last_seen;

CREATE TABLE ip_history (
    id         bigint      NOT NULL DEFAULT nextval('ip_history_id_seq'),
    device_id  bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    ip         text        NOT NULL,
    kind       text        NOT NULL CONSTRAINT ip_history_kind_check CHECK (kind IN ('wan', 'peer')),
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
) PARTITION BY RANGE (last_seen);
ALTER SEQUENCE ip_history_id_seq OWNED BY ip_history.id;
CREATE INDEX ip_history_ip ON ip_history (ip, first_seen);
CREATE INDEX ip_history_device ON ip_history (device_id, last_seen DESC);
CREATE TABLE ip_history_default PARTITION OF ip_history DEFAULT;
CREATE INDEX ip_history_default_last_seen ON ip_history_default (last_seen);

DO $$
DECLARE
  bound timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ip_history_before_v8) THEN  -- a new installation: nothing to keep
    DROP TABLE ip_history_before_v8;
    RETURN;
  END IF;
  WITH moved AS (DELETE FROM ip_history_before_v8 WHERE last_seen >= (bound AT TIME ZONE 'UTC') RETURNING *)
  INSERT INTO ip_history_default (id, device_id, ip, kind, first_seen, last_seen)
  SELECT id, device_id, ip, kind, first_seen, last_seen FROM moved;
  EXECUTE format('ALTER TABLE ip_history ATTACH PARTITION ip_history_before_v8 FOR VALUES FROM (MINVALUE) TO (%L)',
                 to_char(bound, 'YYYY-MM-DD"T"HH24:MI:SS"+00"'));
  EXECUTE format('ALTER TABLE ip_history_before_v8 RENAME TO %I',
                 ruru_range_partition_name('ip_history', 'month', (bound - interval '1 month') AT TIME ZONE 'UTC'));
END
$$;
SELECT ruru_ensure_range_partitions('ip_history', 'month', now(), 2);
