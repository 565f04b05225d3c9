// The agent's address: where the extension sends its reports. Only loopback over plain HTTP
// is accepted (the agent listens on 127.0.0.1 only, and the manifest's host permissions
// cover exactly http://127.0.0.1/* and http://localhost/*), so a typo or a pasted remote
// address can never send browsing data off this computer.

import { kDefaultAgentAddress } from './build_config.js';

export { kDefaultAgentAddress };
export const kMaxAddressLength = 100;
const kAllowedHosts = new Set(['127.0.0.1', 'localhost']);

/**
 * Reads what a person typed as the agent address. Returns {ok: true, address} with the
 * normalized origin ("http://127.0.0.1:5600", no trailing slash), or {ok: false, error} with
 * a sentence saying what is wrong. A missing scheme means http; a missing port means 80.
 */
export function parseAgentAddress(input) {
  if (typeof input !== 'string') return { ok: false, error: 'The address must be text.' };
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter the agent address, e.g. http://127.0.0.1:5600.' };
  if (text.length > kMaxAddressLength) {
    return { ok: false, error: `The address must be at most ${kMaxAddressLength} characters.` };
  }
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  let url;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, error: 'This is not a valid address.' };
  }
  if (url.protocol !== 'http:') return { ok: false, error: 'The address must start with http:// (the agent speaks plain HTTP on loopback).' };
  if (url.username !== '' || url.password !== '') return { ok: false, error: 'The address must not contain a user name or password.' };
  if (!kAllowedHosts.has(url.hostname)) {
    return { ok: false, error: 'The agent runs on this computer: use 127.0.0.1 or localhost.' };
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { ok: false, error: 'The address must not have a path, query or fragment.' };
  }
  return { ok: true, address: url.origin };
}

/** The stored address if it is valid, else the default (storage may hold anything). */
export function effectiveAgentAddress(stored) {
  if (stored === undefined || stored === null) return kDefaultAgentAddress;
  const parsed = parseAgentAddress(stored);
  return parsed.ok ? parsed.address : kDefaultAgentAddress;
}
