-- Up Migration
-- The whole data model of the spec (SPEC §1–6), so later work adds columns rather than redesigns.
-- Every row that belongs to an investigation carries workspace_id: the operational workspace and
-- each training exercise are separate, and queries always filter by it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Accounts, workspaces ---------------------------------------------------------------------------

CREATE TABLE workspaces (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL CHECK (kind IN ('operational', 'training')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO workspaces (name, kind) VALUES ('operational', 'operational');

CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  username       text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  display_name   text NOT NULL DEFAULT '',
  password_hash  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'analyst', 'trainer', 'trainee')),
  -- A trainee is confined to one training workspace; other roles may switch.
  workspace_id   bigint REFERENCES workspaces (id) ON DELETE CASCADE,
  disabled       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz,
  CHECK (role <> 'trainee' OR workspace_id IS NOT NULL)
);

CREATE TABLE user_sessions (
  id_hash     text PRIMARY KEY,            -- sha256 of the session token; the token itself is never stored
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  ip          text,
  user_agent  text
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

CREATE TABLE api_tokens (
  id            bigserial PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL,
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

CREATE TABLE login_attempts (
  username    text NOT NULL,
  ip          text,
  succeeded   boolean NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_recent ON login_attempts (username, at DESC);

-- Sources and crawling ---------------------------------------------------------------------------

CREATE TABLE sources (
  id                 bigserial PRIMARY KEY,
  workspace_id       bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name               text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
  kind               text NOT NULL CHECK (kind IN ('market', 'forum', 'shop', 'paste', 'clearnet')),
  fetch_mode         text NOT NULL DEFAULT 'http' CHECK (fetch_mode IN ('http', 'browser', 'auto')),
  policy             jsonb NOT NULL DEFAULT '{}'::jsonb,
  session            jsonb,
  extractor_profile  text,
  language_hints     text[] NOT NULL DEFAULT '{}',
  pgp_key            text,                 -- pinned key that signs the site's mirror list
  enabled            boolean NOT NULL DEFAULT true,
  -- Set when a login wall / CAPTCHA / queue blocks the crawler until a person supplies a session.
  needs_human        text,
  needs_human_since  timestamptz,
  last_success_at    timestamptz,
  last_error_at      timestamptz,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

CREATE TABLE source_mirrors (
  id           bigserial PRIMARY KEY,
  source_id    bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  url          text NOT NULL,
  origin       text NOT NULL DEFAULT 'configured' CHECK (origin IN ('configured', 'signed_list')),
  is_primary   boolean NOT NULL DEFAULT false,
  status       text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'up', 'down', 'phishing')),
  verified_at  timestamptz,
  last_ok_at   timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_id, url)
);

CREATE TABLE crawl_runs (
  id             bigserial PRIMARY KEY,
  workspace_id   bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  source_id      bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  status         text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'blocked')),
  trigger        text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'scheduled', 'demo', 'exercise')),
  pages_fetched  integer NOT NULL DEFAULT 0,
  pages_failed   integer NOT NULL DEFAULT 0,
  pages_queued   integer NOT NULL DEFAULT 0,
  bytes_fetched  bigint NOT NULL DEFAULT 0,
  error          text,
  stats          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz
);
CREATE INDEX crawl_runs_source ON crawl_runs (source_id, created_at DESC);

-- The frontier of one run: a URL is fetched at most once per run (idempotent jobs), and pages
-- that kept failing stay here as the dead-letter view.
CREATE TABLE crawl_urls (
  run_id       bigint NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
  url          text NOT NULL,
  depth        integer NOT NULL CHECK (depth >= 0),
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'fetching', 'fetched', 'failed', 'skipped', 'blocked')),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  snapshot_id  bigint,
  discovered_from text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, url)
);
CREATE INDEX crawl_urls_failed ON crawl_urls (run_id) WHERE status = 'failed';

-- Evidence ---------------------------------------------------------------------------------------

-- Content-addressed store of captured bytes. The database itself checks that the key is the
-- sha256 of the bytes, and nothing may change or delete a blob (see triggers below).
CREATE TABLE blobs (
  sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size        bigint NOT NULL CHECK (size >= 0),
  content     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (sha256 = encode(sha256(content), 'hex')),
  CHECK (size = octet_length(content))
);

