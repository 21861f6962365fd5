-- Schema 4 (sqlite): an ownership rule's create permission
-- (OwnershipRule.Create), what Admin.CreateOwned needs besides the bypass.
--
-- A list of zero or one row per rule rather than a new column, so that the
-- migration re-runs cleanly after an interruption (SQLite has no ADD
-- COLUMN IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS rbac_ownership_rule_create (
    kind TEXT NOT NULL,
    pos INTEGER NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (kind, pos),
    FOREIGN KEY (kind) REFERENCES rbac_ownership_rules (kind) ON DELETE CASCADE
) WITHOUT ROWID;
