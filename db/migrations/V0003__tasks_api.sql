-- Tasks (db/task_store.h, docs/tasks.md), API tokens, and what the device API searches by.
--
-- Expand-only: new tables, new nullable columns, new indexes. Nothing an older acsd reads changes.

-- One row per operator request for one device: an ACS RPC (or a small program of RPCs, such as a
-- refresh) with its own CommandKey/ParameterKey, its state and its outcome.
--   queued    waiting for a session of the device (not before not_before; dropped at expires_at)
--   running   held by a session (claimed_by, lease_until), phase:
--               claimed   taken by a session, nothing sent yet (safe to give back)
--               sent      the RPC went on the wire, no answer known yet: the outcome is settled
--                         from the device's next Inform (reconcile_key), never by resending blindly
--               awaiting  the CPE accepted; waiting for its effect ("M Reboot" Inform,
--                         TransferComplete ...)
--   done | fault | expired | cancelled   final
-- Rows are updated a handful of times in their life, so fillfactor 80 keeps those updates HOT.
CREATE TABLE tasks (
    id             bigserial   PRIMARY KEY,
    device_id      bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    type           text        NOT NULL,
    args           jsonb       NOT NULL DEFAULT '{}',
    state          text        NOT NULL DEFAULT 'queued'
                               CHECK (state IN ('queued', 'running', 'done', 'fault', 'expired', 'cancelled')),
    phase          text        NOT NULL DEFAULT '' CHECK (phase IN ('', 'claimed', 'sent', 'awaiting')),
    reconcile_key  text        NOT NULL DEFAULT '' CHECK (length(reconcile_key) <= 32),
    hold_requests  boolean     NOT NULL DEFAULT false,
    attempts       integer     NOT NULL DEFAULT 0,
    max_attempts   integer     NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    not_before     timestamptz,
    expires_at     timestamptz NOT NULL,
    sent_at        timestamptz,
    finished_at    timestamptz,
    claimed_by     text,
    lease_until    timestamptz,
    progress       jsonb,                 -- multi-step tasks (refresh): where the program is
    result         jsonb,
    fault_code     bigint      CHECK (fault_code BETWEEN 0 AND 4294967295),
    fault_message  text        NOT NULL DEFAULT '',
    created_by     text        NOT NULL DEFAULT '',
    idempotency_key text,
    request_hash   text,
    CONSTRAINT tasks_idempotency UNIQUE (created_by, idempotency_key),
    CONSTRAINT tasks_running_phase CHECK ((state = 'running') = (phase <> ''))
) WITH (fillfactor = 80);

-- The active tasks of a device: probed once per Inform by the batch statement (pending work, no
-- extra round trip) and read when a session starts. Small: final tasks leave it.
CREATE INDEX tasks_active ON tasks (device_id, id) WHERE state IN ('queued', 'running');
CREATE INDEX tasks_device ON tasks (device_id, id DESC);
CREATE INDEX tasks_state ON tasks (state, id);
CREATE INDEX tasks_expiry ON tasks (expires_at) WHERE state IN ('queued', 'running');

COMMENT ON TABLE tasks IS 'Operator requests for one device and their outcome; see docs/tasks.md.';

-- A fault may belong to a task.
ALTER TABLE device_faults ADD COLUMN task_id bigint REFERENCES tasks (id) ON DELETE SET NULL;
CREATE INDEX device_faults_task ON device_faults (task_id) WHERE task_id IS NOT NULL;

-- Writable flag from GetParameterNames (NULL: not known, e.g. a value only seen in an Inform).
ALTER TABLE device_parameters ADD COLUMN writable boolean;

-- Device search (GET /api/v1/devices). Prefix searches use text_pattern_ops. software_version is
-- indexed for fleet queries; it rarely changes, so periodic updates stay HOT.
CREATE INDEX devices_serial ON devices (serial_number text_pattern_ops);
CREATE INDEX devices_subscriber_ref ON devices (subscriber_ref text_pattern_ops) WHERE subscriber_ref IS NOT NULL;
CREATE INDEX devices_subscriber_phone ON devices (subscriber_phone) WHERE subscriber_phone IS NOT NULL;
CREATE INDEX devices_software_version ON devices (software_version) WHERE software_version IS NOT NULL;
CREATE INDEX devices_product_class ON devices (product_class);
-- Model columns are correlated (an OUI makes few product classes, a product class few software
-- versions): without these the planner expects thousands of rows for a combination no device has
-- and walks the table (measured: 56 ms -> 0.07 ms at 100,000 devices; docs/inventory.md).
CREATE STATISTICS devices_model_stats (dependencies, mcv) ON oui, product_class, software_version FROM devices;

-- API bearer tokens: only the SHA-256 of the token is stored (tokens are 256 random bits, so a
-- fast hash is enough); `prefix` is the first characters, shown in lists to tell tokens apart.
CREATE TABLE api_tokens (
    id           bigserial   PRIMARY KEY,
    name         text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    role         text        NOT NULL,
    token_sha256 text        NOT NULL UNIQUE,
    prefix       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
