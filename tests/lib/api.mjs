// A signed-in caller of the JSON API: a session (cookie + CSRF token) or an API token. Every
// call resolves with {status, headers, text, body (parsed JSON or null), setCookies}.
import assert from 'node:assert/strict';
import { cookiePair, rememberCsrf, request } from './http.mjs';

export class Client {
  /** `cookie`: "wt_session=..."; `csrf`: its CSRF token; `bearer`: an API token ("wta_..."). */
  constructor(origin, { cookie = null, csrf = null, bearer = null, label = 'client', user = null, org = null } = {}) {
    this.origin = origin;
    this.cookie = cookie;
    this.csrf = csrf;
    this.bearer = bearer;
    this.label = label;
    this.user = user;
    this.org = org;
    if (cookie && csrf) rememberCsrf(cookie, csrf);
  }

  /**
   * One call. `csrf: false` leaves X-CSRF-Token out; `headers` are added (an explicit
   * X-CSRF-Token wins).
   */
  async call(method, path, body, { headers = {}, csrf = true, timeoutMs } = {}) {
    const all = { ...headers };
    if (this.cookie) all.Cookie = this.cookie;
    if (this.bearer) all.Authorization = `Bearer ${this.bearer}`;
    // request() adds X-CSRF-Token from the token the constructor remembered for this cookie.
    const response = await request(this.origin, path, { method, headers: all, body, csrf, timeoutMs });
    let parsed = null;
    try {
      parsed = response.text ? JSON.parse(response.text) : null;
    } catch {
      parsed = null;
    }
    return { ...response, body: parsed, method, path };
  }

  get(path, options) {
    return this.call('GET', path, undefined, options);
  }

  post(path, body = {}, options) {
    return this.call('POST', path, body, options);
  }

  put(path, body = {}, options) {
    return this.call('PUT', path, body, options);
  }

  patch(path, body = {}, options) {
    return this.call('PATCH', path, body, options);
  }

  delete(path, options) {
    return this.call('DELETE', path, undefined, options);
  }
}

/** "METHOD path -> status: body" for assertion messages. */
export function describeResponse(response) {
  return `${response.method ?? ''} ${response.path ?? ''} -> ${response.status}: ${String(response.text).slice(0, 400)}`;
}

/** Asserts the status (a number or a list); returns the parsed body. */
export function expectStatus(response, status, what = '') {
  const allowed = Array.isArray(status) ? status : [status];
  assert.ok(allowed.includes(response.status), `${what ? `${what}: ` : ''}expected ${allowed.join('|')}, got ${describeResponse(response)}`);
  return response.body;
}

/** Asserts an error answer: status, error.code (when given) and a message matching `message`. */
export function expectError(response, status, { code, message } = {}, what = '') {
  const body = expectStatus(response, status, what);
  assert.ok(body?.error, `${what}: no error object in ${describeResponse(response)}`);
  if (code) assert.equal(body.error.code, code, `${what}: ${describeResponse(response)}`);
  if (message) assert.match(body.error.message, message, `${what}: ${describeResponse(response)}`);
  return body.error;
}

/**
 * A Client for the session an answer started (login, sign-up, invitation accept: cookie +
 * body.csrf_token). Throws with the answer when there is no session.
 */
export function sessionFrom(origin, response, label = 'session') {
  const cookie = cookiePair(response.setCookies ?? [], 'wt_session');
  const body = response.body ?? JSON.parse(response.text);
  if (!cookie || !body?.csrf_token) {
    throw new Error(`${label}: no session in ${response.status} ${String(response.text).slice(0, 300)}`);
  }
  return new Client(origin, { cookie, csrf: body.csrf_token, label, user: body.user, org: body.org });
}

/** Signs in with a password (no 2FA); throws with the answer unless it started a session. */
export async function signIn(origin, email, password, label = email) {
  const anonymous = new Client(origin, { label: 'anonymous' });
  const response = await anonymous.post('/api/v1/auth/login', { email, password });
  if (response.status !== 200) throw new Error(`sign-in of ${email}: ${describeResponse(response)}`);
  return sessionFrom(origin, response, label);
}

/** The invitation token in an invitation URL ("<public_url>/#/invite/<token>"). */
export function invitationToken(url) {
  const match = /#\/invite\/([A-Za-z0-9_-]+)$/.exec(url ?? '');
  if (!match) throw new Error(`not an invitation URL: ${url}`);
  return match[1];
}
