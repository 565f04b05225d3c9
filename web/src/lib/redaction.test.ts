import { describe, expect, it } from 'vitest';
import {
  addTag,
  kDefaultReplacement,
  kSampleUrl,
  moveItem,
  newRule,
  normalizeApp,
  normalizeDomain,
  patternProblem,
  previewTitle,
  redactionBody,
  redactionForm,
  redactionProblem,
  reduceUrl,
} from './redaction';
import type { RedactionPolicy } from './types';

const kPolicy: RedactionPolicy = {
  url_mode: 'strip_query',
  title_rules: [
    { pattern: '\\S+@\\S+', action: 'mask', replacement: '[email]' },
    { pattern: '^Private - ', action: 'drop' },
  ],
  excluded_domains: ['bank.example'],
  excluded_apps: ['KeePassXC'],
};

describe('redactionForm and redactionBody', () => {
  it('round-trips a policy; drop rules carry no replacement', () => {
    const form = redactionForm(kPolicy);
    expect(form.rules.map((rule) => rule.replacement)).toEqual(['[email]', kDefaultReplacement]);
    expect(new Set(form.rules.map((rule) => rule.key)).size).toBe(2);
    expect(redactionBody(form)).toEqual({ policy: kPolicy, problems: {} });
  });

  it('names the fields with problems and sends nothing then', () => {
    const form = redactionForm(kPolicy);
    form.rules.push(newRule('(unclosed', 'mask', 'x'.repeat(65)), newRule('', 'drop'));
    form.domains.push('not a domain');
    form.apps.push('bad\u0007app');
    const { policy, problems } = redactionBody(form);
    expect(policy).toBeNull();
    expect(problems).toEqual({
      'rules.2.pattern': 'is not a valid regular expression',
      'rules.2.replacement': 'must be at most 64 bytes without control characters',
      'rules.3.pattern': 'must be 1 to 256 bytes',
      'domains.1': 'must be a domain name such as example.com',
      'apps.1': expect.stringMatching(/^must be an application name/),
    });
  });

  it('refuses more than 50 rules', () => {
    const form = redactionForm({ ...kPolicy, title_rules: Array.from({ length: 51 }, () => ({ pattern: 'a', action: 'drop' as const })) });
    expect(redactionBody(form).problems).toEqual({ rules: 'must have at most 50 rules' });
  });
});

describe('patternProblem', () => {
  it('counts UTF-8 bytes and compiles with RegExp', () => {
    expect(patternProblem('a'.repeat(256))).toBeNull();
    expect(patternProblem('a'.repeat(257))).toBe('must be 1 to 256 bytes');
    expect(patternProblem('é'.repeat(129))).toBe('must be 1 to 256 bytes');
    expect(patternProblem('[')).toBe('is not a valid regular expression');
    expect(patternProblem('(a+)+')).toBeNull();  // the server refuses it: its message is shown
  });
});

describe('normalizeDomain and normalizeApp', () => {
  it('lowercases, trims, drops the trailing dot and takes the host of a pasted URL', () => {
    expect(normalizeDomain('  Mail.Example.COM. ')).toEqual({ value: 'mail.example.com' });
    expect(normalizeDomain('https://user@Mail.Example.com:8443/inbox?x=1')).toEqual({ value: 'mail.example.com' });
    expect(normalizeDomain('bücher.de')).toEqual({ value: 'xn--bcher-kva.de' });
  });

  it('refuses what is not a domain name', () => {
    for (const bad of ['', '.', 'a..b', '.a.com', 'a b.com', 'a/b', 'x'.repeat(254), 'a:80']) {
      expect(normalizeDomain(bad)).toEqual({ error: 'must be a domain name such as example.com' });
    }
  });

  it('keeps apps as written, trimmed, 1..255 bytes without control characters', () => {
    expect(normalizeApp(' KeePassXC ')).toEqual({ value: 'KeePassXC' });
    expect('error' in normalizeApp('')).toBe(true);
    expect('error' in normalizeApp('x'.repeat(256))).toBe(true);
    expect('error' in normalizeApp('a\tb')).toBe(true);
  });
});

describe('addTag', () => {
  it('adds a normalized item and refuses duplicates', () => {
    expect(addTag(['a.com'], 'B.com', 'domain')).toEqual({ list: ['a.com', 'b.com'] });
    expect(addTag(['a.com'], 'A.COM.', 'domain')).toEqual({ error: 'a.com is already in the list' });
    expect(addTag(['KeePassXC'], 'keepassxc', 'app')).toEqual({ error: 'keepassxc is already in the list' });
    expect(addTag([], 'no such domain', 'domain')).toEqual({ error: 'must be a domain name such as example.com' });
  });

  it('stops at 500 items', () => {
    const full = Array.from({ length: 500 }, (_, index) => `d${index}.com`);
    expect(addTag(full, 'more.com', 'domain')).toEqual({ error: 'must have at most 500 items' });
  });
});