CREATE TABLE snapshots (
  id                 bigserial PRIMARY KEY,
  workspace_id       bigint NOT NULL REFERENCES workspaces (id),
  source_id          bigint NOT NULL REFERENCES sources (id),
  crawl_run_id       bigint REFERENCES crawl_runs (id),
  url                text NOT NULL,
  final_url          text NOT NULL,
  method             text NOT NULL DEFAULT 'GET',
  status_code        integer NOT NULL,
  request_headers    jsonb NOT NULL DEFAULT '{}'::jsonb,
  response_headers   jsonb NOT NULL DEFAULT '{}'::jsonb,
  content_sha256     text NOT NULL REFERENCES blobs (sha256),
  content_type       text,
  content_length     bigint NOT NULL,
  screenshot_sha256  text REFERENCES blobs (sha256),
  fetch_mode         text NOT NULL CHECK (fetch_mode IN ('http', 'browser')),
  proxy_identity     text,
  captured_at        timestamptz NOT NULL DEFAULT now(),
  timings            jsonb NOT NULL DEFAULT '{}'::jsonb,
  tsa_token          bytea,                -- RFC 3161 timestamp token over content_sha256
  UNIQUE (crawl_run_id, url)
);
CREATE INDEX snapshots_source_time ON snapshots (source_id, captured_at DESC);
CREATE INDEX snapshots_sha ON snapshots (content_sha256);

-- Extraction results per snapshot and extractor version (re-running an improved extractor adds a
-- row; evidence stays untouched).
CREATE TABLE extractions (
  snapshot_id        bigint NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  extractor_version  text NOT NULL,
  page_type          text NOT NULL CHECK (page_type IN ('listing', 'listing_index', 'forum_thread', 'vendor_profile', 'other')),
  language           text,
  result             jsonb NOT NULL,
  extracted_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (snapshot_id, extractor_version)
);

-- Extracted records --------------------------------------------------------------------------------

CREATE TABLE vendors (
  id               bigserial PRIMARY KEY,
  workspace_id     bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  source_id        bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  name             text NOT NULL,
  name_norm        text NOT NULL,
  profile_url      text,
  pgp_fingerprint  text,
  first_seen       timestamptz NOT NULL DEFAULT now(),
  last_seen        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, source_id, name_norm)
);
CREATE INDEX vendors_name ON vendors (workspace_id, name_norm);
CREATE INDEX vendors_pgp ON vendors (workspace_id, pgp_fingerprint) WHERE pgp_fingerprint IS NOT NULL;

CREATE TABLE listings (
  id                         bigserial PRIMARY KEY,
  workspace_id               bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  source_id                  bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  url                        text NOT NULL,     -- canonical URL (mirrors folded to the primary)
  title                      text NOT NULL,
  description                text,
  price_amount               numeric,
  price_currency             text,
  price_eur                  numeric,
  rate_date                  date,
  vendor_id                  bigint REFERENCES vendors (id) ON DELETE SET NULL,
  vendor_name                text,
  category_path              text,
  category                   text CHECK (category IN ('firearms', 'drugs', 'documents', 'other')),
  category_confidence        real CHECK (category_confidence BETWEEN 0 AND 1),
  ships_from                 text,
  ships_to                   text[],
  language                   text,
  first_seen                 timestamptz NOT NULL DEFAULT now(),
  last_seen                  timestamptz NOT NULL DEFAULT now(),
  removed_at                 timestamptz,
  current_version            integer NOT NULL DEFAULT 1,
  last_snapshot_id           bigint REFERENCES snapshots (id),
  search                     tsvector GENERATED ALWAYS AS (
                               to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))
                             ) STORED,
  UNIQUE (workspace_id, source_id, url)
);
CREATE INDEX listings_search ON listings USING gin (search);
CREATE INDEX listings_title_trgm ON listings USING gin (title gin_trgm_ops);
CREATE INDEX listings_vendor ON listings (vendor_id);
CREATE INDEX listings_category ON listings (workspace_id, category, last_seen DESC);

CREATE TABLE listing_versions (
  id              bigserial PRIMARY KEY,
  listing_id      bigint NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  version         integer NOT NULL CHECK (version >= 1),
  title           text NOT NULL,
  description     text,
  price_amount    numeric,
  price_currency  text,
  price_eur       numeric,
  available       boolean NOT NULL DEFAULT true,
  snapshot_id     bigint REFERENCES snapshots (id),
  observed_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (listing_id, version)
);

