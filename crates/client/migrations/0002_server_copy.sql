-- The ticket as the server last sent it, so that discarding a local change can put the
-- server's values back (data = server_data + the outbox's pending changes).
ALTER TABLE tickets ADD COLUMN server_data TEXT;
