-- Volunteers (V1–V6): profiles and groups, activities with their slots, service records,
-- the points ledger and catalogue, the training camp and mentorship.
-- A volunteer's `area_path` is their preferred grid's path, else their community's, so a
-- street's, district's or city's figures are a range scan (the four-level roll-up, V6).
-- `minutes`, `tasks`, `led` and `last_served_at` are kept with each verification; `balance` is
-- the points account, kept with each entry and never below zero.
CREATE TABLE volunteer_groups (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE volunteers (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people(id),
    user_id BIGINT REFERENCES users(id),
    status TEXT NOT NULL,
    group_id BIGINT REFERENCES volunteer_groups(id),
    skills TEXT NOT NULL DEFAULT ' ',
    availability TEXT NOT NULL DEFAULT '',
    party_member BIGINT NOT NULL DEFAULT 0,
    insurance_until BIGINT,
    insurance_policy TEXT NOT NULL DEFAULT '',
    joined_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL DEFAULT 0,
    tasks BIGINT NOT NULL DEFAULT 0,
    led BIGINT NOT NULL DEFAULT 0,
    decisions BIGINT NOT NULL DEFAULT 0,
    last_served_at BIGINT,
    balance BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (community_id, person_id),
    CHECK (balance >= 0)
);
CREATE INDEX volunteers_area_path ON volunteers(area_path);
CREATE INDEX volunteers_user ON volunteers(user_id) WHERE user_id IS NOT NULL;

CREATE TABLE volunteer_trainings (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    name TEXT NOT NULL,
    certificate TEXT NOT NULL DEFAULT '',
    taken_on BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX volunteer_trainings_volunteer ON volunteer_trainings(volunteer_id);

CREATE TABLE courses (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sessions BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE activities (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    organizer_user_id BIGINT REFERENCES users(id),
    group_id BIGINT REFERENCES volunteer_groups(id),
    course_id BIGINT REFERENCES courses(id),
    session_no BIGINT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    slots BIGINT NOT NULL,
    checkin_code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL
);
CREATE INDEX activities_community_start ON activities(community_id, starts_at);

-- One holder per slot, and one place per person, among places held or served.
CREATE TABLE activity_signups (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    slot BIGINT NOT NULL,
    status TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    checkin_at BIGINT,
    checkout_at BIGINT,
    ended_at BIGINT
);
CREATE UNIQUE INDEX activity_signups_slot ON activity_signups(activity_id, slot) WHERE status IN ('active', 'done');
CREATE UNIQUE INDEX activity_signups_person ON activity_signups(activity_id, volunteer_id) WHERE status IN ('active', 'done');
-- A person is checked in at one place at a time.
CREATE UNIQUE INDEX activity_signups_open ON activity_signups(volunteer_id) WHERE checkin_at IS NOT NULL AND checkout_at IS NULL AND status = 'active';
CREATE INDEX activity_signups_volunteer ON activity_signups(volunteer_id);

CREATE TABLE service_records (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    activity_id BIGINT REFERENCES activities(id),
    need_id BIGINT,
    source TEXT NOT NULL,
    role TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    status TEXT NOT NULL,
    corrects_id BIGINT REFERENCES service_records(id),
    note TEXT NOT NULL DEFAULT '',
    entered_by BIGINT,
    decided_by BIGINT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_records_volunteer ON service_records(volunteer_id, started_at);
CREATE INDEX service_records_pending ON service_records(community_id, status, created_at);

CREATE TABLE points_rules (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    trigger_code TEXT NOT NULL,
    points BIGINT NOT NULL,
    party_only BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX points_rules_community ON points_rules(community_id);

CREATE TABLE points_settings (
    community_id BIGINT PRIMARY KEY REFERENCES areas(id),
    expiry_months BIGINT
);

CREATE TABLE points_items (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    name TEXT NOT NULL,
    points BIGINT NOT NULL,
    stock BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    CHECK (stock >= 0)
);
CREATE INDEX points_items_community ON points_items(community_id);

CREATE TABLE points_redemptions (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    item_id BIGINT NOT NULL REFERENCES points_items(id),
    points BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX points_redemptions_item ON points_redemptions(item_id);

-- Earned once per source and rule: a record verified twice cannot pay twice.
CREATE TABLE points_entries (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    rule_id BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    expires_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (volunteer_id, source, rule_id)
);
CREATE INDEX points_entries_volunteer ON points_entries(volunteer_id, id);

CREATE TABLE mentorships (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    mentor_id BIGINT NOT NULL REFERENCES volunteers(id),
    mentee_id BIGINT NOT NULL REFERENCES volunteers(id),
    started_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    case_report TEXT NOT NULL DEFAULT '',
    assessed_at BIGINT,
    assessed_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mentorships_mentee ON mentorships(mentee_id) WHERE status = 'active';

CREATE TABLE mentorship_notes (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    mentorship_id BIGINT NOT NULL REFERENCES mentorships(id),
    month BIGINT NOT NULL,
    note TEXT NOT NULL,
    by_user BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mentorship_notes_pair ON mentorship_notes(mentorship_id);
