-- Open311 GeoReport v2: API keys per community (stored hashed) and the location details a
-- service request may carry.

CREATE TABLE open311_keys (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    UNIQUE (community_id, name)
);

ALTER TABLE needs ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE needs ADD COLUMN lon DOUBLE PRECISION;
ALTER TABLE needs ADD COLUMN address_text TEXT;
ALTER TABLE needs ADD COLUMN media_url TEXT;
