// What may be reported right now. Of an incognito (Chromium) or private (Firefox) window or tab
// (both set `incognito` on the tab and the window) only the fact that one has the focus is ever
// reported: never its URL, title or tabs, and its tabs are not counted.

/** True when `tab` in `window` may be reported: both known and neither incognito. */
export function isReportable(tab, window) {
  if (!tab || !window) return false;
  if (tab.incognito !== false || window.incognito !== false) return false;
  return tab.windowId === window.id;
}

/**
 * What to report given the browser's windows (tabs.Tab lists populated, as from
 * windows.getAll({populate: true})) and `focusedWindowId` (windows.WINDOW_ID_NONE or -1 when
 * no browser window has the focus). Returns one of:
 *   {kind: 'tab', tab, tabCount}  the focused normal window's active tab; tabCount counts the
 *                                 tabs of non-incognito windows only
 *   {kind: 'private'}             the focused window (or its active tab) is incognito/private
 *   null                          nothing: no focused browser window, no active tab, or an
 *                                 incognito state that is not known
 */
export function selectReport(windows, focusedWindowId) {
  if (!Array.isArray(windows) || focusedWindowId === undefined || focusedWindowId < 0) return null;
  const focused = windows.find((window) => window.id === focusedWindowId);
  if (!focused) return null;
  if (focused.incognito === true) return { kind: 'private' };
  if (focused.incognito !== false) return null;
  const tab = (focused.tabs ?? []).find((candidate) => candidate.active);
  if (tab?.incognito === true) return { kind: 'private' };
  if (!isReportable(tab, focused)) return null;
  let tabCount = 0;
  for (const window of windows) if (window.incognito === false) tabCount += (window.tabs ?? []).length;
  return { kind: 'tab', tab, tabCount };
}
