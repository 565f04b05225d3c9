// The HTTP surface of a real worktrace-server: built-in routes, error bodies, limits, malformed
// input, static files and security headers.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Harness, webDist } from '../lib/harness.mjs';
import { getJson, rawExchange, request } from '../lib/http.mjs';

const h = new Harness('integration-http');
let server;

before(async () => {
  const { dataDir } = await h.initData();
  server = await h.startServer({ dataDir });
});

after(() => h.cleanup());

/** Asserts the contract's error body and returns its message. */
function assertError(response, status, code) {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text}`);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json();
  assert.equal(body.error?.code, code, response.text);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0, 'the error message is empty');
  return body.error.message;
}

const kCsp =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function assertSecurityHeaders(response, what) {
  const headers = response.headers;
  assert.equal(headers['content-security-policy'], kCsp, `${what}: CSP`);
  assert.equal(headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  assert.equal(headers['cross-origin-opener-policy'], 'same-origin', `${what}: COOP`);
  assert.equal(headers['strict-transport-security'], undefined, `${what}: no HSTS on plain HTTP`);
}

async function assertStillServes() {
  const response = await request(server.origin, '/healthz');
  assert.equal(response.status, 200, `the server stopped serving: ${response.status} ${response.text}`);
}

describe('built-in routes', () => {
  test('GET /healthz and GET /api/v1/version agree on the version', async () => {
    const health = await getJson(server.origin, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.match(health.body.version, /^\d+\.\d+\.\d+/);

    const version = await getJson(server.origin, '/api/v1/version');
    assert.equal(version.status, 200);
    assert.deepEqual(version.body, { name: 'worktrace', version: health.body.version });
  });

  test('GET /metrics counts requests by route pattern', async () => {
    const total = (text) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('worktrace_http_requests_total{'))
        .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).at(-1)), 0);

    const before = await request(server.origin, '/metrics');
    assert.equal(before.status, 200);
    assert.match(String(before.headers['content-type']), /^text\/plain/);
    const kRequests = 5;
    for (let index = 0; index < kRequests; index += 1) {
      assert.equal((await request(server.origin, '/api/v1/version')).status, 200);
    }
    const afterText = (await request(server.origin, '/metrics')).text;
    assert.ok(
      total(afterText) - total(before.text) >= kRequests,
      `the request counter grew by ${total(afterText) - total(before.text)}:\n${afterText}`,
    );
    const versionLine = afterText
      .split('\n')
      .find((line) => line.startsWith('worktrace_http_requests_total{') && line.includes('route="/api/v1/version"'));
    assert.ok(versionLine, `no counter for route="/api/v1/version":\n${afterText}`);
    assert.match(versionLine, /method="GET"/);
    assert.match(versionLine, /status="200"/);
    assert.ok(Number(versionLine.split(/\s+/).at(-1)) >= kRequests, versionLine);
    assert.match(afterText, /^worktrace_build_info\{version="[^"]+"\} 1$/m);
    assert.match(afterText, /^worktrace_http_open_connections \d+$/m);
    // The raw path never becomes a label (bounded cardinality).
    await request(server.origin, '/api/v1/no-such-route-a1b2c3');
    assert.doesNotMatch((await request(server.origin, '/metrics')).text, /a1b2c3/);
  });
});

describe('errors', () => {
  test('an unknown API route is 404 with a JSON error body', async () => {
    const response = await request(server.origin, '/api/v1/does-not-exist');
    assertError(response, 404, 'not_found');
    assertSecurityHeaders(response, '404');
  });

  test('a wrong method is 405 with Allow', async () => {
    const response = await request(server.origin, '/api/v1/version', { method: 'DELETE' });
    assertError(response, 405, 'method_not_allowed');
    assert.match(String(response.headers.allow), /\bGET\b/);
  });

  test('invalid JSON is 400 and the message says what is wrong', async () => {
    const broken = await request(server.origin, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email": "a@b.c", "password": ',
    });
    assertError(broken, 400, 'invalid_argument');

    const wrongType = await request(server.origin, '/api/v1/auth/login', {
      method: 'POST',
      body: { email: 42, password: 'whatever-password' },
    });
    const message = assertError(wrongType, 400, 'invalid_argument');
    assert.match(message, /email/, `the message does not name the field: ${message}`);
  });

  test('a body that is not application/json is 415', async () => {
    const response = await request(server.origin, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ email: 'a@b.c', password: 'whatever-password' }),
    });
    assertError(response, 415, 'unsupported_media_type');
  });

  test('an oversized body is 413 and the server still serves', async () => {
    const kDeclared = 2 * 1024 * 1024;
    const head =
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${kDeclared}\r\n\r\n`;
    const answer = await rawExchange(server.port, Buffer.concat([Buffer.from(head), Buffer.alloc(64 * 1024, 0x20)]));
    assert.equal(answer.status, 413, answer.head);
    assert.equal(JSON.parse(answer.body).error.code, 'payload_too_large');
    await assertStillServes();
  });

  test('malformed HTTP over a raw socket is 400 and the server still serves', async () => {
    for (const garbage of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n']) {
      const answer = await rawExchange(server.port, garbage);
      assert.equal(answer.status, 400, `${JSON.stringify(garbage)} -> ${answer.head}`);
      assert.equal(JSON.parse(answer.body).error.code, 'invalid_argument', answer.body);
    }
    await assertStillServes();
  });
});

describe('static files', () => {
  let indexHtml;
  let assetPath;

  before(async () => {
    indexHtml = await readFile(path.join(webDist, 'index.html'), 'utf8');
    assetPath = /src="(\/assets\/[^"]+\.js)"/.exec(indexHtml)?.[1];
    assert.ok(assetPath, 'web/dist/index.html references no /assets/*.js');
  });

  test('index.html is served with the CSP and no-cache', async () => {
    const response = await request(server.origin, '/');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    assert.equal(response.text, indexHtml);
    assert.match(String(response.headers['cache-control']), /no-cache/);
    assertSecurityHeaders(response, 'index.html');
    assert.equal(response.headers.server, 'worktrace');
  });

  test('a hashed asset is immutable, typed, and revalidates with its ETag', async () => {
    const response = await request(server.origin, assetPath);
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^(text|application)\/javascript/);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.text, await readFile(path.join(webDist, assetPath), 'utf8'));
    assertSecurityHeaders(response, 'asset');

    const etag = response.headers.etag;
    assert.ok(etag, 'no ETag');
    const again = await request(server.origin, assetPath, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
  });

  test('an extension-less path falls back to index.html (SPA routing)', async () => {
    const response = await request(server.origin, '/devices');
    assert.equal(response.status, 200);
    assert.equal(response.text, indexHtml);
  });

  test('a missing file with an extension is a 404 JSON body', async () => {
    assertError(await request(server.origin, '/assets/missing-0000.js'), 404, 'not_found');
  });

  test('path traversal never reaches files outside the web root', async () => {
    for (const attack of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/assets/../../../../etc/passwd',
      '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/hostname.txt',
      '/%00/etc/passwd',
    ]) {
      const response = await request(server.origin, attack);
      assert.doesNotMatch(response.text, /root:.*:0:0:/, `${attack} leaked /etc/passwd`);
      assert.ok(
        [400, 403, 404].includes(response.status) || (response.status === 200 && response.text === indexHtml),
        `${attack} -> ${response.status} ${response.text.slice(0, 120)}`,
      );
    }
    await assertStillServes();
  });
});
