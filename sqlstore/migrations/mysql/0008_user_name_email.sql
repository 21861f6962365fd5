-- Schema 9 (mysql): a user's optional name and email (rbac.User.Name and
-- Email), so that people can be found by them. Empty for users written
-- before. VARCHAR counts characters: rbac.MaxUserNameLen is 256 and
-- rbac.MaxUserEmailLen 254. The table's utf8mb4_bin collation keeps them
-- byte for byte.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS name VARCHAR(256) NOT NULL DEFAULT '';
ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS email VARCHAR(256) NOT NULL DEFAULT '';
