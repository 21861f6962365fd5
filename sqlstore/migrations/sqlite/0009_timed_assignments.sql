-- Schema 9 (sqlite): a user's timed assignments (rbac.User.Temporary), as
-- the JSON list of {Role or Group, From, Until} with RFC 3339 times; empty
-- for a user without any (and for users written before). Re-runnable:
-- sqlstore adds a column only if it is absent.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS temporary TEXT NOT NULL DEFAULT '';

-- Elevations (rbac.Elevation): break-glass declared in advance; the roles
-- as a JSON list, the longest use in nanoseconds.
CREATE TABLE IF NOT EXISTS rbac_elevations (
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    max_duration_ns INTEGER NOT NULL,
    invoke TEXT NOT NULL,
    role_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (id)
) WITHOUT ROWID;
