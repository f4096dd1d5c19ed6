-- Up Migration
-- Measured with bench/web.ts --full (1,000,000 alerts, 5,000,000 listings): see docs/web.md.

-- Triage sorted by severity: walk the queue in (severity rank, last seen, id) order instead of
-- sorting every open alert. The expression must stay identical to SEVERITY_RANK in store/alerts.ts.
CREATE INDEX alerts_severity_time ON alerts
  (workspace_id, array_position(ARRAY['low', 'medium', 'high', 'critical']::text[], severity) DESC, last_seen_at DESC, id DESC);

-- Triage filtered by vendor: the vendor's listings are found by name (linked vendor, or the
-- listing's own vendor name when it has no vendor row), then their alerts through alerts_subject.
-- The listing side is answered from the index alone (vendor → workspace check → listing id), so
-- the thousand listings of a busy vendor cost no heap reads; it supersedes listings_vendor.
CREATE INDEX vendors_name_lower ON vendors (workspace_id, lower(name));
CREATE INDEX listings_vendor_name_unlinked ON listings (workspace_id, lower(vendor_name)) WHERE vendor_id IS NULL;
CREATE INDEX listings_vendor_ws ON listings (vendor_id, workspace_id, id);
DROP INDEX IF EXISTS listings_vendor;

-- Entity pivot: the mentions of one entity, newest first, with what they point at, from the
-- index alone; supersedes entity_mentions_entity (same leading key).
CREATE INDEX entity_mentions_pivot ON entity_mentions (entity_id, seen_at DESC)
  INCLUDE (source_id, listing_id, post_id, vendor_id);
DROP INDEX IF EXISTS entity_mentions_entity;

-- Down Migration
CREATE INDEX IF NOT EXISTS entity_mentions_entity ON entity_mentions (entity_id, seen_at DESC);
DROP INDEX IF EXISTS entity_mentions_pivot;
CREATE INDEX IF NOT EXISTS listings_vendor ON listings (vendor_id);
DROP INDEX IF EXISTS listings_vendor_ws;
DROP INDEX IF EXISTS listings_vendor_name_unlinked;
DROP INDEX IF EXISTS vendors_name_lower;
DROP INDEX IF EXISTS alerts_severity_time;
