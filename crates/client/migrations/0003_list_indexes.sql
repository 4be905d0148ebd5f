-- Indexes that let the ticket list read a page without touching the rows of tickets it
-- does not show (each row carries its JSON twice, so reading rows is what costs).

-- Status + priority filters with the priority sort (the agent's working view): the
-- count reads only this index and the page is its first entries.
CREATE INDEX tickets_status_priority ON tickets (status, priority_rank DESC, updated_at DESC);

-- The due-date sort in its exact order (tickets without a due date last), so a search
-- sorted by due date can walk it instead of sorting every match.
CREATE INDEX tickets_due_order ON tickets (resolution_due_at IS NULL, resolution_due_at);
