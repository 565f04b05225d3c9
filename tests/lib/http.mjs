// HTTP on loopback with node:http (raw paths are sent as written, unlike fetch) and node:net
// (bytes no HTTP client would send).
import http from 'node:http';
import net from 'node:net';

const kDefaultTimeoutMs = 10_000;
const kUnsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The CSRF token of every session this process signed in to, by its "wt_session=..." pair.
const csrfTokens = new Map();

/**
 * Remembers the CSRF token of the session `cookie` ("wt_session=..."): `request` then sends it
 * in X-CSRF-Token on unsafe methods that carry that cookie. `login` does this by itself.
 */
export function rememberCsrf(cookie, token) {
  if (cookie && typeof token === 'string' && token.length > 0) csrfTokens.set(cookie, token);
}

function withCsrf(method, headers, csrf) {
  if (!csrf || !kUnsafeMethods.has(method.toUpperCase())) return headers;
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (names.includes('x-csrf-token')) return headers;
  const cookieName = Object.keys(headers).find((name) => name.toLowerCase() === 'cookie');
  if (!cookieName) return headers;
  const pair = String(headers[cookieName])
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith('wt_session='));
  const token = pair ? csrfTokens.get(pair) : undefined;
  return token ? { ...headers, 'X-CSRF-Token': token } : headers;
}

/**
 * One HTTP request. `path` is sent verbatim. An unsafe method with a session cookie whose CSRF
 * token is remembered (see rememberCsrf) sends it in X-CSRF-Token unless `headers` has that header
 * already or `csrf` is false. `body`: a string/Buffer, or an object sent as JSON
 * (Content-Type application/json unless `headers` says otherwise). Resolves with
 * {status, headers, text, json(), setCookies}; rejects on a transport error or after `timeoutMs`.
 */
export function request(origin, path, { method = 'GET', headers = {}, body, agent, timeoutMs = kDefaultTimeoutMs, csrf = true } = {}) {
  const url = new URL(origin);
  let payload;
  const allHeaders = withCsrf(method, { ...headers }, csrf);
  if (body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string') {
    payload = Buffer.from(JSON.stringify(body));
    if (!Object.keys(allHeaders).some((name) => name.toLowerCase() === 'content-type')) {
      allHeaders['Content-Type'] = 'application/json';
    }
  } else if (body !== undefined) {
    payload = Buffer.from(body);
  }
  if (payload) allHeaders['Content-Length'] = String(payload.length);

  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: allHeaders, agent: agent ?? false },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode,
            headers: res.headers,
            text,
            setCookies: res.headers['set-cookie'] ?? [],
            json() {
              try {
                return JSON.parse(text);
              } catch {
                throw new Error(`${method} ${path}: ${res.statusCode} body is not JSON: ${text.slice(0, 200)}`);
              }
            },
          });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** GET `path` and parse the JSON body; asserts nothing about the status. */
export async function getJson(origin, path, options = {}) {
  const response = await request(origin, path, options);
  return { ...response, body: response.json() };
}

/** The `name=value` pair of cookie `name` from Set-Cookie headers, or null. */
export function cookiePair(setCookies, name) {
  for (const header of setCookies) {
    const pair = header.split(';')[0].trim();
    if (pair.startsWith(`${name}=`)) return pair;
  }
  return null;
}

/** The attributes of cookie `name` as a lower-cased set ("httponly", "samesite=strict", ...). */
export function cookieAttributes(setCookies, name) {
  const header = setCookies.find((value) => value.trim().startsWith(`${name}=`));
  if (!header) return null;
  return new Set(
    header
      .split(';')
      .slice(1)
      .map((part) => part.trim().toLowerCase().replace(/\s*=\s*/, '=')),
  );
}

/**
 * Signs in; returns {status, body, cookie ("wt_session=..."), csrf, setCookies, headers}. The
 * session's CSRF token (body.csrf_token) is remembered for later writes with that cookie.
 */
export async function login(origin, email, password, { headers = {} } = {}) {
  const response = await request(origin, '/api/v1/auth/login', {
    method: 'POST',
    headers,
    body: { email, password },
  });
  const body = response.json();
  const cookie = cookiePair(response.setCookies, 'wt_session');
  rememberCsrf(cookie, body?.csrf_token);
  return {
    status: response.status,
    body,
    cookie,
    csrf: body?.csrf_token,
    setCookies: response.setCookies,
    headers: response.headers,
  };
}

/**
 * Writes `bytes` on a fresh TCP connection and collects what comes back until one complete
 * response (headers plus Content-Length bytes) has arrived or the server closes. Resolves with
 * {status, head, body, closed}; rejects after `timeoutMs`.
 */
export function rawExchange(port, bytes, { timeoutMs = kDefaultTimeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`raw exchange: no complete answer in ${timeoutMs} ms`)), timeoutMs);

    function parse() {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return null;
      const head = received.subarray(0, end).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const body = received.subarray(end + 4);
      if (length && body.length < Number(length[1])) return null;
      return { status: match ? Number(match[1]) : 0, head, body: body.toString('utf8') };
    }

    function finish(error, closed = false) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) return reject(error);
      const parsed = parse();
      if (!parsed) return reject(new Error(`raw exchange: connection closed without a response (${received.length} bytes)`));
      resolve({ ...parsed, closed });
    }

    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (parse()) finish(null, false);
    });
    socket.on('end', () => finish(null, true));
    socket.on('close', () => finish(null, true));
    // A reset after the server answered early (e.g. 413 before the body) still counts as an answer.
    socket.on('error', (error) => (parse() ? finish(null, true) : finish(error)));
    socket.write(bytes);
  });
}
