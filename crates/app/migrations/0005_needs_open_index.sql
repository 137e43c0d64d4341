-- Open-needs lists (a grid's open ledger, the situation map) read by status first, then by
-- place: a handful of index ranges instead of a scan of the whole subtree's history.
CREATE INDEX needs_status_path ON needs(status, area_path, created_at);
