-- Facts about this Ruru installation as a whole, as key/value pairs (not per-device data: the
-- device inventory arrives in later migrations).
--
-- installation_id names the installation in logs, metrics and support requests. It is created once
-- here and never changes, so it also tells two databases apart after a restore or a copy.
CREATE TABLE ruru_meta (
    key        text        PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,62}$'),
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE ruru_meta IS 'Installation-wide key/value facts (installation_id, ...).';

INSERT INTO ruru_meta (key, value) VALUES ('installation_id', gen_random_uuid()::text);
