-- The outbox's queued and rejected counts, kept by triggers. The sync state shows them
-- after every local change; counting the outbox's index each time made queueing n
-- changes cost n²/2 index entries (minutes for 100,000 changes filed offline).
CREATE TABLE outbox_counts (
    state TEXT PRIMARY KEY NOT NULL,
    n     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO outbox_counts (state, n)
    SELECT 'queued', COUNT(*) FROM outbox WHERE state = 'queued';
INSERT INTO outbox_counts (state, n)
    SELECT 'rejected', COUNT(*) FROM outbox WHERE state = 'rejected';

-- Outbox states are only 'queued' and 'rejected' (see 0001): both rows exist above.
CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox BEGIN
    UPDATE outbox_counts SET n = n + 1 WHERE state = new.state;
END;
CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox BEGIN
    UPDATE outbox_counts SET n = n - 1 WHERE state = old.state;
END;
CREATE TRIGGER outbox_counts_state AFTER UPDATE OF state ON outbox
    WHEN old.state IS NOT new.state BEGIN
    UPDATE outbox_counts SET n = n - 1 WHERE state = old.state;
    UPDATE outbox_counts SET n = n + 1 WHERE state = new.state;
END;
