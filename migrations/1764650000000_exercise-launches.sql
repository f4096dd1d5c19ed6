-- Up Migration
-- Exercise runs started from the trainer page (range/exercises/launch.ts): the web server spawns
-- `darkwatch exercise start ID` as a detached child and tracks it here. One row per launch; the
-- partial unique index is the guard that at most one launch of an exercise is running, however
-- many web servers or double clicks ask at once (the insert of a second one fails).
CREATE TABLE exercise_launches (
  id           bigserial PRIMARY KEY,
  exercise_id  bigint NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed')),
  requested_by bigint REFERENCES users (id) ON DELETE SET NULL,
  -- Where the child runs: a liveness check (pid) only means something on the same host.
  host         text NOT NULL,
  pid          integer,
  log_path     text NOT NULL,
  -- Where this launch's output starts in the (appended) log file.
  log_offset   bigint NOT NULL DEFAULT 0,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  -- Null when the server that spawned the child was gone when it exited (outcome from its log).
  exit_code    integer,
  signal       text,
  -- The `exercise start --json` summary: one entry per crawled (epoch, source).
  crawls       jsonb,
  -- Why it failed, and the last lines of its log.
  error        text,
  log_tail     text,
  CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX exercise_launches_one_running ON exercise_launches (exercise_id) WHERE status = 'running';
CREATE INDEX exercise_launches_exercise ON exercise_launches (exercise_id, id DESC);

-- Down Migration
DROP TABLE exercise_launches;
