-- Schema 9 (postgres): a user's timed assignments (rbac.User.Temporary), as
-- the JSON list of {Role or Group, From, Until} with RFC 3339 times; empty
-- for a user without any (and for users written before).

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS temporary TEXT COLLATE "C" NOT NULL DEFAULT '';
