// The WebExtension namespace: Firefox's promise-based `browser`, else Chromium's `chrome`
// (whose MV3 APIs return promises too).
export const browserApi = globalThis.browser ?? globalThis.chrome;

export const kAddressKey = 'agentAddress';
