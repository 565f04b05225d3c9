// The organization's redaction policy against a real worktrace-server: every member reads it
// (all keys, defaults first); only owners and admins change it, bad input is a 400 naming the
// field; a change is audit-logged as org.redaction_changed and pushed to the organization's
// connected agents in a new `config` (with `redaction`), and only to them; ingest applies the
// policy's url_mode and excluded domains again, so a URL posted by an old or modified agent is
// stored cut down and an excluded domain's span is stored private.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, expectError, expectStatus } from '../lib/api.mjs';
import { startFixture } from '../lib/fixture.mjs';
import { Harness, sleep } from '../lib/harness.mjs';
import { connectAgent } from '../lib/ws.mjs';

const h = new Harness('integration-redaction-policy');
let A;
let B;
let seq = 0;

const kDefaults = { url_mode: 'strip_query', title_rules: [], excluded_domains: [], excluded_apps: [] };
const kSlotMs = 600_000;
const kBase = Math.floor((Date.now() - 2 * 3_600_000) / kSlotMs) * kSlotMs;

before(async () => {
  const fx = await startFixture(h);
  A = fx.orgs.a;
  B = fx.orgs.b;
});

after(() => h.cleanup());

/** Connects `device`'s agent; returns {agent, config} where config is the first message. */
async function connect(origin, device) {
  const agent = await connectAgent(origin, device.credential);
  const config = await agent.next(() => true);
  assert.equal(config.type, 'config', `the first message is ${JSON.stringify(config)}`);
  return { agent, config };
}

describe('reading and changing the policy', () => {
  test('every member reads the defaults with every key', async () => {
    for (const key of ['owner', 'admin', 'manager', 'employeeA']) {
      assert.deepEqual(expectStatus(await A.people[key].client.get('/api/v1/org/redaction'), 200, key), kDefaults);
    }
    expectError(await new Client(A.origin).get('/api/v1/org/redaction'), 401);
  });

  test('only owners and admins change it; bad input names the field', async () => {
    expectError(await A.people.manager.client.put('/api/v1/org/redaction', { url_mode: 'domain' }), 403, { code: 'permission_denied' });
    expectError(await A.people.employeeA.client.put('/api/v1/org/redaction', { url_mode: 'domain' }), 403, { code: 'permission_denied' });
    expectError(await A.people.owner.client.put('/api/v1/org/redaction', { url_mode: 'domain' }, { csrf: false }), 403);
    const owner = A.people.owner.client;
    expectError(
      await owner.put('/api/v1/org/redaction', { title_rules: [{ pattern: '(a+)+', action: 'mask' }] }),
      400,
      { code: 'invalid_argument', message: /^\$\.title_rules\[0\]\.pattern: / },
    );
    expectError(await owner.put('/api/v1/org/redaction', { title_rules: [{ pattern: '(', action: 'drop' }] }), 400, {
      message: /^\$\.title_rules\[0\]\.pattern: /,
    });
    expectError(await owner.put('/api/v1/org/redaction', { url_mode: 'all' }), 400, { message: /^\$\.url_mode: / });
    expectError(await owner.put('/api/v1/org/redaction', { excluded_domains: ['not a domain'] }), 400, {
      message: /^\$\.excluded_domains\[0\]: /,
    });
    expectError(await owner.put('/api/v1/org/redaction', { retention: 1 }), 400, { message: /^\$\.retention: is not a known field/ });
    assert.deepEqual(expectStatus(await owner.get('/api/v1/org/redaction'), 200), kDefaults);
  });
});

