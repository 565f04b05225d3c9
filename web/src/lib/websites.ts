// Websites per person and per team (GET /people/{id}/websites, /teams/{id}/websites) as the
// dashboard lists them, and what a timeline span says about its page, editor file or privacy.
// Pure functions of the API's answers.
import { formatDuration } from './format';
import type { PersonWebsites, TeamWebsites, TimelineSpan, WebsitePage } from './types';
import { addDays, dayBounds } from './zone_time';

/** One domain as listed: its time, its share of the range's time with a domain, and a bar. */
export interface DomainRow {
  domain: string;
  ms: number;
  /** Percent (0..100) of the total time with a domain. */
  share: number;
  /** Bar width in percent of the largest domain (0..100). */
  width: number;
}

export interface PersonDomainRow extends DomainRow {
  pages: { url: string; label: string; title: string; ms: number; width: number }[];
}

export interface TeamDomainRow extends DomainRow {
  people: { userId: number; name: string; ms: number }[];
}

const secondsToMs = (seconds: number): number => (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0);

function rowsOf<T extends { domain: string; seconds: number }>(domains: readonly T[], totalSeconds: number): (DomainRow & { source: T })[] {
  // The total counts every domain (more than the 100 listed ones); never below what is listed.
  const listed = domains.reduce((sum, entry) => sum + secondsToMs(entry.seconds), 0);
  const total = Math.max(secondsToMs(totalSeconds), listed);
  const largest = Math.max(0, ...domains.map((entry) => secondsToMs(entry.seconds)));
  return [...domains]
    .sort((a, b) => b.seconds - a.seconds || a.domain.localeCompare(b.domain))
    .map((entry) => {
      const ms = secondsToMs(entry.seconds);
      return {
        domain: entry.domain,
        ms,
        share: total > 0 ? (ms / total) * 100 : 0,
        width: largest > 0 ? (ms / largest) * 100 : 0,
        source: entry,
      };
    });
}

/**
 * "https://example.com/docs/a?b" -> "example.com/docs/a?b": the URL without its scheme, and
 * without a lone trailing "/" (the page of "https://example.com/" is "example.com").
 */
export function shortUrl(url: string): string {
  const rest = url.replace(/^https?:\/\//i, '');
  return rest.endsWith('/') && rest.indexOf('/') === rest.length - 1 ? rest.slice(0, -1) : rest;
}

/** A person's domains, largest first, each with its pages (largest first) labelled by title. */
export function personDomainRows(data: PersonWebsites): PersonDomainRow[] {
  return rowsOf(data.domains, data.total_seconds).map(({ source, ...row }) => {
    const pages = [...source.pages].sort((a, b) => b.seconds - a.seconds);
    const largest = Math.max(0, ...pages.map((page) => secondsToMs(page.seconds)));
    return {
      ...row,
      pages: pages.map((page: WebsitePage) => {
        const ms = secondsToMs(page.seconds);
        return {
          url: page.url,
          label: page.title.trim() || shortUrl(page.url) || '(no address)',
          title: page.title,
          ms,
          width: largest > 0 ? (ms / largest) * 100 : 0,
        };
      }),
    };
  });
}

/** A team's domains, largest first, each with who spent the time (most first, then by name). */
export function teamDomainRows(data: TeamWebsites): TeamDomainRow[] {
  return rowsOf(data.domains, data.total_seconds).map(({ source, ...row }) => ({
    ...row,
    people: [...source.people]
      .sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name))
      .map((person) => ({ userId: person.user_id, name: person.name || `#${person.user_id}`, ms: secondsToMs(person.seconds) })),
  }));
}

/** "42%"; "<1%" for a share above 0 that rounds to 0; "0%" for none. */
export function formatShare(percent: number): string {
  if (!Number.isFinite(percent) || percent <= 0) return '0%';
  if (percent < 0.5) return '<1%';
  return `${Math.round(Math.min(percent, 100))}%`;
}

/** Whether every listed domain has no pages: the policy keeps domains only (or kept them so). */
export function domainsOnly(data: PersonWebsites): boolean {
  return data.domains.length > 0 && data.domains.every((entry) => entry.pages.length === 0);
}

/** "Ann 12 min, Bob 45 s" for a team's domain row. */
export function peopleSummary(people: readonly { name: string; ms: number }[]): string {
  return people.map((person) => `${person.name} ${formatDuration(person.ms)}`).join(', ');
}

/** The lines a timeline span's details show beyond its app and title. */
export interface SpanDetails {
  /** The app or domain is excluded: nothing but the time was recorded. */
  private: boolean;
  /** "example.com" and the kept URL (which may be just "https://example.com"); '' when none. */
  domain: string;
  url: string;
  /** "worktrace · web/src/lib/websites.ts"; '' when no editor reported one. */
  editor: string;
}

export function spanDetails(span: TimelineSpan): SpanDetails {
  if (span.private) return { private: true, domain: '', url: '', editor: '' };
  const url = span.url ?? '';
  const domain = span.domain || '';
  const editor = [span.project ?? '', span.file ?? ''].filter((part) => part !== '').join(' · ');
  // A URL that is only "scheme://domain" says nothing the domain does not.
  const shown = url !== '' && shortUrl(url) !== domain ? url : '';
  return { private: false, domain, url: shown, editor };
}

export type RangeKind = 'day' | 'week';

/**
 * The range of the team view in `zone`: the day, or the 7 days that end with it (each day's
 * bounds come from the zone, so DST changes are counted right).
 */
export function rangeBounds(day: string, kind: RangeKind, zone: string): { from: number; to: number } {
  const last = dayBounds(day, zone);
  if (kind === 'day') return last;
  return { from: dayBounds(addDays(day, -6), zone).from, to: last.to };
}
