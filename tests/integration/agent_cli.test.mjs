// The agent's command line refuses what would leak its secrets, before any network traffic.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { after, test } from 'node:test';
import { Harness, kOwner, serverBin, waitFor } from '../lib/harness.mjs';

const h = new Harness('integration-agent-cli');
after(() => h.cleanup());

test('enroll refuses plain http:// to a server off this machine', async () => {
  const configDir = path.join(await h.tempDir('agent-cli'), 'agent');
  // `.invalid` never resolves: the refusal must come before any lookup or connection.
  const refused = await h.enrollAgent({
    origin: 'http://worktrace.invalid:8080',
    token: 'wte_not-used',
    configDir,
  });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /refusing to send the enrollment token .* unencrypted/);
  assert.ok(!existsSync(path.join(configDir, 'agent.json')), 'a refused enrolment wrote a config');
});

test('enrolling again waits for run to stop, then drops the previous device\'s unsent activity', async () => {
  const { dataDir } = await h.initData();
  const server = await h.startServer({ dataDir, webRoot: null });
  const configDir = path.join(await h.tempDir('agent-cli'), 'agent');
  const first = await h.enrollAgent({ origin: server.origin, token: await h.enrollmentToken(dataDir), configDir });
  assert.equal(first.code, 0, first.child.output());

  // Without a display the agent keeps only its channel, but it opens the outbox.
  const agent = h.startAgent({ configDir });
  await waitFor(() => existsSync(path.join(configDir, 'outbox.db')), { what: 'the outbox file' });
  const token = await h.enrollmentToken(dataDir);
  const refused = await h.enrollAgent({ origin: server.origin, token, configDir });
  assert.equal(refused.code, 1, refused.child.output());
  assert.match(refused.stderr, /stop the running agent before enrolling again/);
  assert.equal((await agent.stop('SIGTERM', 10_000)).code, 0, agent.output());

  await writeFile(path.join(configDir, 'policy.json'), '{"paused":true}\n');
  const again = await h.enrollAgent({ origin: server.origin, token, configDir });
  assert.equal(again.code, 0, again.child.output());
  assert.match(again.stdout, /Removed the previous device's unsent activity/);
  assert.ok(!existsSync(path.join(configDir, 'outbox.db')), 'the old outbox is still there');
  assert.ok(!existsSync(path.join(configDir, 'policy.json')), 'the old policy is still there');
});

test('enroll refuses a malformed --pin-sha256 before any network traffic', async () => {
  const configDir = path.join(await h.tempDir('agent-cli'), 'agent');
  for (const pin of ['bad', 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=']) {
    const refused = await h.enrollAgent({
      origin: 'https://worktrace.invalid',
      token: 'wte_not-used',
      configDir,
      extraArgs: ['--pin-sha256', pin],
    });
    assert.notEqual(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /--pin-sha256: a pin-sha256 is the base64 of a SHA-256 digest/, pin);
  }
  assert.ok(!existsSync(path.join(configDir, 'agent.json')), 'a refused enrolment wrote a config');
});

/** A self-signed certificate for 127.0.0.1 (in no CA file) and its pin by the openssl CLI. */
async function selfSignedCertificate() {
  const dir = await h.tempDir('agent-cli-tls');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-subj', '/CN=worktrace-test', '-days', '1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const pin = execFileSync('sh', ['-c',
    `openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
  ]).toString().trim();
  return { cert, key, pin, pem: await readFile(cert, 'utf8') };
}

/** One HTTPS request to 127.0.0.1:`port` trusting `ca` (PEM); resolves {status, headers, text}. */
function httpsRequest(port, ca, method, urlPath, { body, cookie } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (cookie) headers.cookie = cookie;
    const req = https.request({ host: '127.0.0.1', port, method, path: urlPath, ca, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `worktrace-server serve` with TLS on 127.0.0.1; resolves {port, origin} once /healthz answers. */
async function startTlsServer(dataDir, certificate) {
  const portFile = path.join(dataDir, 'port');
  await unlink(portFile).catch(() => undefined);
  const child = h.processes.spawn('server-tls', serverBin, ['serve', '--listen', '127.0.0.1:0', '--data', dataDir,
    '--port-file', portFile, '--tls-cert', certificate.cert, '--tls-key', certificate.key]);
  const port = await waitFor(async () => {
    if (!child.running) throw new Error(`server exited with ${child.exitCode}\n${child.output()}`);
    const value = Number.parseInt((await readFile(portFile, 'utf8').catch(() => '')).trim(), 10);
    return Number.isInteger(value) && value > 0 ? value : null;
  }, { what: 'the port file' });
  await waitFor(async () => (await httpsRequest(port, certificate.pem, 'GET', '/healthz').catch(() => ({}))).status === 200,
    { what: 'GET /healthz over TLS' });
  return { port, origin: `https://127.0.0.1:${port}`, child };
}

test('with TLS the server serves its key pin, and enroll --pin-sha256 trusts exactly that key', async () => {
  const certificate = await selfSignedCertificate();
  const other = await selfSignedCertificate();
  const { dataDir } = await h.initData();
  const server = await startTlsServer(dataDir, certificate);
  assert.match(server.child.output(), new RegExp(`TLS key pin-sha256: ${certificate.pin.replace(/[+/]/g, '\\$&')}`));

  // The pin as the dashboard reads it (owners and admins).
  const login = await httpsRequest(server.port, certificate.pem, 'POST', '/api/v1/auth/login',
    { body: { email: kOwner.email, password: kOwner.password } });
  assert.equal(login.status, 200, login.text);
  const cookie = (login.headers['set-cookie'] ?? []).map((value) => value.split(';')[0]).find((pair) => pair.startsWith('wt_session='));
  const served = await httpsRequest(server.port, certificate.pem, 'GET', '/api/v1/server/tls', { cookie });
  assert.equal(served.status, 200, served.text);
  assert.deepEqual(JSON.parse(served.text), { pin_sha256: certificate.pin });
  assert.equal((await httpsRequest(server.port, certificate.pem, 'GET', '/api/v1/server/tls')).status, 401);

  const configDir = path.join(await h.tempDir('agent-cli'), 'agent');
  const token = await h.enrollmentToken(dataDir, { uses: 3 });
  // Neither the system CAs nor a pin of another key trust this certificate.
  const untrusted = await h.enrollAgent({ origin: server.origin, token, configDir });
  assert.equal(untrusted.code, 1, untrusted.child.output());
  assert.match(untrusted.stderr, /certificate verify failed/);
  const wrong = await h.enrollAgent({ origin: server.origin, token, configDir, extraArgs: ['--pin-sha256', other.pin] });
  assert.equal(wrong.code, 1, wrong.child.output());
  assert.ok(wrong.stderr.includes(`the server's certificate does not match the pinned key (pin-sha256 ${other.pin}`), wrong.stderr);
  assert.ok(!existsSync(path.join(configDir, 'agent.json')), 'a refused enrolment wrote a config');

  const pinned = await h.enrollAgent({ origin: server.origin, token, configDir, extraArgs: ['--pin-sha256', certificate.pin] });
  assert.equal(pinned.code, 0, pinned.child.output());
  const saved = JSON.parse(await readFile(path.join(configDir, 'agent.json'), 'utf8'));
  assert.equal(saved.tls_pin_sha256, certificate.pin);
  assert.equal(saved.ca_file, undefined);

  // `run` keeps the pin: its control channel comes online over the same self-signed key.
  const agent = h.startAgent({ configDir, name: 'agent-pinned' });
  await waitFor(async () => {
    const listed = await httpsRequest(server.port, certificate.pem, 'GET', '/api/v1/devices', { cookie });
    return listed.status === 200 && JSON.parse(listed.text).devices.some((device) => device.online);
  }, { what: 'the pinned agent online' });
  assert.equal((await agent.stop('SIGTERM', 10_000)).code, 0, agent.output());
});
