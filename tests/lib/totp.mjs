// RFC 4226 HOTP and RFC 6238 TOTP with node:crypto, for signing in with two-factor
// authentication in the tests (the server's own implementation is what is under test).
import { createHmac } from 'node:crypto';

const kBase32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored); throws on a bad character. */
export function base32Decode(text) {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const char of clean) {
    const index = kBase32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(char)} in ${text}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226: the `digits`-digit code of `key` (a Buffer) at `counter`, zero-padded. */
export function hotp(key, counter, { digits = 6, algorithm = 'sha1' } = {}) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step of `timeMs`. */
export function totpStep(timeMs = Date.now(), { period = 30 } = {}) {
  return Math.floor(timeMs / 1000 / period);
}

/**
 * RFC 6238: the code of `secret` (base32 text or a Buffer) at `timeMs`, or at step `step` when
 * given.
 */
export function totp(secret, { timeMs = Date.now(), step, period = 30, digits = 6, algorithm = 'sha1' } = {}) {
  const key = Buffer.isBuffer(secret) ? secret : base32Decode(secret);
  return hotp(key, step ?? totpStep(timeMs, { period }), { digits, algorithm });
}

/** The base32 secret in an otpauth:// URI, or null. */
export function secretFromOtpauth(uri) {
  try {
    return new URL(uri).searchParams.get('secret');
  } catch {
    return null;
  }
}

/** RFC 4648 base32 without padding, as TOTP secrets are written. */
export function base32Encode(bytes) {
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += kBase32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) text += kBase32[(value << (5 - bits)) & 31];
  return text;
}
