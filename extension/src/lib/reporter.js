// The extension's reporting loop, independent of the browser's global objects so that it can
// be tested with fakes: on every trigger (tab activated, URL or title changed, focus changed,
// the 30 s alarm) it finds the active tab of the focused normal window and sends one heartbeat
// for it. While an incognito/private window has the focus it sends the private marker instead
// (only that fact: no URL, title or tab count). It sends nothing when no browser window has the
// focus or when the page is not http(s). When the agent is down it records the
// failure and tries again at the next trigger (no retry storm, no error surfaced).

import { AgentClient } from './agent_client.js';
import { selectReport } from './filter.js';
import { bucketId, heartbeatBody, privateHeartbeatBody } from './heartbeat.js';

export const kAlarmName = 'worktrace-heartbeat';
export const kAlarmPeriodMinutes = 0.5; // 30 s: with pulsetime 65 a missed beat still merges

export class Reporter {
  /**
   * `browserApi`: {windows: {getLastFocused, getAll, WINDOW_ID_NONE}}; `loadAddress`: async ()
   * => the agent origin; `fetchImpl`, `now` (() => Date): seams for tests.
   */
  constructor({ browserApi, loadAddress, browserName, fetchImpl, now = () => new Date() }) {
    this.api = browserApi;
    this.loadAddress = loadAddress;
    this.bucket = bucketId(browserName);
    this.fetchImpl = fetchImpl;
    this.now = now;
    this.client = null;
    this.bucketReady = false;
    this.queue = Promise.resolve();
    // What happened last, for tests and debugging: {outcome, reason, at}.
    this.last = null;
  }

  /** Forgets the bucket state (e.g. the address changed); the next report starts over. */
  reset() {
    this.client = null;
    this.bucketReady = false;
  }

  /** Queues one report; reports run one at a time in trigger order. Resolves to its outcome. */
  trigger(reason) {
    const run = this.queue.then(() => this.reportNow(reason));
    this.queue = run.catch(() => undefined);
    return run.catch((error) => this.record(`failed: ${error?.message ?? error}`, reason));
  }

  record(outcome, reason) {
    this.last = { outcome, reason, at: this.now().toISOString() };
    return outcome;
  }

  async focusedWindowId() {
    const none = this.api.windows.WINDOW_ID_NONE ?? -1;
    try {
      const window = await this.api.windows.getLastFocused({ populate: false });
      return window && window.focused ? window.id : none;
    } catch {
      return none; // no window at all
    }
  }

  async reportNow(reason) {
    const focusedId = await this.focusedWindowId();
    const windows = await this.api.windows.getAll({ populate: true, windowTypes: ['normal'] });
    const pick = selectReport(windows, focusedId);
    if (!pick) return this.record('nothing to report', reason);
    const body = pick.kind === 'private' ? privateHeartbeatBody(this.now()) : heartbeatBody(pick.tab, pick.tabCount, this.now());
    if (!body) return this.record('nothing to report', reason);

    const address = await this.loadAddress();
    if (!this.client || this.client.address !== address) {
      this.client = new AgentClient(address, { fetchImpl: this.fetchImpl });
      this.bucketReady = false;
    }
    if (!this.bucketReady) {
      const info = await this.client.info();
      if (info.network) return this.record('agent not running', reason);
      if (info.status !== 200) return this.record(`info: HTTP ${info.status}`, reason);
      const created = await this.client.ensureBucket(this.bucket, info.body?.hostname);
      if (!created.ok) return this.record(created.network ? 'agent not running' : `bucket: HTTP ${created.status}`, reason);
      this.bucketReady = true;
    }
    const sent = await this.client.heartbeat(this.bucket, body);
    if (sent.ok) return this.record(pick.kind === 'private' ? 'sent private' : 'sent', reason);
    // The agent restarted (its buckets are gone) or went away: create the bucket again next time.
    this.bucketReady = false;
    return this.record(sent.network ? 'agent not running' : `heartbeat: HTTP ${sent.status}`, reason);
  }
}
