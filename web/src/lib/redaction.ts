// The organization's redaction policy (GET/PUT /api/v1/org/redaction) as an editable form and
// back, a preview of the title rules done in the browser, examples of the URL modes, and the
// server's 400 messages mapped to the field their path names. The checks mirror what the
// server can be expected to refuse for sure (sizes, syntax, domain names); the server checks
// more (patterns that could take exponential time) and its message wins.
import type { RedactionPolicy, TitleAction, TitleRule, UrlMode } from './types';

export const kUrlModes: readonly UrlMode[] = ['full', 'strip_query', 'domain'];
export const kMaxTitleRules = 50;
export const kMaxPatternBytes = 256;
export const kMaxReplacementBytes = 64;
export const kMaxExcludedDomains = 500;
export const kMaxExcludedApps = 500;
export const kMaxDomainBytes = 253;
export const kMaxAppBytes = 255;
export const kDefaultReplacement = '•••';

/** The URL the mode examples are made of. */
export const kSampleUrl = 'https://ann:secret@docs.example.com:8443/guide/setup?user=ann&token=abc#install';

export const kUrlModeLabels: Record<UrlMode, string> = {
  full: 'Full URL',
  strip_query: 'Without query and fragment',
  domain: 'Domain only',
};

export interface RuleForm {
  /** Stable identity while rules are added, removed and reordered (not sent). */
  key: number;
  pattern: string;
  action: TitleAction;
  replacement: string;
}

export interface RedactionForm {
  urlMode: UrlMode;
  rules: RuleForm[];
  domains: string[];
  apps: string[];
}

/**
 * Problems by field: "urlMode", "rules" (the list), "rules.2" (a rule), "rules.2.pattern",
 * "rules.2.action", "rules.2.replacement", "domains", "domains.4" (an item), "apps", "apps.0".
 */
export type Problems = Record<string, string>;

let nextKey = 1;

/** A new rule as "Add rule" appends it. */
export function newRule(pattern = '', action: TitleAction = 'mask', replacement = kDefaultReplacement): RuleForm {
  return { key: nextKey++, pattern, action, replacement };
}

