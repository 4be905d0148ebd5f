-- Channels (issue 19): messages that reach support from outside the app (WhatsApp; the
-- same tables serve e-mail), the unmatched queue, and the outbox of replies going back.
-- The same file serves SQLite and PostgreSQL.

-- Where an agent's public reply on a channel ticket stands on its way to the customer
-- (proto Delivery: queued, sent, delivered, read, failed); NULL for other messages.
ALTER TABLE messages ADD COLUMN delivery TEXT;

-- Every message a channel delivered to us, once: the primary key is the channel's own
-- id for it (WhatsApp's wamid), so a repeated webhook delivery inserts nothing and
-- changes nothing. `state` says where it went: `ticket` (a new ticket), `reply` (a
-- message on an open one), `unmatched` (waiting in the staff queue), `linked` (placed
-- from the queue by an agent), `refused` (the organisation's subscription has lapsed:
-- an automatic answer, no ticket). Its original text and files stay here either way.
CREATE TABLE channel_inbound (
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    sender       TEXT NOT NULL,
    sender_name  TEXT,
    body         TEXT NOT NULL,
    files        TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    state        TEXT NOT NULL,
    reason       TEXT,
    customer_id  TEXT REFERENCES users(id),
    ticket_id    TEXT REFERENCES tickets(id),
    message_id   TEXT,
    placed_by    TEXT REFERENCES users(id),
    placed_at    BIGINT,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX channel_inbound_state ON channel_inbound (state, received_at);
CREATE INDEX channel_inbound_customer ON channel_inbound (channel, customer_id, received_at);

-- What goes out through a channel: an agent's public reply (message_id set) or an
-- automatic answer (message_id NULL). Written in the same transaction as the reply, so
-- nothing is lost; a sender claims a row for `claimed_until` (several server
-- processes never send one row twice at once), and marks it sent with the channel's id
-- for it (status callbacks find the message by that id).
CREATE TABLE channel_outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    message_id      TEXT,
    ticket_id       TEXT,
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    sent_at         BIGINT,
    failed_at       BIGINT,
    external_id     TEXT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX channel_outbox_due ON channel_outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX channel_outbox_external ON channel_outbox (channel, external_id);