CREATE TABLE posts (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  source_id     bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  thread_url    text NOT NULL,
  thread_title  text,
  author        text,
  posted_at     timestamptz,
  body          text NOT NULL,
  position      integer NOT NULL DEFAULT 0,
  snapshot_id   bigint REFERENCES snapshots (id),
  first_seen    timestamptz NOT NULL DEFAULT now(),
  last_seen     timestamptz NOT NULL DEFAULT now(),
  search        tsvector GENERATED ALWAYS AS (
                  to_tsvector('simple', coalesce(thread_title, '') || ' ' || coalesce(body, ''))
                ) STORED,
  UNIQUE (workspace_id, source_id, thread_url, position)
);
CREATE INDEX posts_search ON posts USING gin (search);

CREATE TABLE entities (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  type          text NOT NULL CHECK (type IN ('btc', 'xmr', 'eth', 'pgp', 'email', 'onion', 'telegram', 'session', 'wickr', 'jabber', 'phone')),
  value         text NOT NULL CHECK (length(value) BETWEEN 1 AND 10000),
  first_seen    timestamptz NOT NULL DEFAULT now(),
  last_seen     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, type, value)
);

-- One row per (entity, thing that mentions it): the pivot "everything that mentions this key".
CREATE TABLE entity_mentions (
  id           bigserial PRIMARY KEY,
  entity_id    bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
  source_id    bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  snapshot_id  bigint REFERENCES snapshots (id),
  listing_id   bigint REFERENCES listings (id) ON DELETE CASCADE,
  post_id      bigint REFERENCES posts (id) ON DELETE CASCADE,
  vendor_id    bigint REFERENCES vendors (id) ON DELETE CASCADE,
  seen_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(listing_id, post_id, vendor_id) = 1)
);
CREATE UNIQUE INDEX entity_mentions_once ON entity_mentions
  (entity_id, coalesce(listing_id, 0), coalesce(post_id, 0), coalesce(vendor_id, 0));
CREATE INDEX entity_mentions_entity ON entity_mentions (entity_id, seen_at DESC);
CREATE INDEX entity_mentions_listing ON entity_mentions (listing_id) WHERE listing_id IS NOT NULL;

-- Rules and alerts -----------------------------------------------------------------------------------

