// The tests' TOTP helper (lib/totp.mjs) against RFC 6238's vectors and oathtool, so that
// the 2FA tests of the server rest on a checked reference. No server is involved.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { base32Decode, base32Encode, totp } from '../lib/totp.mjs';

describe('TOTP helper', () => {
  test('RFC 6238 test vectors (SHA-1, SHA-256, SHA-512)', () => {
    const keys = {
      sha1: Buffer.from('12345678901234567890'),
      sha256: Buffer.from('12345678901234567890123456789012'),
      sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
    };
    const vectors = [
      [59, '94287082', '46119246', '90693936'],
      [1111111109, '07081804', '68084774', '25091201'],
      [1111111111, '14050471', '67062674', '99943326'],
      [1234567890, '89005924', '91819424', '93441116'],
      [2000000000, '69279037', '90698825', '38618901'],
      [20000000000, '65353130', '77737706', '47863826'],
    ];
    for (const [seconds, sha1, sha256, sha512] of vectors) {
      const timeMs = seconds * 1000;
      assert.equal(totp(keys.sha1, { timeMs, digits: 8 }), sha1, `sha1 at ${seconds}`);
      assert.equal(totp(keys.sha256, { timeMs, digits: 8, algorithm: 'sha256' }), sha256, `sha256 at ${seconds}`);
      assert.equal(totp(keys.sha512, { timeMs, digits: 8, algorithm: 'sha512' }), sha512, `sha512 at ${seconds}`);
    }
  });

  test('base32 round trip', () => {
    for (let length = 0; length < 40; length += 1) {
      const bytes = randomBytes(length);
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
    assert.equal(base32Encode(Buffer.from('12345678901234567890')), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  test('agrees with oathtool --totp on random secrets', () => {
    for (let round = 0; round < 5; round += 1) {
      const secret = base32Encode(randomBytes(20));
      const seconds = 1_600_000_000 + Math.floor(Math.random() * 300_000_000);
      const result = spawnSync('oathtool', ['--totp', '-b', '--now', `@${seconds}`, secret], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(result.status, 0, `oathtool failed: ${result.stderr}`);
      assert.equal(totp(secret, { timeMs: seconds * 1000 }), result.stdout.trim(), `secret ${secret} at ${seconds}`);
    }
  });
});
