-- Schema 10 (postgres): four-eyes approval. rbac_approvals holds the
-- policy's approval entries (rbac.Approval); rbac_proposals the pending and
-- resolved proposals (rbac.ProposalStore), each a JSON document with its
-- state beside it, so that resolving is one compare-and-set UPDATE; and
-- rbac_changes.proposed_by the proposer of an approved change set
-- (rbac.ChangeSet.ProposedBy, empty for the others).
CREATE TABLE IF NOT EXISTS rbac_approvals (
    name TEXT COLLATE "C" NOT NULL,
    sensitive_gains BOOLEAN NOT NULL,
    relaxations BOOLEAN NOT NULL,
    role_ids JSONB NOT NULL DEFAULT '[]',
    group_ids JSONB NOT NULL DEFAULT '[]',
    PRIMARY KEY (name)
);

CREATE TABLE IF NOT EXISTS rbac_proposals (
    id TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    created_ns BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id)
);

ALTER TABLE rbac_changes ADD COLUMN IF NOT EXISTS proposed_by TEXT NOT NULL DEFAULT '';
