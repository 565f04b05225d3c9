-- Worktrace schema 2: organization details and settings, departments, teams, people's
-- profiles and states, two-factor authentication, invitations, API tokens, the audit log.
-- Timestamps are integer milliseconds since the Unix epoch. Token hashes are SHA-256 (32 bytes).

ALTER TABLE organizations ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE organizations ADD COLUMN billing_email TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN plan TEXT NOT NULL DEFAULT 'trial'
  CHECK (plan IN ('trial', 'starter', 'business', 'enterprise'));
ALTER TABLE organizations ADD COLUMN billing_cycle TEXT NOT NULL DEFAULT 'monthly'
  CHECK (billing_cycle IN ('monthly', 'yearly'));
ALTER TABLE organizations ADD COLUMN seats INTEGER NOT NULL DEFAULT 10
  CHECK (seats BETWEEN 1 AND 100000);
ALTER TABLE organizations ADD COLUMN require_2fa INTEGER NOT NULL DEFAULT 0
  CHECK (require_2fa IN (0, 1));
ALTER TABLE organizations ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

-- Departments form a tree inside one organization; a parent cannot go while it has children.
CREATE TABLE departments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES departments (id) ON DELETE RESTRICT,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at INTEGER NOT NULL
);
CREATE INDEX departments_org_id ON departments (org_id, parent_id);
CREATE UNIQUE INDEX departments_sibling_name ON departments (org_id, coalesce(parent_id, 0), name);

-- Teams sit inside a department.
CREATE TABLE teams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE RESTRICT,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX teams_org_name ON teams (org_id, name);
CREATE INDEX teams_department_id ON teams (department_id);

-- People in teams; a manager manages the teams where is_manager = 1.
CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  is_manager INTEGER NOT NULL DEFAULT 0 CHECK (is_manager IN (0, 1)),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id ON team_members (user_id);

-- People: profile, department, and the states invited / active / suspended (was: disabled).
ALTER TABLE users ADD COLUMN login TEXT;
ALTER TABLE users ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department_id INTEGER REFERENCES departments (id) ON DELETE RESTRICT;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
  CHECK (state IN ('invited', 'active', 'suspended'));
UPDATE users SET state = CASE status WHEN 'active' THEN 'active' ELSE 'suspended' END;
ALTER TABLE users DROP COLUMN status;
ALTER TABLE users RENAME COLUMN state TO status;
CREATE UNIQUE INDEX users_org_login ON users (org_id, login) WHERE login IS NOT NULL;
CREATE INDEX users_department_id ON users (department_id);

-- TOTP (RFC 6238). The secret is sealed with the server's key (see auth/); last_step is the
-- newest time step accepted, so a code is never accepted twice.
CREATE TABLE user_totp (
  user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  sealed_secret BLOB NOT NULL,
  enabled_at INTEGER,
  last_step INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
  used_at INTEGER,
  UNIQUE (user_id, code_hash)
);

-- The second step of a sign-in with 2FA: a short-lived challenge after the password.
CREATE TABLE login_challenges (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX login_challenges_user_id ON login_challenges (user_id);

-- Sessions: a CSRF token per session, sent back in X-CSRF-Token on cookie-authenticated writes.
ALTER TABLE sessions ADD COLUMN csrf_token TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN mfa_at INTEGER;

-- Invitations: one-time links; the invited person is a users row with status 'invited'.
CREATE TABLE invitations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  accepted_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX invitations_org_id ON invitations (org_id, user_id);
CREATE INDEX invitations_user_id ON invitations (user_id);
CREATE INDEX invitations_created_by ON invitations (created_by);

-- API tokens for integrations: scoped, acting with their creator's rights at most.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  last_used_ip TEXT NOT NULL DEFAULT '',
  revoked_at INTEGER
);
CREATE INDEX api_tokens_org_id ON api_tokens (org_id, user_id);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

-- Enrollment tokens get a label and can be revoked before they run out.
ALTER TABLE enrollment_tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE enrollment_tokens ADD COLUMN uses_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrollment_tokens ADD COLUMN revoked_at INTEGER;
UPDATE enrollment_tokens SET uses_total = uses_left;

ALTER TABLE devices ADD COLUMN revoked_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX devices_revoked_by ON devices (revoked_by);

-- The audit log: one hash chain per organization. hash = SHA-256 over prev_hash and the
-- entry's canonical encoding (audit/). Rows are never updated or deleted.
CREATE TABLE audit_log (
  org_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor_user_id INTEGER,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL DEFAULT '',
  target_id TEXT NOT NULL DEFAULT '',
  subject_user_id INTEGER,
  remote_ip TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL DEFAULT '{}',
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_log_org_at ON audit_log (org_id, at);
CREATE INDEX audit_log_org_action ON audit_log (org_id, action, seq);
CREATE INDEX audit_log_org_subject ON audit_log (org_id, subject_user_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
