import { describe, expect, it } from 'vitest';
import {
  enrollCommand,
  formatCpu,
  formatMemory,
  formatOs,
  formatRelativeTime,
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
});
