-- Up Migration
-- The document that extraction reads: the decoded body (http mode) or the rendered DOM after
-- JavaScript (browser mode). The wire bytes stay in content_sha256 as the evidence; this is a
-- second, derived blob, also content-addressed and immutable.
ALTER TABLE snapshots ADD COLUMN document_sha256 text REFERENCES blobs (sha256);

-- Down Migration
ALTER TABLE snapshots DROP COLUMN document_sha256;
