-- cloud-manager catalog, schema version 6: hosts known by the identity written on them, copies that count
-- only where they were seen, links from other nodes kept apart as hints, and shared claims on copies.
-- From this version on, copies.host holds a host's identity (host_ids.host_id), not its configured name.

-- Every host identity this catalog has seen: the random id of the marker on the host itself.
CREATE TABLE host_ids (
    host_id        TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL,               -- the name it was last configured under: the payload's host_name
    kind           TEXT    NOT NULL,
    location       TEXT    NOT NULL,               -- where it was last seen (scheme:path), for messages and checks
    first_seen_at  BIGINT  NOT NULL,
    last_seen_at   BIGINT  NOT NULL
);
CREATE INDEX ix_host_ids_name ON host_ids (name);

-- The identities each node has configured now. A copy counts toward safety only on a host some node has.
CREATE TABLE node_hosts (
    node_id  TEXT  NOT NULL,
    host_id  TEXT  NOT NULL,
    PRIMARY KEY (node_id, host_id)
);
CREATE INDEX ix_node_hosts_host ON node_hosts (host_id);

-- Links learned from other nodes' records (by the host name they used): never a copy until a sync,
-- a verify or a download has seen it on a configured host.
CREATE TABLE copy_hints (
    hash        TEXT    NOT NULL REFERENCES files (hash),
    host_name   TEXT    NOT NULL,
    locator     TEXT    NOT NULL,
    learned_at  BIGINT  NOT NULL,
    PRIMARY KEY (hash, host_name)
);

-- Claims on making one copy: a node copying a file to a host holds a lease until it records the
-- attempt or the lease expires (a node that dies lets go by itself).
CREATE TABLE copy_leases (
    hash        TEXT    NOT NULL,
    host_id     TEXT    NOT NULL,
    node_id     TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    PRIMARY KEY (hash, host_id)
);

-- Copies recorded before hosts had identities were keyed by name, and some came from other nodes'
-- records without being seen: every stored one becomes a hint that the next sync or verify confirms.
INSERT INTO copy_hints (hash, host_name, locator, learned_at)
    SELECT hash, host, locator, updated_at FROM copies WHERE state = 0 AND locator IS NOT NULL;
DELETE FROM copies;
UPDATE files SET stored_copies = 0;

-- Whether any node caches a file (a file in no cache and with no good copy is lost).
CREATE INDEX ix_cache_hash ON cache_entries (hash);
