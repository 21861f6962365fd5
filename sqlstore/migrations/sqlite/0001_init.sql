-- Schema 1 of the rolegraph policy store (sqlite).
--
-- One table per entity kind, one child table per list inside an entity
-- (pos keeps the list's order), the one-row revision counter with the change
-- log's horizon, and the change log: one row per change set and one per
-- change, with JSON before/after images. There are no foreign keys between
-- entities (the rbac package checks references before it writes); child rows
-- belong to their parent row. Every table is created only if absent, so the
-- file can be re-run after an interruption (it also runs in one transaction).
-- Tables are WITHOUT ROWID, clustered by their key: Load reads each list
-- table in (parent, pos) order, which is then a sequential scan.
CREATE TABLE IF NOT EXISTS rbac_revision (
    id INTEGER NOT NULL PRIMARY KEY,
    rev BIGINT NOT NULL,
    horizon BIGINT NOT NULL
);
INSERT OR IGNORE INTO rbac_revision (id, rev, horizon) VALUES (1, 0, 0);

CREATE TABLE IF NOT EXISTS rbac_permissions (
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    section TEXT NOT NULL,
    description TEXT NOT NULL,
    deprecated TEXT NOT NULL,
    sensitive_warning TEXT NOT NULL,
    PRIMARY KEY (name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_permission_requires (
    permission TEXT NOT NULL,
    pos INTEGER NOT NULL,
    requires TEXT NOT NULL,
    PRIMARY KEY (permission, pos),
    FOREIGN KEY (permission) REFERENCES rbac_permissions (name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_roles (
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_role_account_types (
    role_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    account_type TEXT NOT NULL,
    PRIMARY KEY (role_id, pos),
    FOREIGN KEY (role_id) REFERENCES rbac_roles (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_role_contains (
    role_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    contains_id TEXT NOT NULL,
    PRIMARY KEY (role_id, pos),
    FOREIGN KEY (role_id) REFERENCES rbac_roles (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_role_grants (
    role_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    permission TEXT NOT NULL,
    scope TEXT NOT NULL,
    PRIMARY KEY (role_id, pos),
    FOREIGN KEY (role_id) REFERENCES rbac_roles (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_account_types (
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_account_type_default_roles (
    account_type TEXT NOT NULL,
    pos INTEGER NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (account_type, pos),
    FOREIGN KEY (account_type) REFERENCES rbac_account_types (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_workgroups (
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    parent TEXT NOT NULL,
    PRIMARY KEY (id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_groups (
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    account_type TEXT NOT NULL,
    PRIMARY KEY (id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_group_roles (
    group_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (group_id, pos),
    FOREIGN KEY (group_id) REFERENCES rbac_groups (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_group_managers (
    group_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (group_id, pos),
    FOREIGN KEY (group_id) REFERENCES rbac_groups (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_users (
    id TEXT NOT NULL,
    account_type TEXT NOT NULL,
    org TEXT NOT NULL,
    disabled INTEGER NOT NULL,
    PRIMARY KEY (id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_user_roles (
    user_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (user_id, pos),
    FOREIGN KEY (user_id) REFERENCES rbac_users (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_user_groups (
    user_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (user_id, pos),
    FOREIGN KEY (user_id) REFERENCES rbac_users (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_user_workgroups (
    user_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    workgroup_id TEXT NOT NULL,
    PRIMARY KEY (user_id, pos),
    FOREIGN KEY (user_id) REFERENCES rbac_users (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_constraints (
    name TEXT NOT NULL,
    max_roles INTEGER NOT NULL,
    is_dynamic INTEGER NOT NULL,
    PRIMARY KEY (name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_constraint_roles (
    constraint_name TEXT NOT NULL,
    pos INTEGER NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (constraint_name, pos),
    FOREIGN KEY (constraint_name) REFERENCES rbac_constraints (name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_ownership_rules (
    kind TEXT NOT NULL,
    bypass TEXT NOT NULL,
    PRIMARY KEY (kind)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_ownerships (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_ownership_owners (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    org TEXT NOT NULL,
    PRIMARY KEY (kind, id, pos),
    FOREIGN KEY (kind, id) REFERENCES rbac_ownerships (kind, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_changes (
    revision INTEGER NOT NULL,
    time_ns INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (revision)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_change_items (
    revision INTEGER NOT NULL,
    pos INTEGER NOT NULL,
    kind TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    is_cascade INTEGER NOT NULL,
    before_json TEXT,
    after_json TEXT,
    PRIMARY KEY (revision, pos),
    FOREIGN KEY (revision) REFERENCES rbac_changes (revision) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS rbac_role_contains_contains_id_idx ON rbac_role_contains (contains_id);
CREATE INDEX IF NOT EXISTS rbac_role_grants_permission_idx ON rbac_role_grants (permission);
CREATE INDEX IF NOT EXISTS rbac_workgroups_parent_idx ON rbac_workgroups (parent);
CREATE INDEX IF NOT EXISTS rbac_group_roles_role_id_idx ON rbac_group_roles (role_id);
CREATE INDEX IF NOT EXISTS rbac_group_managers_user_id_idx ON rbac_group_managers (user_id);
CREATE INDEX IF NOT EXISTS rbac_user_roles_role_id_idx ON rbac_user_roles (role_id);
CREATE INDEX IF NOT EXISTS rbac_user_groups_group_id_idx ON rbac_user_groups (group_id);
CREATE INDEX IF NOT EXISTS rbac_user_workgroups_workgroup_id_idx ON rbac_user_workgroups (workgroup_id);
CREATE INDEX IF NOT EXISTS rbac_ownership_owners_org_idx ON rbac_ownership_owners (org);
CREATE INDEX IF NOT EXISTS rbac_change_items_kind_entity_key_idx ON rbac_change_items (kind, entity_key);
