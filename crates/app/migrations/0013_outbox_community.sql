-- A2: a community's outbox, newest first, for its admins' outbox page.
CREATE INDEX outbox_community ON outbox(community_id, id);
