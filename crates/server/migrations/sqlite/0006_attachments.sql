-- Attachments: content-addressed blobs, resumable uploads, and the files on tickets and
-- messages. The same file serves SQLite and PostgreSQL.

-- A stored file, named by the SHA-256 of its bytes (lower-case hex): the same bytes are
-- kept once however many messages carry them. Its bytes live in the blob store
-- (blobs/ab/cdef… in the data folder by default); this row is written only after they
-- were stored and verified.
CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    stored_at    BIGINT NOT NULL
);

-- A file being sent by one user: what they declared, and how many bytes the server
-- holds so far (a cut upload resumes from there). `completed_at` is set once the bytes
-- matched the declared hash; a completed upload is the user's proof that they hold
-- the blob, which lets them attach it.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    name          TEXT NOT NULL,
    received      BIGINT NOT NULL,
    content_type  TEXT,
    created_at    BIGINT NOT NULL,
    completed_at  BIGINT
);
CREATE INDEX uploads_user_sha256 ON uploads (user_id, sha256);

-- A file on a ticket (message_id NULL: on its description) or on a message, in the
-- order the author attached them. Who may download it is who may see what it is on.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    ticket_id    TEXT NOT NULL REFERENCES tickets(id),
    message_id   TEXT REFERENCES messages(id),
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    name         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    position     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);
