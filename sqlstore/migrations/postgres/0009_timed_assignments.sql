-- Schema 9 (postgres): a user's timed assignments (rbac.User.Temporary), as
-- the JSON list of {Role or Group, From, Until} with RFC 3339 times; empty
-- for a user without any (and for users written before).

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS temporary TEXT COLLATE "C" NOT NULL DEFAULT '';

-- Elevations (rbac.Elevation): break-glass declared in advance; the roles
-- as a JSON list, the longest use in nanoseconds.
CREATE TABLE IF NOT EXISTS rbac_elevations (
    id TEXT COLLATE "C" NOT NULL,
    title TEXT NOT NULL,
    max_duration_ns BIGINT NOT NULL,
    invoke TEXT COLLATE "C" NOT NULL,
    role_ids JSONB NOT NULL DEFAULT '[]',
    PRIMARY KEY (id)
);
