-- Schema 1 of the rolegraph policy store (mysql).
--
-- One table per entity kind, one child table per list inside an entity
-- (pos keeps the list's order), the one-row revision counter with the change
-- log's horizon, and the change log: one row per change set and one per
-- change, with JSON before/after images. There are no foreign keys between
-- entities (the rbac package checks references before it writes); child rows
-- belong to their parent row. Every table is created only if absent, so the
-- file can be re-run after an interruption (MariaDB and MySQL commit each DDL statement implicitly).
CREATE TABLE IF NOT EXISTS rbac_revision (
    id INTEGER NOT NULL PRIMARY KEY,
    rev BIGINT NOT NULL,
    horizon BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO rbac_revision (id, rev, horizon) VALUES (1, 0, 0) ON DUPLICATE KEY UPDATE id = id;

CREATE TABLE IF NOT EXISTS rbac_permissions (
    name VARCHAR(128) NOT NULL,
    title TEXT NOT NULL,
    section TEXT NOT NULL,
    description TEXT NOT NULL,
    deprecated TEXT NOT NULL,
    sensitive_warning TEXT NOT NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_permission_requires (
    permission VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    requires VARCHAR(128) NOT NULL,
    PRIMARY KEY (permission, pos),
    FOREIGN KEY (permission) REFERENCES rbac_permissions (name) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_roles (
    id VARCHAR(128) NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_role_account_types (
    role_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    account_type VARCHAR(128) NOT NULL,
    PRIMARY KEY (role_id, pos),
    FOREIGN KEY (role_id) REFERENCES rbac_roles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_role_contains (
    role_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    contains_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (role_id, pos),
    FOREIGN KEY (role_id) REFERENCES rbac_roles (id) ON DELETE CASCADE,
    INDEX rbac_role_contains_contains_id_idx (contains_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_role_grants (
    role_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    permission VARCHAR(128) NOT NULL,
    scope VARCHAR(32) NOT NULL,
    PRIMARY KEY (role_id, pos),
    FOREIGN KEY (role_id) REFERENCES rbac_roles (id) ON DELETE CASCADE,
    INDEX rbac_role_grants_permission_idx (permission)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_account_types (
    id VARCHAR(128) NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_account_type_default_roles (
    account_type VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    role_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (account_type, pos),
    FOREIGN KEY (account_type) REFERENCES rbac_account_types (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_workgroups (
    id VARCHAR(128) NOT NULL,
    name TEXT NOT NULL,
    parent VARCHAR(128) NOT NULL,
    PRIMARY KEY (id),
    INDEX rbac_workgroups_parent_idx (parent)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_groups (
    id VARCHAR(128) NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    account_type VARCHAR(128) NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_group_roles (
    group_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    role_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (group_id, pos),
    FOREIGN KEY (group_id) REFERENCES rbac_groups (id) ON DELETE CASCADE,
    INDEX rbac_group_roles_role_id_idx (role_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_group_managers (
    group_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    user_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (group_id, pos),
    FOREIGN KEY (group_id) REFERENCES rbac_groups (id) ON DELETE CASCADE,
    INDEX rbac_group_managers_user_id_idx (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_users (
    id VARCHAR(128) NOT NULL,
    account_type VARCHAR(128) NOT NULL,
    org VARCHAR(128) NOT NULL,
    disabled BOOLEAN NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_user_roles (
    user_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    role_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (user_id, pos),
    FOREIGN KEY (user_id) REFERENCES rbac_users (id) ON DELETE CASCADE,
    INDEX rbac_user_roles_role_id_idx (role_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_user_groups (
    user_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    group_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (user_id, pos),
    FOREIGN KEY (user_id) REFERENCES rbac_users (id) ON DELETE CASCADE,
    INDEX rbac_user_groups_group_id_idx (group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_user_workgroups (
    user_id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    workgroup_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (user_id, pos),
    FOREIGN KEY (user_id) REFERENCES rbac_users (id) ON DELETE CASCADE,
    INDEX rbac_user_workgroups_workgroup_id_idx (workgroup_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_constraints (
    name VARCHAR(128) NOT NULL,
    max_roles BIGINT NOT NULL,
    is_dynamic BOOLEAN NOT NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_constraint_roles (
    constraint_name VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    role_id VARCHAR(128) NOT NULL,
    PRIMARY KEY (constraint_name, pos),
    FOREIGN KEY (constraint_name) REFERENCES rbac_constraints (name) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_ownership_rules (
    kind VARCHAR(128) NOT NULL,
    bypass VARCHAR(128) NOT NULL,
    PRIMARY KEY (kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_ownerships (
    kind VARCHAR(128) NOT NULL,
    id VARCHAR(128) NOT NULL,
    PRIMARY KEY (kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_ownership_owners (
    kind VARCHAR(128) NOT NULL,
    id VARCHAR(128) NOT NULL,
    pos INT NOT NULL,
    org VARCHAR(128) NOT NULL,
    PRIMARY KEY (kind, id, pos),
    FOREIGN KEY (kind, id) REFERENCES rbac_ownerships (kind, id) ON DELETE CASCADE,
    INDEX rbac_ownership_owners_org_idx (org)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_changes (
    revision BIGINT NOT NULL,
    time_ns BIGINT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (revision)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_change_items (
    revision BIGINT NOT NULL,
    pos INT NOT NULL,
    kind VARCHAR(32) NOT NULL,
    entity_key VARCHAR(300) NOT NULL,
    is_cascade BOOLEAN NOT NULL,
    before_json LONGTEXT,
    after_json LONGTEXT,
    PRIMARY KEY (revision, pos),
    FOREIGN KEY (revision) REFERENCES rbac_changes (revision) ON DELETE CASCADE,
    INDEX rbac_change_items_kind_entity_key_idx (kind, entity_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
