-- Up Migration
-- Triage sorted by severity: walk the queue in (severity rank, last seen, id) order instead of
-- sorting every open alert. The expression must stay identical to SEVERITY_RANK in store/alerts.ts.
CREATE INDEX alerts_severity_time ON alerts
  (workspace_id, array_position(ARRAY['low', 'medium', 'high', 'critical']::text[], severity) DESC, last_seen_at DESC, id DESC);
-- Triage filtered by vendor: the vendor's listings are found by name (linked vendor, or the
-- listing's own vendor name when it has no vendor row), then their alerts through alerts_subject.
CREATE INDEX vendors_name_lower ON vendors (workspace_id, lower(name));
CREATE INDEX listings_vendor_name_unlinked ON listings (workspace_id, lower(vendor_name)) WHERE vendor_id IS NULL;

-- Down Migration
DROP INDEX IF EXISTS listings_vendor_name_unlinked;
DROP INDEX IF EXISTS vendors_name_lower;
DROP INDEX IF EXISTS alerts_severity_time;
