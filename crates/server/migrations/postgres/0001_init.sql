-- The helpdesk's first schema (PostgreSQL). Portable types: UUIDs as TEXT, timestamps as
-- BIGINT unix milliseconds, booleans as INTEGER 0/1, JSON as TEXT. Kept in step with
-- ../sqlite/0001_init.sql; the same portable SQL runs on both engines.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Counters updated inside the writing transaction: the row lock serialises appenders to
-- the change feed, so sequence numbers commit in order and no cursor passes a gap.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('seq', 0), ('ticket_number', 1000);

CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    paid_until BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_id        TEXT REFERENCES organisations(id),
    tier          BIGINT,
    locale        TEXT NOT NULL,
    phone         TEXT,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    device     TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE tickets (
    id                    TEXT PRIMARY KEY,
    number                BIGINT NOT NULL UNIQUE,
    org_id                TEXT NOT NULL REFERENCES organisations(id),
    requester_id          TEXT NOT NULL REFERENCES users(id),
    created_by            TEXT NOT NULL REFERENCES users(id),
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    priority              TEXT NOT NULL,
    status                TEXT NOT NULL,
    channel               TEXT NOT NULL,
    category              TEXT,
    contact_name          TEXT,
    contact_email         TEXT,
    contact_phone         TEXT,
    checks                TEXT NOT NULL,
    system_info           TEXT,
    tier                  BIGINT NOT NULL,
    assignee_id           TEXT REFERENCES users(id),
    first_response_due_at BIGINT,
    first_response_at     BIGINT,
    resolution_due_at     BIGINT,
    solved_at             BIGINT,
    sla_paused_at         BIGINT,
    sla_paused_ms         BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    v_title               BIGINT NOT NULL,
    v_status              BIGINT NOT NULL,
    v_priority            BIGINT NOT NULL,
    v_assignee            BIGINT NOT NULL,
    v_category            BIGINT NOT NULL,
    v_tier                BIGINT NOT NULL
);
CREATE INDEX tickets_org ON tickets(org_id);
CREATE INDEX tickets_status ON tickets(status);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets(id),
    author_id  TEXT NOT NULL REFERENCES users(id),
    body       TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id);

CREATE TABLE ticket_events (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets(id),
    actor_id   TEXT NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    staff_only BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id);

-- Each applied mutation's id with its result, written in the same transaction as its
-- effect: a retry is answered from here and never applied twice.
CREATE TABLE applied_mutations (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    ticket_id     TEXT NOT NULL,
    ticket_number BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    applied_at    BIGINT NOT NULL
);

-- The change feed that clients pull, one row per written entity.
CREATE TABLE changes (
    seq         BIGINT PRIMARY KEY,
    ticket_id   TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    staff_only  BIGINT NOT NULL
);
CREATE INDEX changes_org_seq ON changes(org_id, seq);
