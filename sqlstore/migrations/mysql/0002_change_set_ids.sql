-- Schema 2 (mysql): change set IDs, the idempotency keys.
--
-- One row per change set written with schema 2 or later: its ID (unique:
-- the primary key), its revision, the digest of its content (so that a
-- retry can be told from another change set reusing the ID) and when it
-- was written. Kept apart from rbac_changes because Prune keeps an ID
-- longer than its change set, for retries (see Store.Prune).
CREATE TABLE IF NOT EXISTS rbac_change_ids (
    change_id VARCHAR(128) NOT NULL,
    revision BIGINT NOT NULL,
    digest CHAR(64) NOT NULL,
    time_ns BIGINT NOT NULL,
    PRIMARY KEY (change_id),
    INDEX rbac_change_ids_revision_idx (revision)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
