// The agent's command line refuses what would leak its secrets, before any network traffic.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Harness, waitFor } from '../lib/harness.mjs';

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
