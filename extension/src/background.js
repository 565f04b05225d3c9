// The extension's background (Chromium: MV3 service worker; Firefox: background script).
// Listeners are registered synchronously at the top level so that a restarted service worker
// receives the event that woke it.

import { effectiveAgentAddress } from './lib/address.js';
import { browserApi as api, kAddressKey } from './lib/browser_api.js';
import { kBrowserName } from './lib/build_config.js';
import { Reporter, kAlarmName, kAlarmPeriodMinutes } from './lib/reporter.js';

const reporter = new Reporter({
  browserApi: api,
  browserName: kBrowserName,
  fetchImpl: (...args) => fetch(...args),
  loadAddress: async () => effectiveAgentAddress((await api.storage.local.get(kAddressKey))[kAddressKey]),
});
// For debugging from the service worker console (and the end-to-end test).
globalThis.worktraceReporter = reporter;

async function ensureAlarm() {
  // Re-creating an alarm restarts its period: only create it when it is missing.
  if (!(await api.alarms.get(kAlarmName))) {
    await api.alarms.create(kAlarmName, { periodInMinutes: kAlarmPeriodMinutes });
  }
}

api.tabs.onActivated.addListener(() => reporter.trigger('tab activated'));
api.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (!tab?.active) return;
  if ('url' in change || 'title' in change || 'audible' in change) reporter.trigger('tab updated');
});
api.windows.onFocusChanged.addListener(() => reporter.trigger('focus changed'));
api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === kAlarmName) reporter.trigger('alarm');
});
api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && kAddressKey in changes) {
    reporter.reset();
    reporter.trigger('address changed');
  }
});
api.runtime.onInstalled.addListener(() => ensureAlarm());
api.runtime.onStartup.addListener(() => ensureAlarm());

ensureAlarm().catch(() => undefined);
reporter.trigger('started');
