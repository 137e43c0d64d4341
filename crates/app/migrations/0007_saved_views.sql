-- A staff member's saved ledger filters ("my overdue needs in grid 2"), per community.
CREATE TABLE saved_views (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, community_id, name)
);
