import { describe, expect, it } from 'vitest';
import {
  checkCountry,
  checkEmail,
  checkName,
  checkNewPassword,
  checkTimeZone,
  isTotpCode,
  normalizeSecondFactor,
  parseIntegerIn,
  passwordHint,
  passwordStrength,
  utf8Length,
} from './validation';

describe('passwords', () => {
  it('grades by length: 8 minimum, 15 recommended, counting characters not bytes', () => {
    expect(passwordStrength('')).toBe('empty');
    expect(passwordStrength('1234567')).toBe('too-short');
    expect(passwordStrength('12345678')).toBe('acceptable');
    expect(passwordStrength('a'.repeat(14))).toBe('acceptable');
    expect(passwordStrength('a'.repeat(15))).toBe('good');
    expect(passwordStrength('😀'.repeat(8))).toBe('acceptable');
  });

  it('hints at what is missing', () => {
    expect(passwordHint('')).toMatch(/At least 8 characters; 15 or more recommended/);
    expect(passwordHint('abc')).toBe('Too short: 3 of at least 8 characters.');
    expect(passwordHint('abcdefgh')).toMatch(/15 or more characters would be stronger/);
  });

  it('refuses short and oversized new passwords with the field named', () => {
    expect(checkNewPassword('short')).toBe('password: must be at least 8 characters');
    expect(checkNewPassword('long enough')).toBeNull();
    expect(checkNewPassword('a'.repeat(1025))).toBe('password: must be at most 1024 bytes');
  });
});

describe('fields', () => {
  it('checks names in bytes after trimming', () => {
    expect(checkName('name', '  ')).toBe('name: must be 1..200 characters');
    expect(checkName('name', 'Ada')).toBeNull();
    expect(checkName('name', 'é'.repeat(101))).toBe('name: must be 1..200 characters');
    expect(checkName('name', 'x'.repeat(101), 100)).toBe('name: must be 1..100 characters');
    expect(utf8Length('é')).toBe(2);
  });

  it('checks emails', () => {
    expect(checkEmail('email', 'ada@example.org')).toBeNull();
    expect(checkEmail('email', ' ada@example.org ')).toBeNull();
    expect(checkEmail('email', 'ada@localhost')).toBe('email: must be an email address');
    expect(checkEmail('email', 'ada example@x.org')).toBe('email: must be an email address');
    expect(checkEmail('email', 'no-at-sign')).toBe('email: must be an email address');
  });

  it('checks country codes and time zones', () => {
    expect(checkCountry('')).toBeNull();
    expect(checkCountry('DE')).toBeNull();
    expect(checkCountry('de')).toMatch(/^country:/);
    expect(checkCountry('DEU')).toMatch(/^country:/);
    expect(checkTimeZone('Europe/Berlin')).toBeNull();
    expect(checkTimeZone('Etc/GMT+5')).toBeNull();
    expect(checkTimeZone('../etc/passwd')).toMatch(/^time_zone:/);
    expect(checkTimeZone('')).toMatch(/^time_zone:/);
    expect(checkTimeZone('Europe Berlin')).toMatch(/^time_zone:/);
  });

  it('parses bounded integers', () => {
    expect(parseIntegerIn('5', 1, 10)).toBe(5);
    expect(parseIntegerIn(' 10 ', 1, 10)).toBe(10);
    expect(parseIntegerIn('0', 1, 10)).toBeNull();
    expect(parseIntegerIn('11', 1, 10)).toBeNull();
    expect(parseIntegerIn('1.5', 1, 10)).toBeNull();
    expect(parseIntegerIn('', 1, 10)).toBeNull();
    expect(parseIntegerIn('-1', -5, 10)).toBeNull();
  });
});

describe('second factor', () => {
  it('accepts 6 digits (spaces dropped) or a recovery code', () => {
    expect(normalizeSecondFactor('123 456')).toBe('123456');
    expect(normalizeSecondFactor('abcde-12345')).toBe('abcde-12345');
    expect(normalizeSecondFactor(' abcde-12345 ')).toBe('abcde-12345');
    expect(normalizeSecondFactor('12345')).toBeNull();
    expect(normalizeSecondFactor('1234567')).toBeNull();
    expect(normalizeSecondFactor('abcde12345')).toBeNull();
    expect(isTotpCode('012345')).toBe(true);
    expect(isTotpCode('abcde-12345')).toBe(false);
  });
});
