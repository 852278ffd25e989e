-- cloud-manager catalog, schema version 2: indexes for the newest-first file listing and the
-- export queue's counts, which the gateway's dashboard asks for every few seconds.
CREATE INDEX ix_files_created ON files (created_at, hash);
