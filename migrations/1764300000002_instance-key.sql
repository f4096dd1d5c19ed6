-- Up Migration
-- A random key per database. Redis keys (queues, frontiers) are namespaced by it, so a database that
-- is dropped and created again never meets the jobs and run state of its predecessor in Redis.
CREATE TABLE instance (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  key        text NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 12)
);
INSERT INTO instance DEFAULT VALUES;

-- Down Migration
DROP TABLE instance;
