-- Schema 10 (sqlite): four-eyes approval and recertification. rbac_approvals holds the policy's
-- approval entries (rbac.Approval); rbac_proposals the pending and resolved
-- proposals (rbac.ProposalStore), each a JSON document with its state
-- beside it, so that resolving is one compare-and-set UPDATE; and
-- rbac_changes.proposed_by the proposer of an approved change set
-- (rbac.ChangeSet.ProposedBy, empty for the others). Re-runnable.
CREATE TABLE IF NOT EXISTS rbac_approvals (
    name TEXT NOT NULL,
    sensitive_gains INTEGER NOT NULL,
    relaxations INTEGER NOT NULL,
    role_ids TEXT NOT NULL DEFAULT '[]',
    group_ids TEXT NOT NULL DEFAULT '[]',
    made_by_role_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_proposals (
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id)
) WITHOUT ROWID;

ALTER TABLE rbac_changes ADD COLUMN IF NOT EXISTS proposed_by TEXT NOT NULL DEFAULT '';

-- Recertification: the policy's campaigns (rbac.Campaign, due as RFC 3339
-- text in UTC) and the reviewers' attestations (rbac.AttestationStore), one
-- per campaign and user.
CREATE TABLE IF NOT EXISTS rbac_campaigns (
    id TEXT NOT NULL,
    due TEXT NOT NULL,
    group_ids TEXT NOT NULL DEFAULT '[]',
    role_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rbac_attestations (
    campaign TEXT NOT NULL,
    user_id TEXT NOT NULL,
    keep_access INTEGER NOT NULL,
    by_user TEXT NOT NULL,
    at_ns INTEGER NOT NULL,
    PRIMARY KEY (campaign, user_id)
) WITHOUT ROWID;
