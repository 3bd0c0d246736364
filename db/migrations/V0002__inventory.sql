-- The device inventory (db/inventory.h, docs/inventory.md): devices, their credentials, Inform
-- events, IP history, faults, completion reports and stored parameter values.
--
-- Every time is timestamptz (UTC). Texts reported by CPEs are stored as text, never cast: a CPE
-- may report garbage, and the Inform must still be stored.

-- One row per CPE identity. Written on every Inform (db/pg/pg_inform_batcher.cpp), so:
--   * fillfactor 70 leaves room on each page for the new row version, and no index covers a
--     column that changes on every Inform (last_inform, inform_count): those updates are HOT
--     (DESIGN.md §3: 99% HOT, no bloat after 1M updates).
--   * the indexed columns wan_ip / peer_ip change only when the device's address changes.
--   * the credentials' usernames are indexed in device_usernames, not here.
CREATE TABLE devices (
    id                       bigserial   PRIMARY KEY,
    oui                      text        NOT NULL,
    product_class            text        NOT NULL,
    serial_number            text        NOT NULL,
    manufacturer             text        NOT NULL DEFAULT '',
    model_name               text,
    hardware_version         text,
    software_version         text,
    provisioning_code        text,
    data_model               text,
    connection_request_url   text,
    -- The current address intervals: [wan_ip_since, last_inform] and [peer_ip_since, last_inform].
    -- Closed intervals move to ip_history when the address changes.
    wan_ip                   text,
    wan_ip_since             timestamptz,
    peer_ip                  text,
    peer_ip_since            timestamptz,
    parameter_key            text,
    periodic_inform_interval bigint      CHECK (periodic_inform_interval BETWEEN 0 AND 4294967295),
    tags                     text[]      NOT NULL DEFAULT '{}',
    subscriber_ref           text,
    subscriber_phone         text,
    time_zone                text,
    registered_at            timestamptz NOT NULL,
    last_inform              timestamptz,
    last_boot                timestamptz,
    last_bootstrap           timestamptz,
    duplicate_suspect_at     timestamptz,
    inform_count             bigint      NOT NULL DEFAULT 0,
    -- CPE -> ACS credential verifiers (HA1 for MD5 and SHA-256, lowercase hex), active and pending.
    cwmp_username            text,
    cwmp_ha1_md5             text,
    cwmp_ha1_sha256          text,
    pending_cwmp_username    text,
    pending_cwmp_ha1_md5     text,
    pending_cwmp_ha1_sha256  text,
    -- ACS -> CPE connection-request credentials; the password is ciphertext made by acsd.
    cr_username              text,
    cr_password_ciphertext   bytea,
    cr_key_id                text,
    pending_cr_username      text,
    pending_cr_password_ciphertext bytea,
    pending_cr_key_id        text,
    CONSTRAINT devices_identity UNIQUE (oui, product_class, serial_number),
    CONSTRAINT devices_active_credential CHECK ((cwmp_username IS NULL) = (cwmp_ha1_md5 IS NULL)),
    CONSTRAINT devices_pending_credential CHECK ((pending_cwmp_username IS NULL) = (pending_cwmp_ha1_md5 IS NULL))
) WITH (fillfactor = 70);

CREATE INDEX devices_tags ON devices USING gin (tags);
CREATE INDEX devices_wan_ip ON devices (wan_ip) WHERE wan_ip IS NOT NULL;
CREATE INDEX devices_peer_ip ON devices (peer_ip) WHERE peer_ip IS NOT NULL;

COMMENT ON TABLE devices IS 'One row per CPE identity (OUI, ProductClass, SerialNumber); see docs/inventory.md.';

-- Usernames are unique over the active and the pending CWMP credentials of all devices: one
-- primary key does it, and authentication finds the device with one index lookup. The store keeps
-- it in step with devices.cwmp_username / pending_cwmp_username in the same transaction (whether
-- a name is the active or the pending one is read from the devices row; a device may re-send its
-- active username as the pending one).
CREATE TABLE device_usernames (
    username  text   PRIMARY KEY,
    device_id bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE
);
CREATE INDEX device_usernames_device ON device_usernames (device_id);

-- Inform events, appended on every Inform; pruned by age (DeviceStore::PruneEvents).
CREATE TABLE inform_events (
    id          bigserial   PRIMARY KEY,
    device_id   bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    received_at timestamptz NOT NULL,
    code        text        NOT NULL,
    command_key text        NOT NULL DEFAULT ''
);
CREATE INDEX inform_events_device_recent ON inform_events (device_id, received_at DESC, id DESC);
CREATE INDEX inform_events_received_at ON inform_events (received_at);

-- Closed address intervals [first_seen, last_seen]; the open one is on the devices row.
CREATE TABLE ip_history (
    id         bigserial   PRIMARY KEY,
    device_id  bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    ip         text        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('wan', 'peer')),
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);
CREATE INDEX ip_history_ip ON ip_history (ip, first_seen);
CREATE INDEX ip_history_device ON ip_history (device_id, last_seen DESC);

CREATE TABLE device_faults (
    id        bigserial   PRIMARY KEY,
    device_id bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    rpc       text        NOT NULL,
    code      bigint      NOT NULL CHECK (code BETWEEN 0 AND 4294967295),
    message   text        NOT NULL DEFAULT '',
    detail    text        NOT NULL DEFAULT '',
    at        timestamptz NOT NULL
);
CREATE INDEX device_faults_device ON device_faults (device_id, at DESC, id DESC);

-- Completion reports (TransferComplete, ...) kept until the task engine consumes them.
CREATE TABLE cpe_reports (
    id          bigserial   PRIMARY KEY,
    device_id   bigint      NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    rpc         text        NOT NULL,
    command_key text        NOT NULL DEFAULT '',
    body_json   text        NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX cpe_reports_device ON cpe_reports (device_id, received_at DESC, id DESC);

-- Parameter values reported by the devices, in the layout measured in docs/param_layout_decision.md
-- (100,000 devices x 300 parameters: 100 % HOT value updates, no growth after 200,000 updates, zero
-- WAL for a batch of unchanged values; JSONB per device rewrote the whole document on every change):
-- a path dictionary (a path is stored once, not once per device) and one narrow row per
-- (device, path). A write touches a row only when its value or type changed, so fetched_at is the
-- time the value was first seen or last changed.
CREATE TABLE parameter_paths (
    id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path text    NOT NULL UNIQUE  -- full path, e.g. Device.WiFi.SSID.1.SSID; rows are never deleted
);

-- No foreign keys on purpose: their per-row triggers doubled the cost of a batch that stores 15,000
-- values (measured: 140 of 230 ms). Only the Inform writer inserts here, with device ids from the
-- same transaction's upsert and path ids from parameter_paths; code that deletes a device must
-- delete its parameters too. No index contains value: it would make every value update non-HOT.
-- Columns ordered for alignment (8-byte, 4-byte, then variable length).
CREATE TABLE device_parameters (
    device_id  bigint      NOT NULL,
    fetched_at timestamptz NOT NULL,
    path_id    integer     NOT NULL,
    type       text        NOT NULL DEFAULT '',  -- xsd local name as reported: string, unsignedInt, ...
    value      text        NOT NULL,
    PRIMARY KEY (device_id, path_id)
) WITH (fillfactor = 90);

-- Fleet queries ("devices where <path> = <value>") without DDL per parameter.
CREATE INDEX device_parameters_path ON device_parameters (path_id);
