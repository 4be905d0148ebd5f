-- The e-mail channel (issue 19). The same file serves SQLite and PostgreSQL.

-- An e-mail's subject: the ticket's title when it is placed (also from the unmatched
-- queue, where the thread it came from is no longer at hand).
ALTER TABLE channel_inbound ADD COLUMN subject TEXT;

-- What an e-mail in the channel outbox needs besides its text (JSON: our Message-ID,
-- subject, In-Reply-To, References, the recipient's name); NULL for WhatsApp.
ALTER TABLE channel_outbox ADD COLUMN envelope TEXT;

-- Every Message-ID of a ticket's e-mail thread, the customer's (`in`) and ours
-- (`out`, written when the reply is queued): an answer's In-Reply-To/References find
-- its ticket here, and a message that carries one of our ids as its own is a loop.
CREATE TABLE email_threads (
    message_id  TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id),
    direction   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX email_threads_ticket ON email_threads (ticket_id, created_at);
