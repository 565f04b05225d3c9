import { describe, expect, it } from 'vitest';
import type { PersonWebsites, TeamWebsites, TimelineSpan } from './types';
import {
  domainsOnly,
  formatShare,
  peopleSummary,
  personDomainRows,
  rangeBounds,
  shortUrl,
  spanDetails,
  teamDomainRows,
} from './websites';
import { dayBounds } from './zone_time';

const kPerson: PersonWebsites = {
  from: 0,
  to: 86_400_000,
  total_seconds: 1000,
  domains: [
    { domain: 'b.example', seconds: 250, pages: [] },
    {
      domain: 'a.example',
      seconds: 500,
      pages: [
        { url: 'https://a.example/', title: '', seconds: 100 },
        { url: 'https://a.example/docs', title: 'Docs', seconds: 400 },
      ],
    },
  ],
};

describe('personDomainRows', () => {
  it('sorts by time and gives shares of the total and bars relative to the largest', () => {
    const rows = personDomainRows(kPerson);
    expect(rows.map((row) => [row.domain, row.ms, row.share, row.width])).toEqual([
      ['a.example', 500_000, 50, 100],
      ['b.example', 250_000, 25, 50],
    ]);
    expect(rows[0]?.pages).toEqual([
      { url: 'https://a.example/docs', label: 'Docs', title: 'Docs', ms: 400_000, width: 100 },
      { url: 'https://a.example/', label: 'a.example', title: '', ms: 100_000, width: 25 },
    ]);
  });

  it('never lets a share pass 100% when the total is smaller than the listed time', () => {
    const rows = personDomainRows({ ...kPerson, total_seconds: 0 });
    expect(rows.map((row) => Math.round(row.share))).toEqual([67, 33]);
  });

  it('is empty for no domains', () => {
    expect(personDomainRows({ ...kPerson, total_seconds: 0, domains: [] })).toEqual([]);
  });
});

describe('domainsOnly', () => {
  it('is true when domains are listed and none has pages', () => {
    expect(domainsOnly(kPerson)).toBe(false);
    expect(domainsOnly({ ...kPerson, domains: [{ domain: 'a.example', seconds: 1, pages: [] }] })).toBe(true);
    expect(domainsOnly({ ...kPerson, domains: [] })).toBe(false);
  });
});

describe('teamDomainRows and peopleSummary', () => {
  const team: TeamWebsites = {
    from: 0,
    to: 1,
    total_seconds: 90,
    domains: [
      {
        domain: 'x.example',
        seconds: 90,
        people: [
          { user_id: 2, name: 'Bob', seconds: 30 },
          { user_id: 1, name: 'Ann', seconds: 60 },
          { user_id: 3, name: '', seconds: 30 },
        ],
      },
    ],
  };

  it('lists who spent the time, most first, then by name', () => {
    const [row] = teamDomainRows(team);
    expect(row?.share).toBe(100);
    expect(row?.people).toEqual([
      { userId: 1, name: 'Ann', ms: 60_000 },
      { userId: 3, name: '#3', ms: 30_000 },
      { userId: 2, name: 'Bob', ms: 30_000 },
    ]);
    expect(peopleSummary(row?.people ?? [])).toBe('Ann 1 min, #3 30 s, Bob 30 s');
  });
});

describe('formatShare', () => {
  it('rounds, marks tiny shares and clamps', () => {
    expect(formatShare(42.4)).toBe('42%');
    expect(formatShare(0.2)).toBe('<1%');
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(Number.NaN)).toBe('0%');
    expect(formatShare(100.2)).toBe('100%');
  });
});

describe('shortUrl', () => {
  it('drops the scheme and a lone trailing slash', () => {
    expect(shortUrl('https://example.com/')).toBe('example.com');
    expect(shortUrl('http://example.com/a/')).toBe('example.com/a/');
    expect(shortUrl('https://example.com/a?b=1')).toBe('example.com/a?b=1');
  });
});

describe('spanDetails', () => {
  const base: TimelineSpan = { start: 0, end: 1, app: 'firefox', exe: '', title: 'Docs', idle: false };

  it('shows the domain and the URL when it says more than the domain', () => {
    expect(spanDetails({ ...base, url: 'https://example.com/docs', domain: 'example.com' })).toEqual({
      private: false,
      domain: 'example.com',
      url: 'https://example.com/docs',
      editor: '',
    });
    expect(spanDetails({ ...base, url: 'https://example.com', domain: 'example.com' }).url).toBe('');
  });

  it('joins project and file; private spans show nothing else', () => {
    expect(spanDetails({ ...base, project: 'worktrace', file: 'web/src/lib/websites.ts' }).editor).toBe('worktrace · web/src/lib/websites.ts');
    expect(spanDetails({ ...base, app: '', title: '', private: true })).toEqual({ private: true, domain: '', url: '', editor: '' });
    expect(spanDetails(base)).toEqual({ private: false, domain: '', url: '', editor: '' });
  });
});

describe('rangeBounds', () => {
  it('is the day, or the 7 days ending with it across a DST change', () => {
    expect(rangeBounds('2026-03-30', 'day', 'Europe/Berlin')).toEqual(dayBounds('2026-03-30', 'Europe/Berlin'));
    const week = rangeBounds('2026-03-30', 'week', 'Europe/Berlin');
    expect(week.from).toBe(dayBounds('2026-03-24', 'Europe/Berlin').from);
    expect(week.to - week.from).toBe(7 * 86_400_000 - 3_600_000);
  });
});
