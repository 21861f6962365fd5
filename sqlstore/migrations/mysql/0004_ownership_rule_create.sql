-- Schema 4 (mysql): an ownership rule's create permission
-- (OwnershipRule.Create), what Admin.CreateOwned needs besides the bypass.
--
-- A list of zero or one row per rule rather than a new column, the same
-- shape on every database (SQLite has no ADD COLUMN IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS rbac_ownership_rule_create (
    kind VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    permission VARCHAR(128) NOT NULL,
    PRIMARY KEY (kind, pos),
    FOREIGN KEY (kind) REFERENCES rbac_ownership_rules (kind) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
