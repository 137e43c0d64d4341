-- Every submission updates each index of `needs`, and at volume the write-ahead log's size is
-- what limits intake (docs/benchmarks.md).
-- Three indexes served no query: subtree reads name their statuses and use
-- `needs_status_path`; nothing reads needs by community id alone.
DROP INDEX needs_area_path;
DROP INDEX needs_community_created;
DROP INDEX needs_community_status;
-- Lookups by requester, assignee or common need only ever ask for a value, so the needs
-- without one (a new need has no assignee) stay out of those indexes.
DROP INDEX needs_requester_user;
DROP INDEX needs_assignee_org;
DROP INDEX needs_assignee_user;
CREATE INDEX needs_requester_user ON needs(requester_user_id) WHERE requester_user_id IS NOT NULL;
CREATE INDEX needs_assignee_org ON needs(assignee_org_id) WHERE assignee_org_id IS NOT NULL;
CREATE INDEX needs_assignee_user ON needs(assignee_user_id) WHERE assignee_user_id IS NOT NULL;
-- The members of a common need were found by reading the whole ledger.
CREATE INDEX needs_common ON needs(common_need_id) WHERE common_need_id IS NOT NULL;
