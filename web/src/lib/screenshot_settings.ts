// Organization settings → Tracking → Screenshots as a form and back (PUT /api/v1/org/tracking
// {"screenshots":{...}}). The ranges mirror the server's; its message wins and is shown next to
// the field it names ("$.screenshots.quality: must be between 10 and 95").
import { parseIntegerIn } from './validation';
import type { ScreenshotPolicy } from './types';

export type Scale = 'full' | 'half' | 'third' | 'quarter';
export type BlurMode = 'off' | 'light' | 'strong' | 'custom';

export const kScales: readonly { value: Scale; label: string; downscale: number }[] = [
  { value: 'full', label: 'Full size', downscale: 1 },
  { value: 'half', label: 'Half', downscale: 2 },
  { value: 'third', label: 'A third', downscale: 3 },
  { value: 'quarter', label: 'A quarter', downscale: 4 },
];

export const kBlurModes: readonly { value: BlurMode; label: string; px: number | null }[] = [
  { value: 'off', label: 'Off', px: 0 },
  { value: 'light', label: 'Light', px: 4 },
  { value: 'strong', label: 'Strong', px: 12 },
  { value: 'custom', label: 'Custom (pixels)', px: null },
];

export const kDefaultScreenshots: ScreenshotPolicy = { enabled: true, interval_s: 600, per_interval: 1, quality: 70, downscale: 1, blur_px: 0 };

export interface ScreenshotForm {
  enabled: boolean;
  perInterval: string;
  intervalMinutes: string;
  quality: string;
  scale: Scale;
  blur: BlurMode;
  blurPx: string;
}

/** Problems by field: enabled, per_interval, interval, quality, scale, blur. */
export type ScreenshotProblems = Record<string, string>;

export function screenshotForm(policy: ScreenshotPolicy): ScreenshotForm {
  const scale = kScales.find((entry) => entry.downscale === policy.downscale)?.value ?? 'full';
  const blur = kBlurModes.find((entry) => entry.px === policy.blur_px)?.value ?? 'custom';
  return {
    enabled: policy.enabled,
    perInterval: String(policy.per_interval),
    intervalMinutes: String(Math.round((policy.interval_s / 60) * 100) / 100),
    quality: String(policy.quality),
    scale,
    blur,
    blurPx: String(policy.blur_px),
  };
}

/** The changed keys of `policy`, or the problems found (then the patch is empty). */
export function screenshotPatch(form: ScreenshotForm, policy: ScreenshotPolicy): { patch: Partial<ScreenshotPolicy>; problems: ScreenshotProblems } {
  const problems: ScreenshotProblems = {};
  const next: Partial<ScreenshotPolicy> = { enabled: form.enabled };
  const perInterval = parseIntegerIn(form.perInterval, 1, 10);
  if (perInterval === null) problems.per_interval = 'must be a whole number from 1 to 10';
  else next.per_interval = perInterval;
  // A policy set through the API may have an interval that is not whole minutes: kept unless edited.
  if (form.intervalMinutes !== screenshotForm(policy).intervalMinutes) {
    const minutes = parseIntegerIn(form.intervalMinutes, 1, 60);
    if (minutes === null) problems.interval = 'must be a whole number of minutes from 1 to 60';
    else next.interval_s = minutes * 60;
  }
  const quality = parseIntegerIn(form.quality, 10, 95);
  if (quality === null) problems.quality = 'must be a whole number from 10 to 95';
  else next.quality = quality;
  next.downscale = kScales.find((entry) => entry.value === form.scale)?.downscale ?? 1;
  const preset = kBlurModes.find((entry) => entry.value === form.blur)?.px ?? null;
  if (preset !== null) {
    next.blur_px = preset;
  } else {
    const px = parseIntegerIn(form.blurPx, 0, 32);
    if (px === null) problems.blur = 'must be a whole number of pixels from 0 to 32';
    else next.blur_px = px;
  }
  if (Object.keys(problems).length > 0) return { patch: {}, problems };
  const patch: Partial<ScreenshotPolicy> = {};
  for (const key of Object.keys(next) as (keyof ScreenshotPolicy)[]) {
    if (next[key] !== policy[key]) Object.assign(patch, { [key]: next[key] });
  }
  return { patch, problems };
}

const kFieldOfKey: Record<string, string> = {
  enabled: 'enabled',
  per_interval: 'per_interval',
  interval_s: 'interval',
  quality: 'quality',
  downscale: 'scale',
  blur_px: 'blur',
};

/** The form field a server message names ("$.screenshots.quality: ..." -> quality), or null. */
export function screenshotServerProblem(message: string): { field: string | null; text: string } {
  const match = /^\$?\.?screenshots(?:\.(\w+))?: (.+)$/s.exec(message);
  if (!match) return { field: null, text: message };
  const key = match[1];
  const field = key !== undefined && Object.hasOwn(kFieldOfKey, key) ? (kFieldOfKey[key] ?? null) : null;
  return field ? { field, text: match[2] ?? message } : { field: null, text: message };
}
