-- Two-person approval (db/approval_store.h, docs/security.md "Two-person approval"): an API call
-- of an action that needs a second person is stored here instead of being run; another user
-- approves (it then runs, as the requester) or rejects it.
--
-- Expand-only: a new table.
CREATE TABLE approvals (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action         text        NOT NULL,              -- the permission action of the call
    method         text        NOT NULL,              -- the call itself, replayed on approval
    target         text        NOT NULL,              -- path and query
    content_type   text        NOT NULL DEFAULT '',
    body           text        NOT NULL DEFAULT '',
    requested_by   text        NOT NULL,              -- token name
    requested_role text        NOT NULL,
    reason         text        NOT NULL,
    state          text        NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'executed', 'failed')),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    decided_by     text,
    decided_role   text,
    decided_at     timestamptz,
    decision_note  text        NOT NULL DEFAULT '',
    result_status  integer,                           -- HTTP status of the replayed call
    result         jsonb,                             -- its answer (cut at 64 KiB)
    finished_at    timestamptz,
    -- the requester may withdraw (reject) their own request, never approve it
    CHECK (state NOT IN ('approved', 'executed', 'failed') OR decided_by <> requested_by)
);
CREATE INDEX approvals_state ON approvals (state, id);
