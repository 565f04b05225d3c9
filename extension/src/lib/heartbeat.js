// What the extension reports, in ActivityWatch's aw-watcher-web format: one bucket per browser
// of type "web.tab.current", and heartbeats whose data is the active tab's
// {url, title, audible, incognito, tabCount}, or, while an incognito/private window has the
// focus, the private marker (empty texts, incognito: true). Pure functions; the reporter sends
// them.

export const kPulsetimeSeconds = 65;
export const kBucketType = 'web.tab.current';
export const kClientName = 'worktrace-extension';
// Limits that keep a report within what the agent accepts (it refuses data over 64 KiB).
export const kMaxUrlLength = 2048;
export const kMaxTitleLength = 2048;

/** "aw-watcher-web-chrome", "aw-watcher-web-firefox": the bucket a browser reports to. */
export function bucketId(browserName) {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(browserName)) throw new Error(`bad browser name: ${browserName}`);
  return `aw-watcher-web-${browserName}`;
}

/** The body of POST /api/0/buckets/<id>. */
export function bucketBody(hostname) {
  return { client: kClientName, type: kBucketType, hostname: String(hostname ?? 'unknown') };
}

/** Only http(s) pages are reported: never file:, data:, about:, chrome:, extension pages. */
export function isReportableUrl(url) {
  if (typeof url !== 'string' || url.length === 0 || url.length > kMaxUrlLength) return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

/** `title` cut to kMaxTitleLength UTF-16 units without splitting a surrogate pair. */
function clipTitle(title) {
  const text = typeof title === 'string' ? title : '';
  if (text.length <= kMaxTitleLength) return text;
  let end = kMaxTitleLength;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/**
 * The heartbeat body for `tab` (a tabs.Tab) at `now` (a Date), or null when nothing may be
 * sent: an incognito tab. A page that is not http(s) (a new tab, settings, a local file) is
 * reported with an empty URL and its title only: the agent then knows which window the report
 * describes (it keeps the title of a browser window no report names private). `tabCount` is
 * the number of tabs in the browser's non-incognito windows.
 */
export function heartbeatBody(tab, tabCount, now) {
  if (!tab || tab.incognito !== false) return null;
  return {
    timestamp: now.toISOString(),
    duration: 0,
    data: {
      url: isReportableUrl(tab.url) ? tab.url : '',
      title: clipTitle(tab.title),
      audible: tab.audible === true,
      incognito: false,
      tabCount: Number.isInteger(tabCount) && tabCount > 0 ? tabCount : 1,
    },
  };
}

/**
 * The heartbeat body saying only that an incognito/private browser window has the focus (the
 * agent records that time as private): no URL, title, sound or tab count of any tab.
 */
export function privateHeartbeatBody(now) {
  return {
    timestamp: now.toISOString(),
    duration: 0,
    data: { url: '', title: '', audible: false, incognito: true, tabCount: 0 },
  };
}

/** The path and query of a heartbeat to `bucket`. */
export function heartbeatPath(bucket) {
  return `/api/0/buckets/${encodeURIComponent(bucket)}/heartbeat?pulsetime=${kPulsetimeSeconds}`;
}
