-- Schema 4 (postgres): an ownership rule's create permission
-- (OwnershipRule.Create), what Admin.CreateOwned needs besides the bypass.
--
-- A list of zero or one row per rule rather than a new column, the same
-- shape on every database (SQLite has no ADD COLUMN IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS rbac_ownership_rule_create (
    kind TEXT COLLATE "C" NOT NULL,
    pos INTEGER NOT NULL,
    permission TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, pos),
    FOREIGN KEY (kind) REFERENCES rbac_ownership_rules (kind) ON DELETE CASCADE
);
