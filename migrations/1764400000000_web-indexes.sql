-- Up Migration
-- Triage filtered by site: newest alerts of one source without scanning the whole queue.
CREATE INDEX alerts_source_time ON alerts (workspace_id, source_id, last_seen_at DESC, id DESC);
-- Triage filtered by rule (and the rule's alerts in the rule editor).
CREATE INDEX alerts_rule_time ON alerts (rule_id, last_seen_at DESC, id DESC);

-- Down Migration
DROP INDEX IF EXISTS alerts_rule_time;
DROP INDEX IF EXISTS alerts_source_time;
