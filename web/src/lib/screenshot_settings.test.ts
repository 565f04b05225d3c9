import { describe, expect, it } from 'vitest';
import { kDefaultScreenshots, screenshotForm, screenshotPatch, screenshotServerProblem } from './screenshot_settings';

describe('screenshotForm', () => {
  it('shows the policy in the form\'s words', () => {
    expect(screenshotForm({ enabled: false, interval_s: 300, per_interval: 3, quality: 55, downscale: 2, blur_px: 12 })).toEqual({
      enabled: false,
      perInterval: '3',
      intervalMinutes: '5',
      quality: '55',
      scale: 'half',
      blur: 'strong',
      blurPx: '12',
    });
    expect(screenshotForm({ ...kDefaultScreenshots, blur_px: 7 }).blur).toBe('custom');
  });
});

describe('screenshotPatch', () => {
  it('sends only what changed', () => {
    const form = screenshotForm(kDefaultScreenshots);
    expect(screenshotPatch(form, kDefaultScreenshots)).toEqual({ patch: {}, problems: {} });
    const changed = { ...form, enabled: false, intervalMinutes: '10', perInterval: '3', scale: 'quarter' as const, blur: 'light' as const };
    expect(screenshotPatch(changed, kDefaultScreenshots).patch).toEqual({ enabled: false, per_interval: 3, downscale: 4, blur_px: 4 });
    expect(screenshotPatch({ ...form, intervalMinutes: '15' }, kDefaultScreenshots).patch).toEqual({ interval_s: 900 });
    expect(screenshotPatch({ ...form, blur: 'custom', blurPx: '20' }, kDefaultScreenshots).patch).toEqual({ blur_px: 20 });
  });

  it('keeps an interval that is not whole minutes unless edited', () => {
    const policy = { ...kDefaultScreenshots, interval_s: 90 };
    const form = screenshotForm(policy);
    expect(form.intervalMinutes).toBe('1.5');
    expect(screenshotPatch({ ...form, quality: '80' }, policy)).toEqual({ patch: { quality: 80 }, problems: {} });
  });

  it('names each field out of range', () => {
    const form = { ...screenshotForm(kDefaultScreenshots), perInterval: '11', intervalMinutes: '0', quality: '96', blur: 'custom' as const, blurPx: '33' };
    const { patch, problems } = screenshotPatch(form, kDefaultScreenshots);
    expect(patch).toEqual({});
    expect(Object.keys(problems).sort()).toEqual(['blur', 'interval', 'per_interval', 'quality']);
  });
});

describe('screenshotServerProblem', () => {
  it('puts the server\'s message next to the field', () => {
    expect(screenshotServerProblem('$.screenshots.quality: must be between 10 and 95')).toEqual({ field: 'quality', text: 'must be between 10 and 95' });
    expect(screenshotServerProblem('$.screenshots.blur_px: must be between 0 and 32').field).toBe('blur');
    expect(screenshotServerProblem('$.screenshots.interval_s: must be between 60 and 3600').field).toBe('interval');
    expect(screenshotServerProblem('$.screenshots.extra: unknown key').field).toBeNull();
    expect(screenshotServerProblem('something else').field).toBeNull();
  });
});
