-- Worktrace schema 4 in the PostgreSQL dialect: keep in step with ../sqlite/0004_websites.sql.
-- Browser tab URLs and editor activity on spans, time per domain, and the organization's
-- on-device redaction policy.

-- What a span was about beyond its window: the active tab's URL (already redacted) and its
-- domain, an editor's project and file. A private span (an excluded app or domain) keeps only
-- its time and idle flag: every text of it is ''.
ALTER TABLE activity_spans ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE activity_spans ADD COLUMN domain TEXT NOT NULL DEFAULT '';
ALTER TABLE activity_spans ADD COLUMN project TEXT NOT NULL DEFAULT '';
ALTER TABLE activity_spans ADD COLUMN file TEXT NOT NULL DEFAULT '';
ALTER TABLE activity_spans ADD COLUMN is_private BIGINT NOT NULL DEFAULT 0
  CHECK (is_private IN (0, 1));

-- Active (non-idle, non-private) time per person, 10-minute slot and domain.
CREATE TABLE rollup_domains (
  org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  slot_ms BIGINT NOT NULL,
  domain TEXT NOT NULL,
  active_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, slot_ms, domain)
);
CREATE INDEX rollup_domains_org ON rollup_domains (org_id, slot_ms);

-- The redaction policy (protocol::redaction_policy_json text); NULL: the default policy.
ALTER TABLE tracking_policies ADD COLUMN redaction TEXT;
