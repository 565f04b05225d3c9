// Checks the forms run before sending; the server checks everything again and its message wins.

export const kPasswordMin = 8;
export const kPasswordRecommended = 15;
export const kPasswordMax = 1024;

export type PasswordStrength = 'empty' | 'too-short' | 'acceptable' | 'good';

/** Bytes of `text` in UTF-8 (the server's limits are in bytes). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Code points of `text` (what "characters" means for a password). */
function characters(text: string): number {
  return [...text].length;
}

export function passwordStrength(password: string): PasswordStrength {
  const length = characters(password);
  if (length === 0) return 'empty';
  if (length < kPasswordMin) return 'too-short';
  if (length < kPasswordRecommended) return 'acceptable';
  return 'good';
}

/** The hint under a new-password field. */
export function passwordHint(password: string): string {
  switch (passwordStrength(password)) {
    case 'empty':
      return `At least ${kPasswordMin} characters; ${kPasswordRecommended} or more recommended. A phrase of several words works well.`;
    case 'too-short':
      return `Too short: ${characters(password)} of at least ${kPasswordMin} characters.`;
    case 'acceptable':
      return `Acceptable. ${kPasswordRecommended} or more characters would be stronger.`;
    case 'good':
      return 'Good length.';
  }
}

/** null when `password` may be sent as a new password, else the reason. */
export function checkNewPassword(password: string): string | null {
  if (characters(password) < kPasswordMin) return `password: must be at least ${kPasswordMin} characters`;
  if (utf8Length(password) > kPasswordMax) return `password: must be at most ${kPasswordMax} bytes`;
  return null;
}

/** null when `value` (trimmed) is 1..max bytes, else "field: must be 1..max characters". */
export function checkName(field: string, value: string, max = 200): string | null {
  const length = utf8Length(value.trim());
  return length >= 1 && length <= max ? null : `${field}: must be 1..${max} characters`;
}

const kEmailPattern = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

export function checkEmail(field: string, value: string): string | null {
  const email = value.trim();
  return email.length <= 254 && kEmailPattern.test(email) ? null : `${field}: must be an email address`;
}

/** A TOTP code (6 digits, spaces allowed) or a recovery code (xxxxx-xxxxx) without spaces; null if neither. */
export function normalizeSecondFactor(input: string): string | null {
  const compact = input.replace(/\s+/g, '');
  if (/^\d{6}$/.test(compact)) return compact;
  if (/^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/.test(compact)) return compact;
  return null;
}

export function isTotpCode(input: string): boolean {
  return /^\d{6}$/.test(input.replace(/\s+/g, ''));
}

/** "" or two upper-case letters (the server checks the letters against ISO 3166-1). */
export function checkCountry(value: string): string | null {
  return value === '' || /^[A-Z]{2}$/.test(value) ? null : 'country: must be a two-letter ISO 3166-1 code such as DE';
}

export function checkTimeZone(value: string): string | null {
  return /^[A-Za-z0-9_+\-/]{1,64}$/.test(value) && !value.includes('..')
    ? null
    : 'time_zone: must be an IANA time zone such as Europe/Berlin';
}

/** An integer in [min, max] from a form field, or null. */
export function parseIntegerIn(text: string, min: number, max: number): number | null {
  if (!/^\s*\d{1,9}\s*$/.test(text)) return null;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : null;
}
