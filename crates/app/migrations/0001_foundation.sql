-- Foundation schema: areas, people, organizations, accounts, audit, directory index.
-- One file for both engines; {{pk}} and {{path}} are rendered per backend by
-- db::render_migration. Every domain row carries community_id (the tenant key, X6).

CREATE TABLE areas (
    id {{pk}},
    community_id BIGINT,
    parent_id BIGINT REFERENCES areas(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    path {{path}} NOT NULL UNIQUE,
    depth BIGINT NOT NULL,
    geojson TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX areas_parent ON areas(parent_id);
CREATE INDEX areas_community_kind ON areas(community_id, kind);

CREATE TABLE people (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    household_id BIGINT REFERENCES areas(id),
    household_path {{path}},
    name TEXT NOT NULL,
    gender TEXT,
    birth_year BIGINT,
    phone TEXT,
    id_number TEXT,
    vulnerability TEXT NOT NULL DEFAULT '',
    is_household_head BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX people_household_path ON people(household_path);
CREATE INDEX people_community ON people(community_id, id);
CREATE UNIQUE INDEX people_id_number ON people(community_id, id_number);

CREATE TABLE organizations (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    parent_id BIGINT REFERENCES organizations(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    services TEXT NOT NULL DEFAULT '',
    phone TEXT,
    address TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX organizations_area_path ON organizations(area_path);
CREATE INDEX organizations_parent ON organizations(parent_id);

CREATE TABLE memberships (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    post TEXT NOT NULL,
    since_year BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (organization_id, person_id, post)
);
CREATE INDEX memberships_person ON memberships(person_id);

CREATE TABLE users (
    id {{pk}},
    username TEXT NOT NULL UNIQUE,
    phone TEXT UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    person_id BIGINT REFERENCES people(id),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE grants (
    id {{pk}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, role, area_id)
);

CREATE TABLE sessions (
    id {{pk}},
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id {{pk}},
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- The audit chain's head: one row, locked first by every audited write so that entries
-- are appended in one order on both engines and across server instances.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    community_id BIGINT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_community ON audit_log(community_id, seq);

-- Inverted index for Chinese full-text search (S4): jieba terms per document.
CREATE TABLE search_terms (
    community_id BIGINT,
    doc_kind TEXT NOT NULL,
    doc_id BIGINT NOT NULL,
    term TEXT NOT NULL,
    weight BIGINT NOT NULL
);
CREATE INDEX search_terms_term ON search_terms(term, doc_kind);
CREATE INDEX search_terms_doc ON search_terms(doc_kind, doc_id);
