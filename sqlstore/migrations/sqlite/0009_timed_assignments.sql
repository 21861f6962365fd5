-- Schema 9 (sqlite): a user's timed assignments (rbac.User.Temporary), as
-- the JSON list of {Role or Group, From, Until} with RFC 3339 times; empty
-- for a user without any (and for users written before). Re-runnable:
-- sqlstore adds a column only if it is absent.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS temporary TEXT NOT NULL DEFAULT '';
