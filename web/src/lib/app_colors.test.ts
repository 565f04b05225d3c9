import { describe, expect, it } from 'vitest';
import { appColor, fnv1a, kAppPalette, kUnknownAppColor } from './app_colors';

describe('appColor', () => {
  it('is stable and ignores case and surrounding blanks', () => {
    expect(appColor('firefox')).toBe(appColor('Firefox'));
    expect(appColor(' xterm ')).toBe(appColor('xterm'));
    expect(appColor('code')).toBe(kAppPalette[fnv1a('code') % kAppPalette.length]);
  });

  it('takes colors from the palette, and a neutral one for no app', () => {
    for (const app of ['xterm', 'firefox', 'code', 'slack', 'libreoffice', 'gimp']) {
      expect(kAppPalette).toContain(appColor(app));
    }
    expect(appColor('')).toBe(kUnknownAppColor);
    expect(kAppPalette).not.toContain(kUnknownAppColor);
  });

  it('spreads common apps over several colors', () => {
    const apps = ['xterm', 'firefox', 'code', 'slack', 'libreoffice', 'gimp', 'thunderbird', 'chromium'];
    expect(new Set(apps.map(appColor)).size).toBeGreaterThanOrEqual(5);
  });
});

describe('fnv1a', () => {
  it('matches the reference values', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });
});
