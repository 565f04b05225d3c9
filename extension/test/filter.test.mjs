import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isReportable, selectReport } from '../src/lib/filter.js';

const kNone = -1;

function win(id, { incognito = false, tabs = [] } = {}) {
  return { id, focused: false, incognito, type: 'normal', tabs: tabs.map((t, i) => ({ id: id * 100 + i, windowId: id, incognito, active: false, ...t })) };
}

const normal = win(1, { tabs: [{ url: 'https://a.test/' }, { url: 'https://b.test/', active: true }] });
const other = win(2, { tabs: [{ url: 'https://c.test/', active: true }] });
const privateWindow = win(3, { incognito: true, tabs: [{ url: 'https://secret.test/', active: true }, { url: 'https://s2.test/' }] });

test('the active tab of the focused normal window is reported with the non-incognito tab count', () => {
  const pick = selectReport([normal, other, privateWindow], 1);
  assert.equal(pick.kind, 'tab');
  assert.equal(pick.tab.url, 'https://b.test/');
  assert.equal(pick.tabCount, 3);
  assert.equal(selectReport([normal, other, privateWindow], 2).tab.url, 'https://c.test/');
});

test('nothing when no browser window has the focus', () => {
  assert.equal(selectReport([normal, other], kNone), null);
  assert.equal(selectReport([normal, other], undefined), null);
  assert.equal(selectReport([normal], 99), null);
  assert.equal(selectReport(null, 1), null);
});

test('an incognito window or tab gives only the private marker, whatever else is open', () => {
  assert.deepEqual(selectReport([normal, privateWindow], 3), { kind: 'private' });
  // Whatever its active tab is: none, or a page that is not http(s).
  assert.deepEqual(selectReport([win(8, { incognito: true })], 8), { kind: 'private' });
  assert.deepEqual(selectReport([win(9, { incognito: true, tabs: [{ url: 'chrome://newtab/', active: true }] })], 9), { kind: 'private' });
  // A window whose incognito flag is missing is not trusted: nothing at all.
  const unknown = win(4, { tabs: [{ url: 'https://u.test/', active: true }] });
  delete unknown.incognito;
  assert.equal(selectReport([unknown], 4), null);
  // An incognito tab in a window claiming to be normal (cannot happen): private.
  const mixed = win(5, { tabs: [{ url: 'https://m.test/', active: true, incognito: true }] });
  assert.deepEqual(selectReport([mixed], 5), { kind: 'private' });
  // A tab whose incognito flag is missing: nothing.
  const unsure = win(10, { tabs: [{ url: 'https://n.test/', active: true, incognito: undefined }] });
  assert.equal(selectReport([unsure], 10), null);
  assert.equal(isReportable({ incognito: false, windowId: 1 }, { id: 1, incognito: true }), false);
  assert.equal(isReportable({ incognito: false, windowId: 2 }, { id: 1, incognito: false }), false);
  assert.equal(isReportable({ incognito: false, windowId: 1 }, { id: 1, incognito: false }), true);
});

test('nothing when the focused window has no active tab', () => {
  assert.equal(selectReport([win(6, { tabs: [{ url: 'https://x.test/' }] })], 6), null);
  assert.equal(selectReport([{ id: 7, incognito: false }], 7), null);
});