describe('previewTitle', () => {
  const email = newRule('\\S+@\\S+', 'mask', '[email]');
  const digits = newRule('\\d+', 'mask', '#');
  const privateDrop = newRule('^Private - ', 'drop');

  it('masks every match with the literal replacement, in order', () => {
    const preview = previewTitle([email, digits], 'Mail from ann@example.com (3 new, 12 total)');
    expect(preview.title).toBe('Mail from [email] (# new, # total)');
    expect(preview.droppedBy).toBeNull();
    expect(preview.steps.map((step) => step.matched)).toEqual([true, true]);
  });

  it('keeps "$1" literal and ignores empty matches', () => {
    expect(previewTitle([newRule('(a)', 'mask', '$1$&')], 'banana').title).toBe('b$1$&n$1$&n$1$&');
    expect(previewTitle([newRule('x*', 'mask', '!')], 'abc').title).toBe('abc');
    expect(previewTitle([newRule('x*', 'mask', '!')], 'axxb').title).toBe('a!b');
  });

  it('drops the title on a match and runs no later rule', () => {
    const preview = previewTitle([privateDrop, email], 'Private - ann@example.com');
    expect(preview).toEqual({ title: '', droppedBy: 0, steps: [{ error: null, matched: true, after: '' }] });
    expect(previewTitle([privateDrop], 'Public page').title).toBe('Public page');
  });

  it('skips a rule that does not compile and says why', () => {
    const preview = previewTitle([newRule('[', 'mask', 'x'), digits], 'room 12');
    expect(preview.title).toBe('room #');
    expect(preview.steps[0]).toEqual({ error: 'is not a valid regular expression', matched: false, after: 'room 12' });
  });
});

describe('reduceUrl', () => {
  it('shows what each mode keeps of the sample', () => {
    expect(reduceUrl(kSampleUrl, 'full')).toBe('https://docs.example.com:8443/guide/setup?user=ann&token=abc#install');
    expect(reduceUrl(kSampleUrl, 'strip_query')).toBe('https://docs.example.com:8443/guide/setup');
    expect(reduceUrl(kSampleUrl, 'domain')).toBe('https://docs.example.com');
  });

  it('gives "" for what is not an http(s) URL', () => {
    expect(reduceUrl('javascript:alert(1)', 'full')).toBe('');
    expect(reduceUrl('file:///etc/passwd', 'domain')).toBe('');
    expect(reduceUrl('not a url', 'strip_query')).toBe('');
  });
});

describe('redactionProblem', () => {
  it('maps the paths of the server\'s messages to the form\'s fields', () => {
    expect(redactionProblem('$.title_rules[0].pattern: repeats a group')).toEqual({ field: 'rules.0.pattern', text: 'repeats a group' });
    expect(redactionProblem('$.title_rules[12].replacement: too long')).toEqual({ field: 'rules.12.replacement', text: 'too long' });
    expect(redactionProblem('$.title_rules[3]: unknown key "x"')).toEqual({ field: 'rules.3', text: 'unknown key "x"' });
    expect(redactionProblem('$.title_rules: must have at most 50 items')).toEqual({ field: 'rules', text: 'must have at most 50 items' });
    expect(redactionProblem('$.url_mode: must be "full"')).toEqual({ field: 'urlMode', text: 'must be "full"' });
    expect(redactionProblem('$.excluded_domains[4]: must be a domain name')).toEqual({ field: 'domains.4', text: 'must be a domain name' });
    expect(redactionProblem('$.excluded_apps: must be an array')).toEqual({ field: 'apps', text: 'must be an array' });
    expect(redactionProblem('$.redaction.title_rules[1].action: bad')).toEqual({ field: 'rules.1.action', text: 'bad' });
  });

  it('leaves other messages whole', () => {
    expect(redactionProblem('only owners and admins change the policy')).toEqual({ field: null, text: 'only owners and admins change the policy' });
    expect(redactionProblem('$.other: x')).toEqual({ field: null, text: '$.other: x' });
    expect(redactionProblem('$: must be an object')).toEqual({ field: null, text: '$: must be an object' });
  });
});

describe('moveItem', () => {
  it('moves up and down, clamped at the ends', () => {
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveItem(['a', 'b', 'c'], 5, 1)).toEqual(['a', 'b', 'c']);
  });
});
