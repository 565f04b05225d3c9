import { describe, expect, it } from 'vitest';
import { qrPicture } from './qr';

/** The dark modules of a picture as a set of "x,y". */
function darkModules(path: string): Set<string> {
  const cells = new Set<string>();
  for (const match of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) cells.add(`${match[1]},${match[2]}`);
  return cells;
}

describe('qrPicture', () => {
  it('draws a version-1 code with a 4-module quiet zone for short text', () => {
    const picture = qrPicture('hello');
    expect(picture.size).toBe(21 + 8);
    const cells = darkModules(picture.path);
    for (const cell of cells) {
      const [x, y] = cell.split(',').map(Number);
      expect(x).toBeGreaterThanOrEqual(4);
      expect(y).toBeGreaterThanOrEqual(4);
      expect(x).toBeLessThan(25);
      expect(y).toBeLessThan(25);
    }
    // The top-left finder pattern: a dark 7x7 ring around a light ring and a dark 3x3 centre.
    expect(cells.has('4,4')).toBe(true);
    expect(cells.has('10,10')).toBe(true);
    expect(cells.has('5,5')).toBe(false);
    expect(cells.has('7,7')).toBe(true);
    expect(cells.has('11,4')).toBe(false);
  });

  it('grows with an otpauth URI and stays square', () => {
    const uri =
      'otpauth://totp/Worktrace:owner%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Worktrace&algorithm=SHA1&digits=6&period=30';
    const picture = qrPicture(uri);
    expect((picture.size - 8 - 17) % 4).toBe(0);
    expect(picture.size).toBeGreaterThan(29);
    expect(qrPicture(uri)).toEqual(picture);
    expect(qrPicture(uri + 'x').path).not.toBe(picture.path);
  });
});
