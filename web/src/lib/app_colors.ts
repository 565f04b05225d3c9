// Stable colors for applications: the same app name gets the same color on every page and day.

/** Distinguishable, mid-saturation colors (Tableau 10 and its neighbours); grey is kept for idle. */
export const kAppPalette: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#1f77b4',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

/** The color of spans with no application name. */
export const kUnknownAppColor = '#64748b';

/** 32-bit FNV-1a of the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The color of `app` (case-insensitive: "Firefox" and "firefox" match). */
export function appColor(app: string): string {
  const key = app.trim().toLowerCase();
  if (key === '') return kUnknownAppColor;
  return kAppPalette[fnv1a(key) % kAppPalette.length] ?? kUnknownAppColor;
}
