-- The local store of one account: what the server last told us, what the user changed
-- locally (outbox), and the bookkeeping of sync and alerts.

-- Key/value facts about this database: client_id, its data-dir fingerprint, cursor,
-- epoch, whether the first sync finished.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Tickets: filter/sort columns beside the full proto Ticket as JSON (`data`).
-- number = 0 while the server has not accepted the ticket yet.
CREATE TABLE tickets (
    rid                INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    number             INTEGER NOT NULL DEFAULT 0,
    title              TEXT NOT NULL,
    status             TEXT NOT NULL,
    priority_rank      INTEGER NOT NULL,
    channel            TEXT NOT NULL,
    tier               INTEGER NOT NULL,
    assignee_id        TEXT,
    requester_id       TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    resolution_due_at  TEXT,
    data               TEXT NOT NULL
);
CREATE INDEX tickets_updated ON tickets (updated_at DESC);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at DESC);
CREATE INDEX tickets_priority ON tickets (priority_rank DESC, updated_at DESC);
CREATE INDEX tickets_due ON tickets (resolution_due_at);
CREATE INDEX tickets_assignee ON tickets (assignee_id, updated_at DESC);
CREATE INDEX tickets_requester ON tickets (requester_id, updated_at DESC);
CREATE INDEX tickets_tier ON tickets (tier, updated_at DESC);
CREATE INDEX tickets_channel ON tickets (channel, updated_at DESC);

-- Messages (append-only) with the proto Message as JSON. No foreign key to tickets:
-- a pull page may carry a message before its ticket's newest state.
CREATE TABLE messages (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    ticket_id   TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, created_at);

-- Timeline events with the proto TicketEvent as JSON.
CREATE TABLE events (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    ticket_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX events_ticket ON events (ticket_id, created_at);

-- The outbox: local changes not yet answered by the server, in the order made.
-- state: queued | rejected. A mutation held because an earlier one on the same ticket
-- was rejected is rejected with code depends_on_rejected and depends_on = that id.
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    ticket_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    mutation       TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'queued',
    error_code     TEXT,
    error_message  TEXT,
    depends_on     TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX outbox_ticket ON outbox (ticket_id, seq);
CREATE INDEX outbox_state ON outbox (state, seq);

-- Tickets the user has read, at which update time.
CREATE TABLE read_marks (
    ticket_id  TEXT PRIMARY KEY NOT NULL,
    read_at    TEXT NOT NULL
);

-- Messages that already raised (or were deliberately spared) an alert.
CREATE TABLE alerted (
    message_id TEXT PRIMARY KEY NOT NULL
);

-- Full-text search; text is normalised in Rust (crate::normalize) before it goes in.
CREATE VIRTUAL TABLE ticket_fts USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE message_fts USING fts5 (ticket_rid UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');
