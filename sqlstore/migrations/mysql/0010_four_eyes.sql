-- Schema 10 (mysql): four-eyes approval and recertification. rbac_approvals holds the policy's
-- approval entries (rbac.Approval); rbac_proposals the pending and resolved
-- proposals (rbac.ProposalStore), each a JSON document with its state
-- beside it, so that resolving is one compare-and-set UPDATE; and
-- rbac_changes.proposed_by the proposer of an approved change set
-- (rbac.ChangeSet.ProposedBy, empty for the others).
CREATE TABLE IF NOT EXISTS rbac_approvals (
    name VARCHAR(128) NOT NULL,
    sensitive_gains BOOLEAN NOT NULL,
    relaxations BOOLEAN NOT NULL,
    role_ids JSON NOT NULL DEFAULT ('[]'),
    group_ids JSON NOT NULL DEFAULT ('[]'),
    made_by_role_ids JSON NOT NULL DEFAULT ('[]'),
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_proposals (
    id VARCHAR(128) NOT NULL,
    state VARCHAR(16) NOT NULL,
    created_ns BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE rbac_changes ADD COLUMN IF NOT EXISTS proposed_by VARCHAR(128) NOT NULL DEFAULT '';

-- Recertification: the policy's campaigns (rbac.Campaign, due as RFC 3339
-- text in UTC) and the reviewers' attestations (rbac.AttestationStore), one
-- per campaign and user.
CREATE TABLE IF NOT EXISTS rbac_campaigns (
    id VARCHAR(128) NOT NULL,
    due VARCHAR(128) NOT NULL,
    group_ids JSON NOT NULL DEFAULT ('[]'),
    role_ids JSON NOT NULL DEFAULT ('[]'),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rbac_attestations (
    campaign VARCHAR(128) NOT NULL,
    user_id VARCHAR(128) NOT NULL,
    keep_access BOOLEAN NOT NULL,
    by_user VARCHAR(128) NOT NULL,
    at_ns BIGINT NOT NULL,
    PRIMARY KEY (campaign, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
