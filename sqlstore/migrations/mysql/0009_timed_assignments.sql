-- Schema 9 (mysql): a user's timed assignments (rbac.User.Temporary), as
-- the JSON list of {Role or Group, From, Until} with RFC 3339 times; empty
-- for a user without any (and for users written before). TEXT takes a
-- default only as an expression on MySQL.

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS temporary TEXT NOT NULL DEFAULT ('');

-- Elevations (rbac.Elevation): break-glass declared in advance; the roles
-- as a JSON list, the longest use in nanoseconds.
CREATE TABLE IF NOT EXISTS rbac_elevations (
    id VARCHAR(128) NOT NULL,
    title TEXT NOT NULL,
    max_duration_ns BIGINT NOT NULL,
    invoke VARCHAR(128) NOT NULL,
    role_ids JSON NOT NULL DEFAULT ('[]'),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
