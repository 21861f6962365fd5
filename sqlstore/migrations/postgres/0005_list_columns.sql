-- Schema 5 (postgres): the lists inside an entity move into JSON array columns
-- of the entity's row, in order (a grant is a [permission, scope] pair);
-- their tables go. An import of 100,000 users with ten roles each writes
-- 100,000 rows instead of 1.1 million, each with a foreign-key probe.
-- Ownership owners keep their table (sqlfilter joins it), and so does the
-- ownership rule's create permission (zero or one row per rule).
--
-- Re-runnable: a column is added only if absent; a list table (created empty
-- if a run before dropped it) has its rows copied to the entities that have
-- rows in it, then it is dropped.

ALTER TABLE rbac_permissions ADD COLUMN IF NOT EXISTS requires JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_permission_requires (permission TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, requires TEXT COLLATE "C" NOT NULL);
UPDATE rbac_permissions e SET requires = l.items
    FROM (SELECT permission, jsonb_agg(requires ORDER BY pos) AS items FROM rbac_permission_requires GROUP BY permission) l
    WHERE l.permission = e.name;
DROP TABLE IF EXISTS rbac_permission_requires;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS account_types JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_role_account_types (role_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, account_type TEXT COLLATE "C" NOT NULL);
UPDATE rbac_roles e SET account_types = l.items
    FROM (SELECT role_id, jsonb_agg(account_type ORDER BY pos) AS items FROM rbac_role_account_types GROUP BY role_id) l
    WHERE l.role_id = e.id;
DROP TABLE IF EXISTS rbac_role_account_types;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS contains_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_role_contains (role_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, contains_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_roles e SET contains_ids = l.items
    FROM (SELECT role_id, jsonb_agg(contains_id ORDER BY pos) AS items FROM rbac_role_contains GROUP BY role_id) l
    WHERE l.role_id = e.id;
DROP TABLE IF EXISTS rbac_role_contains;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS grants JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_role_grants (role_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, permission TEXT COLLATE "C" NOT NULL, scope TEXT COLLATE "C" NOT NULL);
UPDATE rbac_roles e SET grants = l.items
    FROM (SELECT role_id, jsonb_agg(jsonb_build_array(permission, scope) ORDER BY pos) AS items FROM rbac_role_grants GROUP BY role_id) l
    WHERE l.role_id = e.id;
DROP TABLE IF EXISTS rbac_role_grants;

ALTER TABLE rbac_account_types ADD COLUMN IF NOT EXISTS default_role_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_account_type_default_roles (account_type TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, role_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_account_types e SET default_role_ids = l.items
    FROM (SELECT account_type, jsonb_agg(role_id ORDER BY pos) AS items FROM rbac_account_type_default_roles GROUP BY account_type) l
    WHERE l.account_type = e.id;
DROP TABLE IF EXISTS rbac_account_type_default_roles;

ALTER TABLE rbac_groups ADD COLUMN IF NOT EXISTS role_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_group_roles (group_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, role_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_groups e SET role_ids = l.items
    FROM (SELECT group_id, jsonb_agg(role_id ORDER BY pos) AS items FROM rbac_group_roles GROUP BY group_id) l
    WHERE l.group_id = e.id;
DROP TABLE IF EXISTS rbac_group_roles;

ALTER TABLE rbac_groups ADD COLUMN IF NOT EXISTS manager_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_group_managers (group_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, user_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_groups e SET manager_ids = l.items
    FROM (SELECT group_id, jsonb_agg(user_id ORDER BY pos) AS items FROM rbac_group_managers GROUP BY group_id) l
    WHERE l.group_id = e.id;
DROP TABLE IF EXISTS rbac_group_managers;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS role_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_user_roles (user_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, role_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_users e SET role_ids = l.items
    FROM (SELECT user_id, jsonb_agg(role_id ORDER BY pos) AS items FROM rbac_user_roles GROUP BY user_id) l
    WHERE l.user_id = e.id;
DROP TABLE IF EXISTS rbac_user_roles;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS group_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_user_groups (user_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, group_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_users e SET group_ids = l.items
    FROM (SELECT user_id, jsonb_agg(group_id ORDER BY pos) AS items FROM rbac_user_groups GROUP BY user_id) l
    WHERE l.user_id = e.id;
DROP TABLE IF EXISTS rbac_user_groups;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS workgroup_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_user_workgroups (user_id TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, workgroup_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_users e SET workgroup_ids = l.items
    FROM (SELECT user_id, jsonb_agg(workgroup_id ORDER BY pos) AS items FROM rbac_user_workgroups GROUP BY user_id) l
    WHERE l.user_id = e.id;
DROP TABLE IF EXISTS rbac_user_workgroups;

ALTER TABLE rbac_constraints ADD COLUMN IF NOT EXISTS role_ids JSONB NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_constraint_roles (constraint_name TEXT COLLATE "C" NOT NULL, pos INTEGER NOT NULL, role_id TEXT COLLATE "C" NOT NULL);
UPDATE rbac_constraints e SET role_ids = l.items
    FROM (SELECT constraint_name, jsonb_agg(role_id ORDER BY pos) AS items FROM rbac_constraint_roles GROUP BY constraint_name) l
    WHERE l.constraint_name = e.name;
DROP TABLE IF EXISTS rbac_constraint_roles;
