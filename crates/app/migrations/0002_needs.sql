-- Needs ledger (N1–N5): categories with service levels, needs, their append-only events,
-- and whistle-and-report escalations.

CREATE TABLE need_categories (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    respond_hours BIGINT NOT NULL,
    resolve_hours BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    sort BIGINT NOT NULL DEFAULT 0,
    UNIQUE (community_id, code)
);

CREATE TABLE needs (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    household_id BIGINT REFERENCES areas(id),
    requester_person_id BIGINT REFERENCES people(id),
    requester_user_id BIGINT REFERENCES users(id),
    category_id BIGINT NOT NULL REFERENCES need_categories(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    channel TEXT NOT NULL,
    urgency TEXT NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    assignee_org_id BIGINT REFERENCES organizations(id),
    assignee_user_id BIGINT REFERENCES users(id),
    contact_phone TEXT,
    created_at BIGINT NOT NULL,
    responded_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    rating BIGINT,
    reopened BIGINT NOT NULL DEFAULT 0,
    respond_due BIGINT NOT NULL,
    resolve_due BIGINT NOT NULL,
    overdue BIGINT NOT NULL DEFAULT 0,
    merged_into BIGINT REFERENCES needs(id),
    common_need_id BIGINT REFERENCES needs(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX needs_area_path ON needs(area_path, status);
CREATE INDEX needs_community_created ON needs(community_id, created_at);
CREATE INDEX needs_community_status ON needs(community_id, status);
CREATE INDEX needs_household ON needs(household_id);
CREATE INDEX needs_requester_user ON needs(requester_user_id);
CREATE INDEX needs_assignee_org ON needs(assignee_org_id);
CREATE INDEX needs_assignee_user ON needs(assignee_user_id);
CREATE INDEX needs_open_due ON needs(overdue, status, resolve_due);

CREATE TABLE need_events (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    need_id BIGINT NOT NULL REFERENCES needs(id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    note TEXT,
    data TEXT NOT NULL DEFAULT ''
);
CREATE INDEX need_events_need ON need_events(need_id, id);

CREATE TABLE whistles (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    need_id BIGINT NOT NULL REFERENCES needs(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    created_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    reported_at BIGINT,
    reported_by BIGINT REFERENCES users(id),
    note TEXT,
    UNIQUE (need_id, organization_id)
);
CREATE INDEX whistles_org ON whistles(organization_id, reported_at);
