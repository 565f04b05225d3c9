-- Worktrace schema 5 in the PostgreSQL dialect: keep in step with ../sqlite/0005_screenshots.sql.
-- The organization's screenshot settings. Screenshots themselves are never stored: they pass
-- through the server's memory only.

-- The screenshot policy (protocol::ScreenshotPolicy to_json text); NULL: the default policy.
ALTER TABLE tracking_policies ADD COLUMN screenshots TEXT;