CREATE TABLE rules (
  id               bigserial PRIMARY KEY,
  workspace_id     bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  owner_id         bigint REFERENCES users (id) ON DELETE SET NULL,
  enabled          boolean NOT NULL DEFAULT true,
  current_version  integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

CREATE TABLE rule_versions (
  id           bigserial PRIMARY KEY,
  rule_id      bigint NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
  version      integer NOT NULL CHECK (version >= 1),
  severity     text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  description  text,
  definition   jsonb NOT NULL,            -- the validated rule as data
  source_text  text NOT NULL,             -- the YAML as the analyst wrote it
  created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (rule_id, version)
);

CREATE TABLE watchlists (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

CREATE TABLE watchlist_items (
  watchlist_id  bigint NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('btc', 'xmr', 'eth', 'pgp', 'email', 'onion', 'telegram', 'session', 'wickr', 'jabber', 'phone', 'vendor')),
  value         text NOT NULL,
  note          text,
  PRIMARY KEY (watchlist_id, kind, value)
);

CREATE TABLE cases (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  description   text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  tlp           text NOT NULL DEFAULT 'amber' CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  owner_id      bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alerts (
  id               bigserial PRIMARY KEY,
  workspace_id     bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  rule_id          bigint NOT NULL REFERENCES rules (id),
  rule_version_id  bigint NOT NULL REFERENCES rule_versions (id),
  subject_type     text NOT NULL CHECK (subject_type IN ('listing', 'post', 'vendor', 'entity')),
  subject_id       bigint NOT NULL,
  severity         text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  status           text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_review', 'escalated', 'dismissed', 'closed')),
  dismiss_reason   text CHECK (dismiss_reason IN ('false_positive', 'duplicate', 'not_relevant')),
  assignee_id      bigint REFERENCES users (id) ON DELETE SET NULL,
  case_id          bigint REFERENCES cases (id) ON DELETE SET NULL,
  title            text NOT NULL,
  matched_terms    jsonb NOT NULL DEFAULT '[]'::jsonb,   -- [{term, field, start, end}] for highlighting
  snapshot_id      bigint REFERENCES snapshots (id),
  source_id        bigint REFERENCES sources (id) ON DELETE SET NULL,
  category         text,
  sightings        integer NOT NULL DEFAULT 1 CHECK (sightings >= 1),
  first_seen_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at     timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (rule_id, subject_type, subject_id),           -- one alert per (rule, subject): no storms
  CHECK (status <> 'dismissed' OR dismiss_reason IS NOT NULL)
);
CREATE INDEX alerts_queue ON alerts (workspace_id, status, severity, last_seen_at DESC);
CREATE INDEX alerts_queue_time ON alerts (workspace_id, last_seen_at DESC);
CREATE INDEX alerts_assignee ON alerts (assignee_id, status) WHERE assignee_id IS NOT NULL;
CREATE INDEX alerts_case ON alerts (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX alerts_subject ON alerts (subject_type, subject_id);

CREATE TABLE alert_events (
  id          bigserial PRIMARY KEY,
  alert_id    bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('created', 'sighting', 'status', 'assigned', 'note', 'escalated', 'change')),
  actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  snapshot_id bigint REFERENCES snapshots (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, created_at);

CREATE TABLE suppressions (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  rule_id       bigint NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
  subject_type  text NOT NULL CHECK (subject_type IN ('listing', 'post', 'vendor', 'entity')),
  subject_key   text NOT NULL,
  reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  owner_id      bigint REFERENCES users (id) ON DELETE SET NULL,
  expires_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suppressions_lookup ON suppressions (rule_id, subject_type, subject_key);

CREATE TABLE case_notes (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_notes (
  id          bigserial PRIMARY KEY,
  alert_id    bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhooks (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  url           text NOT NULL,
  secret        text NOT NULL,
  min_severity  text NOT NULL DEFAULT 'low' CHECK (min_severity IN ('low', 'medium', 'high', 'critical')),
  enabled       boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id            bigserial PRIMARY KEY,
  webhook_id    bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  alert_id      bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  event         text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  delivered_at  timestamptz
);

-- Training -----------------------------------------------------------------------------------------

CREATE TABLE exercises (
  id            bigserial PRIMARY KEY,
  workspace_id  bigint NOT NULL UNIQUE REFERENCES workspaces (id) ON DELETE CASCADE,
  scenario      text NOT NULL,
  seed          bigint NOT NULL,
  config        jsonb NOT NULL DEFAULT '{}'::jsonb,
  status        text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'running', 'finished')),
  created_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  ends_at       timestamptz
);

CREATE TABLE exercise_targets (
  id           bigserial PRIMARY KEY,
  exercise_id  bigint NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
  target_key   text NOT NULL,
  kind         text NOT NULL,
  category     text,
  data         jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (exercise_id, target_key)
);

-- Audit log: append-only and hash-chained ---------------------------------------------------------

CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_id      bigint,
  actor_name    text NOT NULL,
  workspace_id  bigint,
  action        text NOT NULL,
  entity_type   text NOT NULL,
  entity_id     text,
  before        jsonb,
  after         jsonb,
  prev_hash     text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash          text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

-- Immutability -------------------------------------------------------------------------------------

-- Evidence and the audit log never change. The one exception is purging a training workspace
-- (exercise reset), which sets darkwatch.purge_training = 'on' for its own transaction.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('darkwatch.purge_training', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is immutable: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER blobs_immutable BEFORE UPDATE OR DELETE ON blobs
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER snapshots_immutable BEFORE UPDATE OR DELETE ON snapshots
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER snapshots_no_truncate BEFORE TRUNCATE ON snapshots
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER blobs_no_truncate BEFORE TRUNCATE ON blobs
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- Down Migration
DROP TABLE IF EXISTS audit_log, exercise_targets, exercises, webhook_deliveries, webhooks, alert_notes, case_notes,
  suppressions, alert_events, alerts, cases, watchlist_items, watchlists, rule_versions, rules, entity_mentions,
  entities, posts, listing_versions, listings, vendors, extractions, snapshots, blobs, crawl_urls, crawl_runs,
  source_mirrors, sources, login_attempts, api_tokens, user_sessions, users, workspaces CASCADE;
DROP FUNCTION IF EXISTS forbid_change();
