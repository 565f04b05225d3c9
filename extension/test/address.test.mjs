import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveAgentAddress, kDefaultAgentAddress, parseAgentAddress } from '../src/lib/address.js';

test('the default agent address is ActivityWatch\'s', () => {
  assert.equal(kDefaultAgentAddress, 'http://127.0.0.1:5600');
});

test('loopback addresses are accepted and normalized', () => {
  for (const [input, address] of [
    ['http://127.0.0.1:5600', 'http://127.0.0.1:5600'],
    ['  http://127.0.0.1:5601/ ', 'http://127.0.0.1:5601'],
    ['127.0.0.1:5666', 'http://127.0.0.1:5666'],
    ['http://LOCALHOST:7000', 'http://localhost:7000'],
    ['http://localhost', 'http://localhost'],
  ]) {
    assert.deepEqual(parseAgentAddress(input), { ok: true, address }, input);
  }
});

test('anything that could leave this computer or is not an origin is refused with a reason', () => {
  const cases = [
    ['', /Enter the agent address/],
    ['   ', /Enter the agent address/],
    ['https://127.0.0.1:5600', /http:\/\//],
    ['ftp://127.0.0.1', /http:\/\//],
    ['http://example.com:5600', /127\.0\.0\.1 or localhost/],
    ['http://127.0.0.2:5600', /127\.0\.0\.1 or localhost/],
    ['http://127.0.0.1.evil.com', /127\.0\.0\.1 or localhost/],
    ['http://[::1]:5600', /127\.0\.0\.1 or localhost/],
    ['http://user:pw@127.0.0.1:5600', /user name or password/],
    ['http://127.0.0.1:5600/api/0', /path, query or fragment/],
    ['http://127.0.0.1:5600/?x=1', /path, query or fragment/],
    ['http://127.0.0.1:5600/#x', /path, query or fragment/],
    ['http://127.0.0.1:99999', /not a valid address/],
    ['http://', /not a valid address/],
    [`http://127.0.0.1:5600/${'a'.repeat(200)}`, /at most 100 characters/],
  ];
  for (const [input, message] of cases) {
    const parsed = parseAgentAddress(input);
    assert.equal(parsed.ok, false, input);
    assert.match(parsed.error, message, input);
  }
  assert.equal(parseAgentAddress(5600).ok, false);
  assert.equal(parseAgentAddress(undefined).ok, false);
});

test('a stored address that is missing or invalid falls back to the default', () => {
  assert.equal(effectiveAgentAddress(undefined), 'http://127.0.0.1:5600');
  assert.equal(effectiveAgentAddress('http://evil.example:5600'), 'http://127.0.0.1:5600');
  assert.equal(effectiveAgentAddress({}), 'http://127.0.0.1:5600');
  assert.equal(effectiveAgentAddress('http://localhost:5700/'), 'http://localhost:5700');
});
