-- X1 at city scale: one hash chain per community (chain = its id) and one for records above
-- communities (chain 0), so that writes of different communities never wait for each other
-- and a database can be split by community. Entries made before this migration stay as they
-- were, as chain 0.
CREATE TABLE audit_entries (
    id {{pk}},
    chain BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    community_id BIGINT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_entries_chain ON audit_entries(chain, seq);
CREATE INDEX audit_entries_community ON audit_entries(community_id, id);
INSERT INTO audit_entries (chain, seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash)
    SELECT 0, seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq;
CREATE TABLE audit_chains (
    chain BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chains (chain, seq, last_hash) SELECT 0, seq, last_hash FROM audit_head WHERE id = 1 AND seq > 0;
DROP TABLE audit_log;
-- Read-only view with the old name, for reports and ad-hoc queries.
CREATE VIEW audit_log AS
    SELECT id AS seq, chain, seq AS chain_seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash
    FROM audit_entries;
