-- Photos attached to needs. The files live outside the database (data directory); rows keep
-- what is needed to serve them with access control and to check their integrity.
CREATE TABLE need_photos (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    need_id BIGINT NOT NULL REFERENCES needs(id),
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX need_photos_need ON need_photos(need_id, id);
