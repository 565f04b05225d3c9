// The agent's command line refuses what would leak its secrets, before any network traffic.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Harness } from '../lib/harness.mjs';

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
