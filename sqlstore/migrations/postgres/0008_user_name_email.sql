-- Schema 9 (postgres): a user's optional name and email (rbac.User.Name and
-- Email), so that people can be found by them. Empty for users written
-- before.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS email TEXT COLLATE "C" NOT NULL DEFAULT '';
