-- Schema 2 (sqlite): change set IDs, the idempotency keys.
--
-- One row per change set written with schema 2 or later: its ID (unique:
-- the primary key), its revision, the digest of its content (so that a
-- retry can be told from another change set reusing the ID) and when it
-- was written. Kept apart from rbac_changes because Prune keeps an ID
-- longer than its change set, for retries (see Store.Prune).
CREATE TABLE IF NOT EXISTS rbac_change_ids (
    change_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    digest TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    PRIMARY KEY (change_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS rbac_change_ids_revision_idx ON rbac_change_ids (revision);
