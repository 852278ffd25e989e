-- cloud-manager catalog, schema version 1.
-- The same statements run on SQLite and PostgreSQL: only portable types and syntax.
-- Times are Unix milliseconds (BIGINT) unless a column says otherwise; hashes are 64 lowercase hex digits.

-- One row per file the pool knows, wherever its bytes are.
CREATE TABLE files (
    hash           TEXT    NOT NULL PRIMARY KEY,
    size           BIGINT  NOT NULL,
    name           TEXT    NOT NULL,               -- the original base name: metadata only, never a path
    created_at     BIGINT  NOT NULL,               -- Unix seconds, the payload's "datetime"
    stored_copies  INTEGER NOT NULL DEFAULT 0,     -- rows of copies in state 0; safe when >= min copies
    exported_at    BIGINT  NULL,                   -- when data_dump last offered it
    sync_id        TEXT    NULL                    -- the sync id under which a log confirmed it
);
CREATE INDEX ix_files_stored ON files (stored_copies);
CREATE INDEX ix_files_export ON files (sync_id, exported_at);

-- One row per (file, host): every copy, and every failed attempt to make one.
CREATE TABLE copies (
    hash        TEXT    NOT NULL REFERENCES files (hash),
    host        TEXT    NOT NULL,
    locator     TEXT    NULL,                      -- where the host keeps it: the payload's "url"
    state       INTEGER NOT NULL,                  -- 0 stored, 1 failed, 2 damaged (served wrong bytes)
    attempts    INTEGER NOT NULL,
    last_error  TEXT    NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (hash, host)
);
CREATE INDEX ix_copies_host ON copies (host, state);

-- Health of each host, kept across restarts to choose where to upload and download first.
CREATE TABLE hosts (
    name                  TEXT    NOT NULL PRIMARY KEY,
    successes             BIGINT  NOT NULL,
    failures              BIGINT  NOT NULL,
    consecutive_failures  INTEGER NOT NULL,
    last_error            TEXT    NULL,
    last_failure_at       BIGINT  NULL,
    last_success_at       BIGINT  NULL
);

-- One row per node (a cache folder): its used bytes and eviction-policy state.
CREATE TABLE nodes (
    node_id      TEXT             NOT NULL PRIMARY KEY,
    used_bytes   BIGINT           NOT NULL,
    clock        BIGINT           NOT NULL,        -- logical clock, one tick per cache access
    inflation    DOUBLE PRECISION NOT NULL,        -- aging value of priority-based policies
    policy       TEXT             NOT NULL,        -- the policy that computed the priorities below
    created_at   BIGINT           NOT NULL
);

-- What each node holds in its cache.
CREATE TABLE cache_entries (
    node_id         TEXT             NOT NULL REFERENCES nodes (node_id),
    hash            TEXT             NOT NULL REFERENCES files (hash),
    size            BIGINT           NOT NULL,
    pinned          INTEGER          NOT NULL,
    access_count    BIGINT           NOT NULL,
    last_tick       BIGINT           NOT NULL,
    last_access_at  BIGINT           NOT NULL,
    priority        DOUBLE PRECISION NOT NULL,     -- lowest is evicted first
    PRIMARY KEY (node_id, hash)
);
CREATE INDEX ix_cache_priority ON cache_entries (node_id, priority, last_tick);

-- Transfer meter: bytes in and out per node and calendar month (UTC, 'YYYY-MM').
CREATE TABLE transfers (
    node_id   TEXT   NOT NULL,
    month     TEXT   NOT NULL,
    incoming  BIGINT NOT NULL,
    outgoing  BIGINT NOT NULL,
    PRIMARY KEY (node_id, month)
);

-- Read positions in shared logs or peers ("blocks"); source '' is the default log.
CREATE TABLE sync_cursors (
    source    TEXT   NOT NULL PRIMARY KEY,
    position  BIGINT NOT NULL
);
