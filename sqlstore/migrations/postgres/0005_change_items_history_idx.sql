-- Schema 5 (postgres): indexes for reading the change log a page at a time
-- (Store.ReadHistory, rbac.HistoryReader) filtered by entity or by kind.
--
-- An entity's changes by (entity_key, revision, pos), with or without its
-- kind; a kind's by (kind, revision, pos). With them a history page finds,
-- counts and reads in order the matching changes of a change set without
-- reading its other changes: an import of every entity is one set of
-- 100,000 changes and more.
CREATE INDEX IF NOT EXISTS rbac_change_items_entity_key_revision_idx ON rbac_change_items (entity_key, revision, pos);
CREATE INDEX IF NOT EXISTS rbac_change_items_kind_revision_idx ON rbac_change_items (kind, revision, pos);
