/** The dashboard's pages. The server answers every extension-less path with index.html. */
export type Page = 'sign-in' | 'devices';

const kPaths: Record<Page, string> = {
  'sign-in': '/sign-in',
  devices: '/devices',
};

const kTitles: Record<Page, string> = {
  'sign-in': 'Sign in · Worktrace',
  devices: 'Devices · Worktrace',
};

/** Puts `page` in the address bar (replacing, as these are redirects) and the window title. */
export function showPage(page: Page): void {
  const path = kPaths[page];
  if (window.location.pathname !== path) window.history.replaceState(null, '', path);
  document.title = kTitles[page];
}
