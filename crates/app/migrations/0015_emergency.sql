-- Emergency mode (E1–E3): plans per hazard, incidents and the log of every switch, the
-- alerts sent (each a CAP 1.2 message), and the check-ins on vulnerable residents.
-- A drill is an incident with `drill = 1`; its alerts carry it too, so the public feed can
-- leave them out with one condition. Lists inside a row are space-separated with a space at
-- each end (` 3 7 `), as elsewhere.
CREATE TABLE emergency_plans (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    hazard TEXT NOT NULL,
    title TEXT NOT NULL,
    -- One duty per line: "role：who holds it".
    roles TEXT NOT NULL DEFAULT '',
    group_ids TEXT NOT NULL DEFAULT ' ',
    -- One supply to prepare per line.
    supplies TEXT NOT NULL DEFAULT '',
    checkin_flags TEXT NOT NULL DEFAULT '',
    checkin_every_hours BIGINT NOT NULL DEFAULT 12,
    checkin_within_minutes BIGINT NOT NULL DEFAULT 60,
    per_volunteer BIGINT NOT NULL DEFAULT 4,
    per_grid_worker BIGINT NOT NULL DEFAULT 10,
    headline_zh TEXT NOT NULL DEFAULT '',
    headline_en TEXT NOT NULL DEFAULT '',
    instruction_zh TEXT NOT NULL DEFAULT '',
    instruction_en TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (community_id, hazard)
);

-- `batch` ties the incidents one street officer declared together for several communities.
CREATE TABLE incidents (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    plan_id BIGINT REFERENCES emergency_plans(id),
    hazard TEXT NOT NULL,
    severity TEXT NOT NULL,
    drill BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    batch TEXT NOT NULL,
    declared_by BIGINT REFERENCES users(id),
    declared_at BIGINT NOT NULL,
    closed_by BIGINT REFERENCES users(id),
    closed_at BIGINT,
    summary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1
);
-- One real incident and one drill at a time per community.
CREATE UNIQUE INDEX incidents_one_active ON incidents(community_id, drill) WHERE status = 'active';
CREATE INDEX incidents_community ON incidents(community_id, declared_at);

-- The grids (or whole community) an incident covers.
CREATE TABLE incident_areas (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{path}} NOT NULL,
    UNIQUE (incident_id, area_id)
);

-- The mode and every change of it: declared, changed, closed.
CREATE TABLE incident_log (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    severity TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_log_incident ON incident_log(incident_id, at);

-- Each alert as sent; `identifier` is its CAP identifier, `replaces` the one an update or
-- cancel refers to.
CREATE TABLE emergency_alerts (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    identifier TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    replaces BIGINT REFERENCES emergency_alerts(id),
    drill BIGINT NOT NULL DEFAULT 0,
    severity TEXT NOT NULL,
    headline_zh TEXT NOT NULL,
    headline_en TEXT NOT NULL,
    description_zh TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    instruction_zh TEXT NOT NULL DEFAULT '',
    instruction_en TEXT NOT NULL DEFAULT '',
    recipients BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT NOT NULL
);
CREATE INDEX emergency_alerts_feed ON emergency_alerts(drill, sent_at);
CREATE INDEX emergency_alerts_incident ON emergency_alerts(incident_id, sent_at);

-- One check-in per vulnerable resident and incident; x, y are metres on the community's map
-- (where the household stands), for dispatch.
CREATE TABLE checkins (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    area_path {{path}} NOT NULL,
    grid_path {{path}} NOT NULL,
    x BIGINT NOT NULL,
    y BIGINT NOT NULL,
    skill TEXT NOT NULL,
    priority BIGINT NOT NULL,
    status TEXT NOT NULL,
    assignee_user_id BIGINT REFERENCES users(id),
    dispatched_at BIGINT,
    due_at BIGINT,
    result TEXT,
    note TEXT NOT NULL DEFAULT '',
    need_id BIGINT REFERENCES needs(id),
    recorded_by BIGINT REFERENCES users(id),
    recorded_at BIGINT,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (incident_id, person_id)
);
CREATE INDEX checkins_incident ON checkins(incident_id, status);
CREATE INDEX checkins_assignee ON checkins(assignee_user_id, status);

-- Every step of a check-in: dispatched to whom, declined, overdue, recorded, retried.
CREATE TABLE checkin_events (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    checkin_id BIGINT NOT NULL REFERENCES checkins(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    assignee_user_id BIGINT REFERENCES users(id),
    result TEXT
);
CREATE INDEX checkin_events_checkin ON checkin_events(checkin_id, at);
CREATE INDEX checkin_events_incident ON checkin_events(incident_id, kind, assignee_user_id);

-- E4: supplies issued from a stockpile of the resource database to a household (each issue
-- is also a stock move there, which cannot overdraw), and offers of help from organizations,
-- donors and companies, matched to a stockpile or a need.
CREATE TABLE supply_issues (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    household_id BIGINT NOT NULL REFERENCES areas(id),
    household_path {{path}} NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    user_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX supply_issues_incident ON supply_issues(incident_id, at);

CREATE TABLE supply_offers (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    organization_id BIGINT REFERENCES organizations(id),
    offered_by TEXT NOT NULL,
    what TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    resource_id BIGINT REFERENCES resources(id),
    need_id BIGINT REFERENCES needs(id),
    user_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL,
    matched_at BIGINT
);
CREATE INDEX supply_offers_incident ON supply_offers(incident_id, at);

-- E5: how well each key service works over time (0–100), situation reports, and the
-- after-action review whose lessons go to the community's archive.
CREATE TABLE functionality_readings (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    service TEXT NOT NULL,
    at BIGINT NOT NULL,
    percent DOUBLE PRECISION NOT NULL CHECK (percent >= 0 AND percent <= 100),
    note TEXT NOT NULL DEFAULT '',
    user_id BIGINT REFERENCES users(id)
);
CREATE INDEX functionality_readings_incident ON functionality_readings(incident_id, service, at);

CREATE TABLE situation_reports (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id)
);
CREATE INDEX situation_reports_incident ON situation_reports(incident_id, at);

CREATE TABLE incident_reviews (
    id {{pk}},
    community_id BIGINT NOT NULL REFERENCES areas(id),
    incident_id BIGINT NOT NULL UNIQUE REFERENCES incidents(id),
    went_well TEXT NOT NULL DEFAULT '',
    to_improve TEXT NOT NULL DEFAULT '',
    lessons TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);

-- A2 for everyone with a phone, account or not: one broadcast per source (an alert), one row per
-- phone number, so every number is sent the message once. Owned by notifications.
CREATE TABLE broadcasts (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE broadcast_outbox (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    broadcast_id BIGINT NOT NULL REFERENCES broadcasts(id),
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (broadcast_id, destination)
);
CREATE INDEX broadcast_outbox_due ON broadcast_outbox(status, next_attempt_at);
