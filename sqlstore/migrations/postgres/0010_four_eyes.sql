-- Schema 10 (postgres): four-eyes approval and recertification. rbac_approvals holds the
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
    made_by_role_ids JSONB NOT NULL DEFAULT '[]',
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

-- Recertification: the policy's campaigns (rbac.Campaign, due as RFC 3339
-- text in UTC) and the reviewers' attestations (rbac.AttestationStore), one
-- per campaign and user.
CREATE TABLE IF NOT EXISTS rbac_campaigns (
    id TEXT COLLATE "C" NOT NULL,
    due TEXT COLLATE "C" NOT NULL,
    group_ids JSONB NOT NULL DEFAULT '[]',
    role_ids JSONB NOT NULL DEFAULT '[]',
    PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS rbac_attestations (
    campaign TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    keep_access BOOLEAN NOT NULL,
    by_user TEXT COLLATE "C" NOT NULL,
    at_ns BIGINT NOT NULL,
    PRIMARY KEY (campaign, user_id)
);