describe('pushing to agents', () => {
  test('a change is audited and pushed to the organization\'s connected agents only', async () => {
    const { agent, config } = await connect(A.origin, A.devices.employeeA);
    const other = await connect(B.origin, B.devices.employeeA);
    try {
      assert.deepEqual(config.redaction, kDefaults);
      assert.equal(config.tracking.idle_threshold_s, 180);
      const policy = {
        url_mode: 'domain',
        title_rules: [{ pattern: '\\S+@\\S+', action: 'mask', replacement: '[email]' }, { pattern: '^Private', action: 'drop' }],
        excluded_domains: ['Bank.Test'],
        excluded_apps: ['KeePassXC'],
      };
      const expected = {
        url_mode: 'domain',
        title_rules: [
          { pattern: '\\S+@\\S+', action: 'mask', replacement: '[email]' },
          { pattern: '^Private', action: 'drop' },
        ],
        excluded_domains: ['bank.test'],
        excluded_apps: ['KeePassXC'],
      };
      const stored = expectStatus(await A.people.admin.client.put('/api/v1/org/redaction', policy), 200, 'PUT');
      assert.deepEqual(stored, expected);
      const pushed = await agent.next('config');
      assert.deepEqual(pushed.redaction, expected);
      assert.equal(pushed.tracking.paused, false);
      assert.deepEqual(expectStatus(await A.people.employeeA.client.get('/api/v1/org/redaction'), 200), expected);
      assert.deepEqual(expectStatus(await B.people.owner.client.get('/api/v1/org/redaction'), 200), kDefaults);
      await sleep(300);
      assert.deepEqual(other.agent.buffer.filter((m) => m.type === 'config'), [], 'org B\'s agent got a config');

      const audit = expectStatus(await A.people.owner.client.get('/api/v1/audit?action=org.redaction_changed'), 200, 'audit');
      const entry = audit.entries.find((e) => e.action === 'org.redaction_changed');
      assert.ok(entry, `no org.redaction_changed entry in ${JSON.stringify(audit).slice(0, 500)}`);
      assert.deepEqual(entry.details.changed, ['url_mode', 'title_rules', 'excluded_domains', 'excluded_apps']);

      // A tracking change carries the redaction policy too.
      expectStatus(await A.people.owner.client.put('/api/v1/org/tracking', { idle_threshold_s: 240 }), 200);
      const next = await agent.next('config');
      assert.equal(next.tracking.idle_threshold_s, 240);
      assert.deepEqual(next.redaction, expected);

      // Partial body: the missing keys are the defaults.
      assert.deepEqual(
        expectStatus(await A.people.owner.client.put('/api/v1/org/redaction', { excluded_domains: ['bank.test'] }), 200),
        { ...kDefaults, excluded_domains: ['bank.test'] },
      );
      assert.deepEqual((await agent.next('config')).redaction, { ...kDefaults, excluded_domains: ['bank.test'] });
    } finally {
      await agent.close();
      await other.agent.close();
    }
  });
});

describe('defence in depth at ingest', () => {
  test('the server cuts URLs to the url_mode and hides excluded domains', async () => {
    const owner = A.people.owner.client;
    expectStatus(await owner.put('/api/v1/org/redaction', { url_mode: 'strip_query', excluded_domains: ['bank.test'] }), 200);
    const device = new Client(A.origin, { bearer: A.devices.employeeB.credential, label: 'agent B' });
    const record = (start, end, url, domain, title) => {
      seq += 1;
      return { seq, type: 'span', start: kBase + start, end: kBase + end, app: 'chromium', exe: '/usr/bin/chromium', title, idle: false, url, domain };
    };
    const post = (records) =>
      device.post('/api/v1/agent/activity', JSON.stringify({ records }), { headers: { 'Content-Type': 'application/json' } });
    expectStatus(
      await post([
        record(0, 10_000, 'https://user:pw@example.com/p?session=abc#frag', 'example.com', 'Page'),
        record(10_000, 20_000, 'https://online.bank.test/account?id=42', 'online.bank.test', 'Balance 1234'),
      ]),
      200,
    );
    // Domain only from now on.
    expectStatus(await owner.put('/api/v1/org/redaction', { url_mode: 'domain', excluded_domains: ['bank.test'] }), 200);
    expectStatus(await post([record(20_000, 30_000, 'https://example.com/q?x=1', 'example.com', 'Q')]), 200);

    const timeline = expectStatus(
      await owner.get(`/api/v1/people/${A.people.employeeB.id}/timeline?from=${kBase}&to=${kBase + 60_000}`),
      200,
    );
    assert.deepEqual(
      timeline.spans.map((s) => [s.end - s.start, s.app, s.title, s.url, s.domain, s.private]),
      [
        [10_000, 'chromium', 'Page', 'https://example.com/p', 'example.com', false],
        [10_000, '', '', '', '', true],
        [10_000, 'chromium', 'Q', 'https://example.com', 'example.com', false],
      ],
    );
    assert.ok(!JSON.stringify(timeline).includes('bank'), 'the excluded domain leaked');
    assert.ok(!JSON.stringify(timeline).includes('session=abc'), 'the query leaked');
    const websites = expectStatus(
      await owner.get(`/api/v1/people/${A.people.employeeB.id}/websites?from=${kBase}&to=${kBase + 60_000}`),
      200,
    );
    assert.deepEqual(websites.domains, [{ domain: 'example.com', seconds: 20, pages: [] }]);
    assert.equal(websites.total_seconds, 20);
  });
});
