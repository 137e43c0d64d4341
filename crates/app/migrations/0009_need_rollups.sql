-- N5 metrics roll-ups, kept in the transaction of every write to `needs` (see
-- `needs_metrics`). Counts: one row per month of filing (yyyymm, China Standard Time),
-- division (the community and its first level below), category and assignee.
CREATE TABLE need_rollups (
    month BIGINT NOT NULL,
    division_path TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    assignee TEXT NOT NULL,
    community_id BIGINT NOT NULL,
    needs BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    responded_on_time BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    PRIMARY KEY (month, division_path, category_id, assignee)
);
-- Duration histograms (time to respond, time to resolve) by one dimension at a time:
-- `division` rows are scoped to the division's path, `category` and `assignee` rows to the
-- community's path; `n` durations fell in `bucket`, summing `total_ms`.
CREATE TABLE need_rollup_times (
    month BIGINT NOT NULL,
    scope_path TEXT NOT NULL,
    dim TEXT NOT NULL,
    dim_value TEXT NOT NULL,
    kind TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    total_ms BIGINT NOT NULL,
    PRIMARY KEY (dim, month, scope_path, dim_value, kind, bucket)
);
