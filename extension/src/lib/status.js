// What the popup shows, derived from the answer to GET /api/0/info. One of:
//   connected          the agent answered and records activity (tracking active or idle)
//   paused             the agent answered; tracking is paused by policy or outside work hours
//   unavailable        the agent answered but cannot track right now (no display, starting)
//   not_paired         the agent refused this extension's origin (403): enter a pairing code
//   agent_not_running  nothing answered at the address (connection refused, timeout)
//   error              an unexpected answer (another program on the port, a server error)

export const kStates = Object.freeze([
  'connected',
  'paused',
  'unavailable',
  'not_paired',
  'agent_not_running',
  'error',
]);

const kLabels = {
  connected: 'Connected',
  paused: 'Paused by policy',
  unavailable: 'Agent not tracking',
  not_paired: 'Not paired',
  agent_not_running: 'Agent not running',
  error: 'Unexpected answer',
};

/**
 * `probe` is the answer to GET /api/0/info: {network: true} when the request failed before an
 * HTTP answer, else {status, body} with the parsed JSON body (or null). `bucketProbe`
 * (optional) is the answer to POST /api/0/buckets/<id>: browsers send no Origin header on
 * that GET, so only a POST (which carries the extension's origin) shows whether the agent
 * accepts this extension; when given it decides "not paired" (403) over info's "paired".
 * Returns {state, label, detail}.
 */
export function statusFromProbe(probe, bucketProbe) {
  const result = (state, detail) => ({ state, label: kLabels[state], detail });
  if (!probe || probe.network) {
    return result('agent_not_running', 'Start the Worktrace agent, or check the agent address below.');
  }
  if (probe.status === 403) {
    return result('not_paired', 'Run "worktrace-agent pair-browser" and enter the code it prints.');
  }
  if (probe.status !== 200 || typeof probe.body !== 'object' || probe.body === null) {
    return result('error', `The agent address answered with HTTP ${probe.status}.`);
  }
  if (bucketProbe?.status === 403) {
    return result('not_paired', 'Run "worktrace-agent pair-browser" and enter the code it prints.');
  }
  const worktrace = probe.body.worktrace;
  if (typeof worktrace !== 'object' || worktrace === null) {
    // A plain ActivityWatch server: it accepts the reports; there is no policy to show.
    return result('connected', 'Reporting to an ActivityWatch server.');
  }
  if (!bucketProbe && worktrace.paired === false) {
    return result('not_paired', 'Run "worktrace-agent pair-browser" and enter the code it prints.');
  }
  switch (worktrace.tracking) {
    case 'active':
    case 'idle':
      return result('connected', urlModeDetail(worktrace.url_mode));
    case 'paused':
      return result('paused', 'Your organization has paused tracking: nothing is recorded.');
    case 'outside_work_hours':
      return result('paused', 'Outside work hours: nothing is recorded.');
    case 'unavailable':
      return result('unavailable', 'The agent is running but not recording right now.');
    default:
      return result('error', `The agent reported an unknown state "${String(worktrace.tracking)}".`);
  }
}

function urlModeDetail(mode) {
  switch (mode) {
    case 'full':
      return 'Full page addresses are kept.';
    case 'strip_query':
      return 'Page addresses are kept without query and fragment.';
    case 'domain':
      return 'Only site names are kept.';
    default:
      return 'Reporting the active tab.';
  }
}

/** The popup's "current site" line for the active tab of the popup's window. */
export function currentSiteText(tab) {
  if (!tab) return 'No tab';
  if (tab.incognito) return 'Private window: only that one is in front is sent';
  try {
    const url = new URL(tab.url ?? '');
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.hostname;
  } catch {
    // Not a URL at all: fall through.
  }
  return 'Not a web page: nothing is sent';
}