export function redactionForm(policy: RedactionPolicy): RedactionForm {
  return {
    urlMode: policy.url_mode,
    rules: policy.title_rules.map((rule) => newRule(rule.pattern, rule.action, rule.replacement ?? kDefaultReplacement)),
    domains: [...policy.excluded_domains],
    apps: [...policy.excluded_apps],
  };
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;
const kControl = /[\u0000-\u001f\u007f]/;

/** Why `pattern` cannot be a rule's pattern in a browser already; null when it compiles. */
export function patternProblem(pattern: string): string | null {
  const bytes = utf8Bytes(pattern);
  if (bytes === 0 || bytes > kMaxPatternBytes) return `must be 1 to ${kMaxPatternBytes} bytes`;
  try {
    new RegExp(pattern);
  } catch {
    return 'is not a valid regular expression';
  }
  return null;
}

export function replacementProblem(replacement: string): string | null {
  if (utf8Bytes(replacement) > kMaxReplacementBytes || kControl.test(replacement)) {
    return `must be at most ${kMaxReplacementBytes} bytes without control characters`;
  }
  return null;
}

const kHostLabel = /^[a-z0-9_-]+$/;

/**
 * An excluded domain as the server keeps it: trimmed, lowercased, without a trailing dot; a
 * pasted URL gives its host ("https://Mail.Example.com/x" -> "mail.example.com").
 */
export function normalizeDomain(text: string): { value: string } | { error: string } {
  let domain = text.trim().toLowerCase();
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/.exec(domain);
  if (url) domain = (url[1] ?? '').replace(/^.*@/, '').replace(/:\d*$/, '');
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  // Browsers report international hosts in their xn-- form, and the server takes only that.
  if (/[^\u0000-\u007f]/.test(domain)) {
    try {
      domain = new URL(`http://${domain}/`).hostname;
    } catch {
      return { error: 'must be a domain name such as example.com' };
    }
  }
  const labels = domain.split('.');
  if (domain === '' || utf8Bytes(domain) > kMaxDomainBytes || labels.some((label) => !kHostLabel.test(label))) {
    return { error: 'must be a domain name such as example.com' };
  }
  return { value: domain };
}

/** An excluded application (WM_CLASS, as the window reports it; compared case-insensitively). */
export function normalizeApp(text: string): { value: string } | { error: string } {
  const app = text.trim();
  const bytes = utf8Bytes(app);
  if (bytes === 0 || bytes > kMaxAppBytes || kControl.test(app)) {
    return { error: `must be an application name (WM_CLASS) of 1 to ${kMaxAppBytes} bytes without control characters` };
  }
  return { value: app };
}

/**
 * Adds `text` to a tag list (`kind` decides the check): the new list, or why not. Duplicates
 * are refused (domains exactly, apps case-insensitively, as the agents compare them).
 */
export function addTag(list: readonly string[], text: string, kind: 'domain' | 'app'): { list: string[] } | { error: string } {
  const normalized = kind === 'domain' ? normalizeDomain(text) : normalizeApp(text);
  if ('error' in normalized) return normalized;
  const max = kind === 'domain' ? kMaxExcludedDomains : kMaxExcludedApps;
  const same = (item: string) => (kind === 'domain' ? item === normalized.value : item.toLowerCase() === normalized.value.toLowerCase());
  if (list.some(same)) return { error: `${normalized.value} is already in the list` };
  if (list.length >= max) return { error: `must have at most ${max} items` };
  return { list: [...list, normalized.value] };
}

/** The policy to PUT, or the problems found first (then `policy` is null). */
export function redactionBody(form: RedactionForm): { policy: RedactionPolicy | null; problems: Problems } {
  const problems: Problems = {};
  if (!kUrlModes.includes(form.urlMode)) problems.urlMode = 'must be "full", "strip_query" or "domain"';
  if (form.rules.length > kMaxTitleRules) problems.rules = `must have at most ${kMaxTitleRules} rules`;
  const rules: TitleRule[] = form.rules.map((rule, index) => {
    const pattern = patternProblem(rule.pattern);
    if (pattern) problems[`rules.${index}.pattern`] = pattern;
    if (rule.action === 'drop') return { pattern: rule.pattern, action: 'drop' };
    const replacement = replacementProblem(rule.replacement);
    if (replacement) problems[`rules.${index}.replacement`] = replacement;
    return { pattern: rule.pattern, action: 'mask', replacement: rule.replacement };
  });
  const lists = [
    ['domains', form.domains, normalizeDomain, kMaxExcludedDomains],
    ['apps', form.apps, normalizeApp, kMaxExcludedApps],
  ] as const;
  for (const [field, items, normalize, max] of lists) {
    if (items.length > max) problems[field] = `must have at most ${max} items`;
    items.forEach((item, index) => {
      const checked = normalize(item);
      if ('error' in checked) problems[`${field}.${index}`] = checked.error;
    });
  }
  if (Object.keys(problems).length > 0) return { policy: null, problems };
  return {
    policy: { url_mode: form.urlMode, title_rules: rules, excluded_domains: [...form.domains], excluded_apps: [...form.apps] },
    problems,
  };
}

/** What one rule did to the sample title. */
export interface RuleStep {
  /** The pattern does not compile in the browser. */
  error: string | null;
  matched: boolean;
  /** The title after the rule (after a drop: ''). */
  after: string;
}

export interface Preview {
  title: string;
  /** The index of the rule that dropped the title; null when none did. */
  droppedBy: number | null;
  /** One per rule; rules after a drop are not run and have no step. */
  steps: RuleStep[];
}

/**
 * Applies `rules` in order to `title` as the agent does: mask replaces every non-empty match by
 * the literal replacement ("$1" stays "$1"); drop makes the title '' when the pattern matches,
 * and ends the chain. Rules whose pattern does not compile are skipped (the form reports them).
 * JavaScript's RegExp stands in for the agent's ECMAScript std::regex: they agree for the
 * patterns the server accepts, except that std::regex prefers the longest alternative.
 */
export function previewTitle(rules: readonly Pick<RuleForm, 'pattern' | 'action' | 'replacement'>[], title: string): Preview {
  let current = title;
  const steps: RuleStep[] = [];
  for (const [index, rule] of rules.entries()) {
    const problem = patternProblem(rule.pattern);
    if (problem) {
      steps.push({ error: problem, matched: false, after: current });
      continue;
    }
    const regex = new RegExp(rule.pattern, 'g');
    if (rule.action === 'drop') {
      const matched = new RegExp(rule.pattern).test(current);
      if (matched) {
        steps.push({ error: null, matched: true, after: '' });
        return { title: '', droppedBy: index, steps };
      }
      steps.push({ error: null, matched: false, after: current });
      continue;
    }
    let matched = false;
    current = current.replace(regex, (match: string) => {
      if (match === '') return match;
      matched = true;
      return rule.replacement;
    });
    steps.push({ error: null, matched, after: current });
  }
  return { title: current, droppedBy: null, steps };
}

/**
 * `url` as the agent keeps it under `mode` (userinfo is removed in every mode): "full" keeps
 * the rest, "strip_query" drops "?query" and "#fragment", "domain" keeps "scheme://host". ''
 * for anything that is not an http(s) URL with a host, as the agent does.
 */
export function reduceUrl(url: string, mode: UrlMode): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '';
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') return '';
  if (mode === 'domain') return `${parsed.protocol}//${parsed.hostname.replace(/\.$/, '')}`;
  parsed.username = '';
  parsed.password = '';
  if (mode === 'strip_query') {
    parsed.search = '';
    parsed.hash = '';
  }
  return parsed.href;
}

/**
 * A server message "$.title_rules[0].pattern: is not ..." as the field it names and the text
 * after the path; field null when the message names none of the form's fields.
 */
export function redactionProblem(message: string): { field: string | null; text: string } {
  const match = /^\$((?:\.[A-Za-z_]\w*|\[\d+\])*): (.+)$/s.exec(message);
  if (!match) return { field: null, text: message };
  const path = (match[1] ?? '').replace(/^\.redaction(?=\.|$)/, '');
  const text = match[2] ?? message;
  if (path === '.url_mode') return { field: 'urlMode', text };
  const rule = /^\.title_rules(?:\[(\d+)\](?:\.(pattern|action|replacement))?)?$/.exec(path);
  if (rule) {
    if (rule[1] === undefined) return { field: 'rules', text };
    return { field: rule[2] === undefined ? `rules.${rule[1]}` : `rules.${rule[1]}.${rule[2]}`, text };
  }
  const list = /^\.excluded_(domains|apps)(?:\[(\d+)\])?$/.exec(path);
  if (list) return { field: list[2] === undefined ? `${list[1]}` : `${list[1]}.${list[2]}`, text };
  return { field: null, text: message };
}

/** Moves the item at `from` by `delta` places (clamped); the same list when it cannot move. */
export function moveItem<T>(list: readonly T[], from: number, delta: number): T[] {
  const to = Math.min(Math.max(from + delta, 0), list.length - 1);
  const copy = [...list];
  if (from < 0 || from >= list.length || to === from) return copy;
  const [item] = copy.splice(from, 1);
  if (item !== undefined) copy.splice(to, 0, item);
  return copy;
}
