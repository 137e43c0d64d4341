-- A2 notifications: an in-app inbox per user and a durable outbox per outbound channel.
-- One outbox row per (notification, channel): a recipient is never sent the same message twice.

ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE notifications (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    need_id BIGINT REFERENCES needs(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

CREATE TABLE outbox (
    id {{pk}},
    community_id BIGINT REFERENCES areas(id),
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (notification_id, channel)
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
