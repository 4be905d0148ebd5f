-- Files the user attached, copied into the account's folder at once (so moving or
-- deleting the original changes nothing), named by the SHA-256 of their bytes: the same
-- file attached twice is kept once. A queued change names its files in its mutation
-- (the `attachments` of a new ticket or message, by hash and name); this table says
-- where each file's bytes are and whether the server already holds them all.
--
-- path: relative to the account's folder (files/ab/cdef…).
-- uploaded: 1 once the server answered that upload complete (verified and stored).
-- content_type: as the server found it in the content, once uploaded.
CREATE TABLE local_files (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    path         TEXT NOT NULL,
    uploaded     INTEGER NOT NULL DEFAULT 0,
    content_type TEXT,
    created_at   TEXT NOT NULL
);
