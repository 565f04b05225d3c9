-- Worktrace schema 5: the organization's screenshot settings. Screenshots themselves are never
-- stored: they pass through the server's memory only.

-- The screenshot policy (protocol::ScreenshotPolicy to_json text); NULL: the default policy.
ALTER TABLE tracking_policies ADD COLUMN screenshots TEXT;
