import { describe, expect, it } from 'vitest';
import { describeFailure, parseRetryAfter, withQuery } from './client';

describe('client helpers', () => {
  it('parses Retry-After seconds and ignores dates and junk', () => {
    expect(parseRetryAfter('5')).toBe(5);
    expect(parseRetryAfter(' 30 ')).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeNull();
    expect(parseRetryAfter('-1')).toBeNull();
    expect(parseRetryAfter('999999999')).toBe(24 * 3600);
  });

  it('adds the wait to 429 messages that lack it', () => {
    expect(describeFailure(429, 'slow down', 3)).toBe('slow down (try again in 3 s)');
    expect(describeFailure(429, 'slow down', null)).toBe('slow down');
    expect(describeFailure(503, 'busy', 3)).toBe('busy');
  });

  it('encodes query values', () => {
    expect(withQuery('/x', { q: 'a&b c', n: 0, skip: null, empty: '' })).toBe('/x?q=a%26b+c&n=0');
  });
});
