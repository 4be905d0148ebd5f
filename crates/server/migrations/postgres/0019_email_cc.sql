-- The people copied on an e-mail ticket (issue 19). The same file serves SQLite and
-- PostgreSQL.

-- Everyone a customer's e-mails on a ticket were also written to (their To besides
-- us, and their Cc), once per address: an agent's public reply goes To the customer
-- and Cc these. Our own mailbox addresses are never recorded.
CREATE TABLE email_cc (
    ticket_id  TEXT NOT NULL REFERENCES tickets(id),
    address    TEXT NOT NULL,
    name       TEXT,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, address)
);

-- An inbound e-mail's other recipients (JSON list of {address, name}), so that one
-- placed later from the unmatched queue keeps them too; NULL for WhatsApp.
ALTER TABLE channel_inbound ADD COLUMN cc TEXT;
