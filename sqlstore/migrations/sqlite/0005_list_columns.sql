-- Schema 5 (sqlite): the lists inside an entity move into JSON array columns
-- of the entity's row, in order (a grant is a [permission, scope] pair);
-- their tables go. An import of 100,000 users with ten roles each writes
-- 100,000 rows instead of 1.1 million, each with a foreign-key probe.
-- Ownership owners keep their table (sqlfilter joins it), and so does the
-- ownership rule's create permission (zero or one row per rule).
--
-- Re-runnable: a column is added only if absent (sqlstore runs ADD COLUMN
-- IF NOT EXISTS itself: SQLite lacks it); a list table (created
-- empty if a run before dropped it) has its rows copied to the entities
-- that have rows in it, then it is dropped.

ALTER TABLE rbac_permissions ADD COLUMN IF NOT EXISTS requires TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_permission_requires (permission TEXT NOT NULL, pos INTEGER NOT NULL, requires TEXT NOT NULL);
UPDATE rbac_permissions SET requires = (SELECT json_group_array(l.requires ORDER BY l.pos) FROM rbac_permission_requires l WHERE l.permission = rbac_permissions.name)
    WHERE EXISTS (SELECT 1 FROM rbac_permission_requires l WHERE l.permission = rbac_permissions.name);
DROP TABLE IF EXISTS rbac_permission_requires;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS account_types TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_role_account_types (role_id TEXT NOT NULL, pos INTEGER NOT NULL, account_type TEXT NOT NULL);
UPDATE rbac_roles SET account_types = (SELECT json_group_array(l.account_type ORDER BY l.pos) FROM rbac_role_account_types l WHERE l.role_id = rbac_roles.id)
    WHERE EXISTS (SELECT 1 FROM rbac_role_account_types l WHERE l.role_id = rbac_roles.id);
DROP TABLE IF EXISTS rbac_role_account_types;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS contains_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_role_contains (role_id TEXT NOT NULL, pos INTEGER NOT NULL, contains_id TEXT NOT NULL);
UPDATE rbac_roles SET contains_ids = (SELECT json_group_array(l.contains_id ORDER BY l.pos) FROM rbac_role_contains l WHERE l.role_id = rbac_roles.id)
    WHERE EXISTS (SELECT 1 FROM rbac_role_contains l WHERE l.role_id = rbac_roles.id);
DROP TABLE IF EXISTS rbac_role_contains;

ALTER TABLE rbac_roles ADD COLUMN IF NOT EXISTS grants TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_role_grants (role_id TEXT NOT NULL, pos INTEGER NOT NULL, permission TEXT NOT NULL, scope TEXT NOT NULL);
UPDATE rbac_roles SET grants = (SELECT json_group_array(json_array(l.permission, l.scope) ORDER BY l.pos) FROM rbac_role_grants l WHERE l.role_id = rbac_roles.id)
    WHERE EXISTS (SELECT 1 FROM rbac_role_grants l WHERE l.role_id = rbac_roles.id);
DROP TABLE IF EXISTS rbac_role_grants;

ALTER TABLE rbac_account_types ADD COLUMN IF NOT EXISTS default_role_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_account_type_default_roles (account_type TEXT NOT NULL, pos INTEGER NOT NULL, role_id TEXT NOT NULL);
UPDATE rbac_account_types SET default_role_ids = (SELECT json_group_array(l.role_id ORDER BY l.pos) FROM rbac_account_type_default_roles l WHERE l.account_type = rbac_account_types.id)
    WHERE EXISTS (SELECT 1 FROM rbac_account_type_default_roles l WHERE l.account_type = rbac_account_types.id);
DROP TABLE IF EXISTS rbac_account_type_default_roles;

ALTER TABLE rbac_groups ADD COLUMN IF NOT EXISTS role_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_group_roles (group_id TEXT NOT NULL, pos INTEGER NOT NULL, role_id TEXT NOT NULL);
UPDATE rbac_groups SET role_ids = (SELECT json_group_array(l.role_id ORDER BY l.pos) FROM rbac_group_roles l WHERE l.group_id = rbac_groups.id)
    WHERE EXISTS (SELECT 1 FROM rbac_group_roles l WHERE l.group_id = rbac_groups.id);
DROP TABLE IF EXISTS rbac_group_roles;

ALTER TABLE rbac_groups ADD COLUMN IF NOT EXISTS manager_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_group_managers (group_id TEXT NOT NULL, pos INTEGER NOT NULL, user_id TEXT NOT NULL);
UPDATE rbac_groups SET manager_ids = (SELECT json_group_array(l.user_id ORDER BY l.pos) FROM rbac_group_managers l WHERE l.group_id = rbac_groups.id)
    WHERE EXISTS (SELECT 1 FROM rbac_group_managers l WHERE l.group_id = rbac_groups.id);
DROP TABLE IF EXISTS rbac_group_managers;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS role_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_user_roles (user_id TEXT NOT NULL, pos INTEGER NOT NULL, role_id TEXT NOT NULL);
UPDATE rbac_users SET role_ids = (SELECT json_group_array(l.role_id ORDER BY l.pos) FROM rbac_user_roles l WHERE l.user_id = rbac_users.id)
    WHERE EXISTS (SELECT 1 FROM rbac_user_roles l WHERE l.user_id = rbac_users.id);
DROP TABLE IF EXISTS rbac_user_roles;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS group_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_user_groups (user_id TEXT NOT NULL, pos INTEGER NOT NULL, group_id TEXT NOT NULL);
UPDATE rbac_users SET group_ids = (SELECT json_group_array(l.group_id ORDER BY l.pos) FROM rbac_user_groups l WHERE l.user_id = rbac_users.id)
    WHERE EXISTS (SELECT 1 FROM rbac_user_groups l WHERE l.user_id = rbac_users.id);
DROP TABLE IF EXISTS rbac_user_groups;

ALTER TABLE rbac_users ADD COLUMN IF NOT EXISTS workgroup_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_user_workgroups (user_id TEXT NOT NULL, pos INTEGER NOT NULL, workgroup_id TEXT NOT NULL);
UPDATE rbac_users SET workgroup_ids = (SELECT json_group_array(l.workgroup_id ORDER BY l.pos) FROM rbac_user_workgroups l WHERE l.user_id = rbac_users.id)
    WHERE EXISTS (SELECT 1 FROM rbac_user_workgroups l WHERE l.user_id = rbac_users.id);
DROP TABLE IF EXISTS rbac_user_workgroups;

ALTER TABLE rbac_constraints ADD COLUMN IF NOT EXISTS role_ids TEXT NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS rbac_constraint_roles (constraint_name TEXT NOT NULL, pos INTEGER NOT NULL, role_id TEXT NOT NULL);
UPDATE rbac_constraints SET role_ids = (SELECT json_group_array(l.role_id ORDER BY l.pos) FROM rbac_constraint_roles l WHERE l.constraint_name = rbac_constraints.name)
    WHERE EXISTS (SELECT 1 FROM rbac_constraint_roles l WHERE l.constraint_name = rbac_constraints.name);
DROP TABLE IF EXISTS rbac_constraint_roles;
