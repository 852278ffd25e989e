-- cloud-manager catalog, schema version 4: the dump reads the files no shared log confirmed yet,
-- oldest first, one page at a time from where the last page ended. This index serves exactly that
-- (sync_id IS NULL, then creation time and hash), so each page is a seek instead of a sort of every
-- unconfirmed file.
CREATE INDEX ix_files_export_order ON files (sync_id, created_at, hash);
