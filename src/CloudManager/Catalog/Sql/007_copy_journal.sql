-- cloud-manager catalog, schema version 7: each host keeps a journal of the files it holds (their names,
-- sizes and times, beside the content), so that a catalog can be rebuilt from the hosts alone. A copy
-- whose record is not yet in its host's journal (copied before journals existed, or the journal write
-- failed) has journaled = 0, and the next sync writes its record.
ALTER TABLE copies ADD COLUMN journaled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ix_copies_journal ON copies (host, journaled, state);
