-- Schema 5 (mysql): the lists inside an entity move into JSON array columns
-- of the entity's row, in order (a grant is a [permission, scope] pair);
-- their tables go. An import of 100,000 users with ten roles each writes
-- 100,000 rows instead of 1.1 million, each with a foreign-key probe.
-- Ownership owners keep their table (sqlfilter joins it), and so does the
-- ownership rule's create permission (zero or one row per rule).
--
-- Re-runnable: a column is added only if absent (sqlstore runs ADD COLUMN
-- IF NOT EXISTS itself: MySQL lacks it); a list table (created empty if a
-- run before dropped it) has its rows copied to the entities that have rows
-- in it, then it is dropped. MariaDB commits each statement, so an
-- interrupted run leaves every list in its table, its column or both.
--
-- The arrays are built with GROUP_CONCAT and JSON_QUOTE, in pos order, which
-- MariaDB and MySQL both have; GROUP_CONCAT's length limit is lifted first.
SET SESSION group_concat_max_len = 4294967295;

ALTER TABLE rbac_permissions ADD COLUMN IF NOT EXISTS requires JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_permission_requires (permission VARCHAR(128) NOT NULL, pos INT NOT NULL, requires VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_permissions e JOIN (SELECT permission, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(requires) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_permission_requires GROUP BY permission) l
    ON l.permission = e.name
    SET e.requires = l.items;
DROP TABLE IF EXISTS rbac_permission_requires;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS account_types JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_role_account_types (role_id VARCHAR(128) NOT NULL, pos INT NOT NULL, account_type VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_roles e JOIN (SELECT role_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(account_type) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_role_account_types GROUP BY role_id) l
    ON l.role_id = e.id
    SET e.account_types = l.items;
DROP TABLE IF EXISTS rbac_role_account_types;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS contains_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_role_contains (role_id VARCHAR(128) NOT NULL, pos INT NOT NULL, contains_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_roles e JOIN (SELECT role_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(contains_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_role_contains GROUP BY role_id) l
    ON l.role_id = e.id
    SET e.contains_ids = l.items;
DROP TABLE IF EXISTS rbac_role_contains;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS grants JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_role_grants (role_id VARCHAR(128) NOT NULL, pos INT NOT NULL, permission VARCHAR(128) NOT NULL, scope VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_roles e JOIN (SELECT role_id, CONCAT('[', GROUP_CONCAT(CONCAT('[', JSON_QUOTE(permission), ',', JSON_QUOTE(scope), ']') ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_role_grants GROUP BY role_id) l
    ON l.role_id = e.id
    SET e.grants = l.items;
DROP TABLE IF EXISTS rbac_role_grants;

ALTER TABLE rbac_account_types ADD COLUMN IF NOT EXISTS default_role_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_account_type_default_roles (account_type VARCHAR(128) NOT NULL, pos INT NOT NULL, role_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_account_types e JOIN (SELECT account_type, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(role_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_account_type_default_roles GROUP BY account_type) l
    ON l.account_type = e.id
    SET e.default_role_ids = l.items;
DROP TABLE IF EXISTS rbac_account_type_default_roles;

ALTER TABLE rbac_groups ADD COLUMN IF NOT EXISTS role_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_group_roles (group_id VARCHAR(128) NOT NULL, pos INT NOT NULL, role_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_groups e JOIN (SELECT group_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(role_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_group_roles GROUP BY group_id) l
    ON l.group_id = e.id
    SET e.role_ids = l.items;
DROP TABLE IF EXISTS rbac_group_roles;

ALTER TABLE rbac_groups ADD COLUMN IF NOT EXISTS manager_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_group_managers (group_id VARCHAR(128) NOT NULL, pos INT NOT NULL, user_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_groups e JOIN (SELECT group_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(user_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_group_managers GROUP BY group_id) l
    ON l.group_id = e.id
    SET e.manager_ids = l.items;
DROP TABLE IF EXISTS rbac_group_managers;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS role_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_user_roles (user_id VARCHAR(128) NOT NULL, pos INT NOT NULL, role_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_users e JOIN (SELECT user_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(role_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_user_roles GROUP BY user_id) l
    ON l.user_id = e.id
    SET e.role_ids = l.items;
DROP TABLE IF EXISTS rbac_user_roles;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS group_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_user_groups (user_id VARCHAR(128) NOT NULL, pos INT NOT NULL, group_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_users e JOIN (SELECT user_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(group_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_user_groups GROUP BY user_id) l
    ON l.user_id = e.id
    SET e.group_ids = l.items;
DROP TABLE IF EXISTS rbac_user_groups;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS workgroup_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_user_workgroups (user_id VARCHAR(128) NOT NULL, pos INT NOT NULL, workgroup_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_users e JOIN (SELECT user_id, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(workgroup_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_user_workgroups GROUP BY user_id) l
    ON l.user_id = e.id
    SET e.workgroup_ids = l.items;
DROP TABLE IF EXISTS rbac_user_workgroups;

ALTER TABLE rbac_constraints ADD COLUMN IF NOT EXISTS role_ids JSON NOT NULL DEFAULT ('[]');
CREATE TABLE IF NOT EXISTS rbac_constraint_roles (constraint_name VARCHAR(128) NOT NULL, pos INT NOT NULL, role_id VARCHAR(128) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
UPDATE rbac_constraints e JOIN (SELECT constraint_name, CONCAT('[', GROUP_CONCAT(JSON_QUOTE(role_id) ORDER BY pos SEPARATOR ','), ']') AS items FROM rbac_constraint_roles GROUP BY constraint_name) l
    ON l.constraint_name = e.name
    SET e.role_ids = l.items;
DROP TABLE IF EXISTS rbac_constraint_roles;
