-- Schema 6 (mysql): indexes for reading the change log a page at a time
-- (Store.ReadHistory, rbac.HistoryReader) filtered by entity or by kind.
--
-- An entity's changes by (entity_key, revision, pos), with or without its
-- kind; a kind's by (kind, revision, pos). With them a history page finds,
-- counts and reads in order the matching changes of a change set without
-- reading its other changes: an import of every entity is one set of
-- 100,000 changes and more.
--
-- MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has): Migrate re-runs
-- this file after an interruption by taking "duplicate key name" (1061)
-- from a CREATE INDEX as done.
--
-- rbac_change_kinds: how many changes of each kind a change set has,
-- written with the set, so that a page filtered by kind says how many of an
-- import's 100,000 changes match without counting them. Filled here for the
-- sets already logged (re-runnable: existing rows are kept). A set without
-- rows (written by a program older than schema 6) is counted from
-- rbac_change_items instead.
CREATE INDEX rbac_change_items_entity_key_revision_idx ON rbac_change_items (entity_key, revision, pos);
CREATE INDEX rbac_change_items_kind_revision_idx ON rbac_change_items (kind, revision, pos);
CREATE TABLE IF NOT EXISTS rbac_change_kinds (
    revision BIGINT NOT NULL,
    kind VARCHAR(32) NOT NULL,
    changes INT NOT NULL,
    PRIMARY KEY (revision, kind),
    FOREIGN KEY (revision) REFERENCES rbac_changes (revision) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT IGNORE INTO rbac_change_kinds (revision, kind, changes) SELECT revision, kind, COUNT(*) FROM rbac_change_items GROUP BY revision, kind;
-- The (kind, entity_key) index of schema 1 served no query once these did,
-- and cost a B-tree insert per logged change. (MySQL has no DROP INDEX IF
-- EXISTS: Migrate takes error 1091 on a re-run as done.)
DROP INDEX rbac_change_items_kind_entity_key_idx ON rbac_change_items;
