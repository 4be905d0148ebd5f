-- What was typed in the search box may be a ticket number (`#1042`): without an index
-- that lookup read every ticket's row, and a search for a rare word cost ~100 ms at
-- 100k tickets instead of well under one.
CREATE INDEX tickets_number ON tickets (number);
