import { describe, expect, it } from 'vitest';
import {
  enrollCommand,
  formatCount,
  formatCpu,
  formatDuration,
  formatMemory,
  formatOs,
  formatRelativeTime,
  formatSince,
} from './format';

const kNow = Date.UTC(2025, 0, 15, 12, 0, 0);
const kMinute = 60_000;
const kHour = 60 * kMinute;
const kDay = 24 * kHour;

describe('formatRelativeTime', () => {
  it('says "just now" for the last 45 seconds and for small clock skew', () => {
    expect(formatRelativeTime(kNow, kNow)).toBe('just now');
    expect(formatRelativeTime(kNow - 44_000, kNow)).toBe('just now');
    expect(formatRelativeTime(kNow + 5_000, kNow)).toBe('just now');
  });

  it('uses minutes, hours, days, months and years', () => {
    expect(formatRelativeTime(kNow - 60_000, kNow)).toBe('1 minute ago');
    expect(formatRelativeTime(kNow - 5 * kMinute, kNow)).toBe('5 minutes ago');
    expect(formatRelativeTime(kNow - 3 * kHour, kNow)).toBe('3 hours ago');
    expect(formatRelativeTime(kNow - kDay, kNow)).toBe('yesterday');
    expect(formatRelativeTime(kNow - 4 * kDay, kNow)).toBe('4 days ago');
    expect(formatRelativeTime(kNow - 90 * kDay, kNow)).toBe('3 months ago');
    expect(formatRelativeTime(kNow - 2 * 365 * kDay, kNow)).toBe('2 years ago');
  });

  it('says "never" for a missing timestamp', () => {
    expect(formatRelativeTime(0, kNow)).toBe('never');
    expect(formatRelativeTime(Number.NaN, kNow)).toBe('never');
  });
});

describe('formatMemory', () => {
  it('shows GiB with one decimal below 10 GiB and whole numbers above', () => {
    expect(formatMemory(8 * 1024 ** 3)).toBe('8.0 GiB');
    expect(formatMemory(8_233_000_000)).toBe('7.7 GiB');
    expect(formatMemory(32 * 1024 ** 3)).toBe('32 GiB');
    expect(formatMemory(512 * 1024 ** 2)).toBe('0.5 GiB');
  });

  it('shows a dash when unknown', () => {
    expect(formatMemory(undefined)).toBe('—');
    expect(formatMemory(0)).toBe('—');
  });
});

describe('formatCpu', () => {
  it('joins the known parts', () => {
    expect(formatCpu('AMD EPYC 7B13', 2)).toBe('AMD EPYC 7B13 · 2 cores');
    expect(formatCpu('Intel Atom', 1)).toBe('Intel Atom · 1 core');
    expect(formatCpu('', 4)).toBe('4 cores');
    expect(formatCpu(undefined, 0)).toBe('—');
  });
});

describe('formatOs', () => {
  it('prefers the pretty name and appends the architecture', () => {
    expect(formatOs({ os_name: 'Debian GNU/Linux 12 (bookworm)', os_id: 'debian', arch: 'x86_64' })).toBe(
      'Debian GNU/Linux 12 (bookworm) · x86_64',
    );
  });

  it('falls back to id and version', () => {
    expect(formatOs({ os_id: 'debian', os_version: '12' })).toBe('debian 12');
    expect(formatOs({})).toBe('—');
  });
});

describe('enrollCommand', () => {
  it('names the server origin and the token', () => {
    expect(enrollCommand('https://wt.example.com', 'wte_abc')).toBe(
      'worktrace-agent enroll --server https://wt.example.com --token wte_abc',
    );
  });

  it('pins the server key when the server has one', () => {
    const pin = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    expect(enrollCommand('https://wt.example.com', 'wte_abc', pin)).toBe(
      `worktrace-agent enroll --server https://wt.example.com --token wte_abc --pin-sha256 ${pin}`,
    );
    expect(enrollCommand('http://127.0.0.1:8080', 'wte_abc', null)).toBe(
      'worktrace-agent enroll --server http://127.0.0.1:8080 --token wte_abc',
    );
  });
});

describe('formatDuration', () => {
  it('uses seconds, minutes, then hours and minutes', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(59_999)).toBe('59 s');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatDuration(2 * 3_600_000)).toBe('2 h');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(25 * 3_600_000)).toBe('25 h');
  });

  it('never shows a negative or unknown duration', () => {
    expect(formatDuration(-5_000)).toBe('0 s');
    expect(formatDuration(Number.NaN)).toBe('0 s');
  });
});

describe('formatSince', () => {
  const now = 1_764_400_000_000;

  it('says how long the state has lasted', () => {
    expect(formatSince(now - 12 * 60_000, now)).toBe('for 12 min');
    expect(formatSince(now - 20_000, now)).toBe('for less than a minute');
    expect(formatSince(now + 5_000, now)).toBe('for less than a minute');
    expect(formatSince(now - 3_700_000, now)).toBe('for 1 h 1 min');
  });

  it('is empty when the start is unknown', () => {
    expect(formatSince(null, now)).toBe('');
    expect(formatSince(0, now)).toBe('');
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(12345)).toBe('12,345');
    expect(formatCount(0)).toBe('0');
  });
});
