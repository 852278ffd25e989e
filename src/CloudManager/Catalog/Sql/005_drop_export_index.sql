-- cloud-manager catalog, schema version 5: ix_files_export (sync_id, exported_at) served the dump
-- before version 4; every query on unconfirmed files now reads ix_files_export_order, whose first
-- column is the same. The old index only cost time: one more b-tree written for every file added,
-- and for every file a dump marks as exported.
DROP INDEX IF EXISTS ix_files_export;
