-- cloud-manager catalog, schema version 3: what eviction policies that remember evicted files need,
-- and an index for policies that evict the most recently used first among equal priorities.

-- The bytes of a node's remembered evicted files (the sum of their sizes below).
ALTER TABLE nodes ADD COLUMN remembered_bytes BIGINT NOT NULL DEFAULT 0;

-- Files a node evicted recently, with the access count they had: one that comes back resumes it.
-- Bounded per node by the policy (a multiple of the cache's bytes), oldest trimmed first.
CREATE TABLE evicted_entries (
    node_id       TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    access_count  BIGINT  NOT NULL,
    evicted_tick  BIGINT  NOT NULL,                -- the node's clock when it was evicted
    PRIMARY KEY (node_id, hash)
);
CREATE INDEX ix_evicted_age ON evicted_entries (node_id, evicted_tick, hash);

CREATE INDEX ix_cache_priority_newest ON cache_entries (node_id, priority, last_tick DESC);
