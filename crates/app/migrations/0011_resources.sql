-- Community resource database (R1), claiming from a list (R3) and facility booking (R4).
-- `categories` and `tags` are space-separated lists with a space at each end (` a b `), so a
-- membership test is `LIKE '% a %'` on both engines.
-- A resource placed above a community (a street's service centre) has no community_id, like a
-- street-level organization.
CREATE TABLE resources (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL DEFAULT ' ',
    tags TEXT NOT NULL DEFAULT ' ',
    owner_org_id BIGINT REFERENCES organizations(id),
    owner_person_id BIGINT REFERENCES people(id),
    owner_user_id BIGINT REFERENCES users(id),
    capacity BIGINT NOT NULL DEFAULT 1,
    quantity BIGINT,
    unit TEXT NOT NULL DEFAULT '',
    expires_on TEXT,
    schedule TEXT NOT NULL DEFAULT '',
    conditions TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT,
    address TEXT NOT NULL DEFAULT '',
    booking_who TEXT NOT NULL DEFAULT 'anyone',
    booking_max_minutes BIGINT NOT NULL DEFAULT 240,
    booking_approval BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    external_id TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (quantity IS NULL OR quantity >= 0)
);
CREATE INDEX resources_area_path ON resources(area_path);
CREATE INDEX resources_owner_user ON resources(owner_user_id) WHERE owner_user_id IS NOT NULL;
CREATE INDEX resources_owner_org ON resources(owner_org_id) WHERE owner_org_id IS NOT NULL;
CREATE UNIQUE INDEX resources_external ON resources(community_id, external_id) WHERE external_id IS NOT NULL;

-- Dated changes to a resource's weekly schedule: local day number, minutes [start, end).
CREATE TABLE resource_exceptions (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    day BIGINT NOT NULL,
    start_minute BIGINT NOT NULL,
    end_minute BIGINT NOT NULL,
    is_open BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX resource_exceptions_resource ON resource_exceptions(resource_id, day);

-- Every change of a stock level, with the balance after it (never negative).
CREATE TABLE resource_stock_moves (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    delta BIGINT NOT NULL,
    balance BIGINT NOT NULL CHECK (balance >= 0),
    reason TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX resource_stock_moves_resource ON resource_stock_moves(resource_id, at);

-- R3: needs the community has put on the list for claiming, and the claims on them. At most one
-- active claim per need, enforced by the partial unique index.
CREATE TABLE claim_listings (
    need_id BIGINT PRIMARY KEY REFERENCES needs(id),
    community_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    category_id BIGINT NOT NULL,
    listed_by BIGINT REFERENCES users(id),
    listed_at BIGINT NOT NULL,
    claim_hours BIGINT NOT NULL DEFAULT 48
);
CREATE INDEX claim_listings_path ON claim_listings(area_path);

CREATE TABLE need_claims (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    need_id BIGINT NOT NULL REFERENCES needs(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    org_id BIGINT REFERENCES organizations(id),
    status TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE UNIQUE INDEX need_claims_active ON need_claims(need_id) WHERE status = 'active';
CREATE INDEX need_claims_user ON need_claims(user_id, status);
CREATE INDEX need_claims_expiry ON need_claims(status, expires_at);

-- R4: bookings of a space, and the half-hour slots each holds. The primary key on
-- (resource, slot) is what makes a double booking impossible on both engines.
CREATE TABLE bookings (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    attendees BIGINT NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX bookings_resource ON bookings(resource_id, starts_at);
CREATE INDEX bookings_user ON bookings(user_id, starts_at);

CREATE TABLE booking_slots (
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    slot_start BIGINT NOT NULL,
    booking_id BIGINT NOT NULL REFERENCES bookings(id),
    PRIMARY KEY (resource_id, slot_start)
);
CREATE INDEX booking_slots_booking ON booking_slots(booking_id);

-- Personal iCalendar feed addresses (calendar apps cannot sign in): only digests are stored.
CREATE TABLE calendar_feeds (
    id {{pk}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    digest TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
