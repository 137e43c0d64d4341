-- Each community's working hours for service-level deadlines (N3): opening hours, working
-- weekdays ("1111100" = Monday to Friday), public holidays and make-up working days (调休).
CREATE TABLE work_calendars (
    community_id BIGINT PRIMARY KEY REFERENCES areas(id),
    start_hour BIGINT NOT NULL,
    end_hour BIGINT NOT NULL,
    workdays TEXT NOT NULL,
    holidays TEXT NOT NULL DEFAULT '',
    extra_workdays TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
