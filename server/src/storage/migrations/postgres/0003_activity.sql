-- Worktrace schema 3 in the PostgreSQL dialect: keep in step with ../sqlite/0003_activity.sql.
-- Activity. Spans of focused windows and idle time, input counts per
-- minute, the ingest cursor per device, rollups per person and 10-minute slot, the
-- organization's tracking policy, and the per-person pause (restriction of processing).
-- Timestamps are integer milliseconds since the Unix epoch (UTC).

-- One span of the same window and idle state on one device. Adjacent spans that agree are
-- merged at ingest, so a long stretch in one window is one row.
CREATE TABLE activity_spans (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  device_id BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL CHECK (end_ms >= start_ms),
  app TEXT NOT NULL,
  exe TEXT NOT NULL,
  title TEXT NOT NULL,
  idle BIGINT NOT NULL CHECK (idle IN (0, 1))
);
CREATE INDEX activity_spans_user ON activity_spans (user_id, start_ms);
CREATE INDEX activity_spans_org ON activity_spans (org_id, start_ms);
CREATE INDEX activity_spans_device ON activity_spans (device_id, end_ms);

-- Input counts of one device and minute (counts only: never which keys).
CREATE TABLE input_minutes (
  org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  device_id BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  minute_ms BIGINT NOT NULL,
  keys BIGINT NOT NULL DEFAULT 0,
  clicks BIGINT NOT NULL DEFAULT 0,
  scrolls BIGINT NOT NULL DEFAULT 0,
  distance_px BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (device_id, minute_ms)
);
CREATE INDEX input_minutes_user ON input_minutes (user_id, minute_ms);

-- The highest record sequence number stored for each device, and how many records the
-- device's outbox reports it had to drop.
CREATE TABLE ingest_cursors (
  device_id BIGINT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  last_seq BIGINT NOT NULL DEFAULT 0,
  dropped_total BIGINT NOT NULL DEFAULT 0,
  updated_ms BIGINT NOT NULL
);

-- Per person and 10-minute slot (slot_ms: the slot's start): what reports read.
CREATE TABLE rollup_slots (
  org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  slot_ms BIGINT NOT NULL,
  active_ms BIGINT NOT NULL DEFAULT 0,
  idle_ms BIGINT NOT NULL DEFAULT 0,
  keys BIGINT NOT NULL DEFAULT 0,
  clicks BIGINT NOT NULL DEFAULT 0,
  scrolls BIGINT NOT NULL DEFAULT 0,
  distance_px BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, slot_ms)
);
CREATE INDEX rollup_slots_org ON rollup_slots (org_id, slot_ms);

CREATE TABLE rollup_apps (
  org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  slot_ms BIGINT NOT NULL,
  app TEXT NOT NULL,
  active_ms BIGINT NOT NULL DEFAULT 0,
  idle_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, slot_ms, app)
);
CREATE INDEX rollup_apps_org ON rollup_apps (org_id, slot_ms);

-- What the organization's agents track: the idle threshold, the work-hours schedule (JSON,
-- NULL: always), and whether the agent tells the employee when tracking starts.
CREATE TABLE tracking_policies (
  org_id BIGINT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  idle_threshold_s BIGINT NOT NULL DEFAULT 180 CHECK (idle_threshold_s BETWEEN 60 AND 3600),
  notify_on_start BIGINT NOT NULL DEFAULT 1 CHECK (notify_on_start IN (0, 1)),
  schedule TEXT,
  updated_ms BIGINT NOT NULL DEFAULT 0
);

-- Restriction of processing: while set, this person's agents record nothing.
ALTER TABLE users ADD COLUMN tracking_paused BIGINT NOT NULL DEFAULT 0
  CHECK (tracking_paused IN (0, 1));

-- The device's monitors as the agent reports them (protocol::Screen as a JSON array).
ALTER TABLE devices ADD COLUMN screens TEXT NOT NULL DEFAULT '[]';

-- When the device was last taken from a person: activity recorded before it belongs to nobody
-- (never to the next owner).
ALTER TABLE devices ADD COLUMN assigned_at BIGINT NOT NULL DEFAULT 0;
