import { describe, expect, it } from 'vitest';
import { applyActivityState, sortLive } from './activity';
import { LiveFeed } from './feed';
import type { LivePerson } from './types';

function person(user_id: number, name: string): LivePerson {
  return { user_id, name, email: `${user_id}@x`, team_ids: [], status: 'online', app: '', title: '', since: null, device_id: user_id, last_seen_at: null };
}

describe('LiveFeed', () => {
  it('orders a load and applies messages that arrived while it was in flight', async () => {
    let release: (people: LivePerson[]) => void = () => undefined;
    const published: LivePerson[][] = [];
    const feed = new LiveFeed<LivePerson>({
      load: () => new Promise((resolve) => (release = resolve)),
      prepare: sortLive,
      apply: applyActivityState,
      onItems: (items) => published.push(items),
      onError: () => undefined,
    });
    const loading = feed.reload();
    feed.handle({ type: 'activity.state', user_id: 2, device_id: 2, status: 'active', app: 'xterm', title: 't', since: 5 });
    release([person(2, 'Bea'), person(1, 'Al')]);
    await loading;
    expect(feed.current.map((p) => [p.user_id, p.status])).toEqual([
      [1, 'online'],
      [2, 'active'],
    ]);
    expect(published).toHaveLength(2);
  });

  it('reports a failed load and keeps the list', async () => {
    const errors: unknown[] = [];
    const feed = new LiveFeed<LivePerson>({
      load: () => Promise.reject(new Error('down')),
      apply: applyActivityState,
      onItems: () => undefined,
      onError: (error) => errors.push(error),
    });
    await feed.reload();
    expect(errors).toHaveLength(1);
    expect(feed.current).toEqual([]);
  });
});
