-- Retention of ip_history (DeviceStore::PruneIpHistory, database.ip_history_retention_days):
-- closed address intervals are deleted oldest first, in bounded chunks, by last_seen.
--
-- Expand-only: a new index.
CREATE INDEX ip_history_last_seen ON ip_history (last_seen);
