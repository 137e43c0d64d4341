-- Every submission updates each index of `needs`, and at volume the write-ahead log's size is
-- what limits intake (docs/benchmarks.md). Three indexes served no query: subtree reads name
-- their statuses and use `needs_status_path`; nothing reads needs by community id alone.
DROP INDEX needs_area_path;
DROP INDEX needs_community_created;
DROP INDEX needs_community_status;
