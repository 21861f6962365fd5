-- Schema 9 (mysql): a user's timed assignments (rbac.User.Temporary), as
-- the JSON list of {Role or Group, From, Until} with RFC 3339 times; empty
-- for a user without any (and for users written before). TEXT takes a
-- default only as an expression on MySQL.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS temporary TEXT NOT NULL DEFAULT ('');
