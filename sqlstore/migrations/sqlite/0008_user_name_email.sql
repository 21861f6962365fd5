-- Schema 9 (sqlite): a user's optional name and email (rbac.User.Name and
-- Email), so that people can be found by them. Empty for users written
-- before. Re-runnable: sqlstore adds a column only if it is absent.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS name TEXT NOT NULL DEFAULT '';
ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS email TEXT NOT NULL DEFAULT '';
