// The popup: the agent's state, the current site, pairing and the agent address.

import { effectiveAgentAddress, parseAgentAddress } from './lib/address.js';
import { AgentClient, normalizePairingCode } from './lib/agent_client.js';
import { browserApi as api, kAddressKey } from './lib/browser_api.js';
import { kBrowserName } from './lib/build_config.js';
import { bucketId } from './lib/heartbeat.js';
import { currentSiteText, statusFromProbe } from './lib/status.js';

const $ = (id) => document.getElementById(id);

async function address() {
  return effectiveAgentAddress((await api.storage.local.get(kAddressKey))[kAddressKey]);
}

function say(element, text, kind) {
  element.textContent = text;
  element.className = kind ?? '';
}

async function refresh() {
  const client = new AgentClient(await address());
  const info = await client.info();
  // The bucket the reporter uses (304 when it exists): the request that shows pairing.
  const bucket = info.status === 200 ? await client.ensureBucket(bucketId(kBrowserName), info.body?.hostname) : undefined;
  const status = statusFromProbe(info, bucket);
  $('state').textContent = status.label;
  $('state').dataset.state = status.state;
  $('dot').dataset.state = status.state;
  $('detail').textContent = status.detail;
  $('pair-form').hidden = status.state !== 'not_paired';
  return status;
}

async function showSite() {
  const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
  $('site').textContent = currentSiteText(tab);
}

$('address-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const parsed = parseAgentAddress($('address').value);
  if (!parsed.ok) {
    say($('address-message'), parsed.error, 'error');
    return;
  }
  await api.storage.local.set({ [kAddressKey]: parsed.address });
  $('address').value = parsed.address;
  say($('address-message'), 'Saved.', 'ok');
  await refresh();
});

$('pair-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = normalizePairingCode($('code').value);
  if (!code) {
    say($('pair-message'), 'A pairing code has 8 letters and digits.', 'error');
    return;
  }
  const result = await new AgentClient(await address()).pair(code);
  say($('pair-message'), result.ok ? 'Paired.' : result.message, result.ok ? 'ok' : 'error');
  if (result.ok) {
    $('code').value = '';
    await refresh();
  }
});

// Firefox grants MV3 host permissions only when the user agrees: offer it when missing.
const kAgentOrigins = { origins: ['http://127.0.0.1/*', 'http://localhost/*'] };
$('grant-button').addEventListener('click', async () => {
  if (await api.permissions.request(kAgentOrigins)) {
    $('grant').hidden = true;
    await refresh();
  }
});

(async () => {
  $('grant').hidden = await api.permissions.contains(kAgentOrigins).catch(() => true);
  $('address').value = await address();
  await Promise.all([refresh(), showSite().catch(() => say($('site'), 'Unknown'))]);
})();
