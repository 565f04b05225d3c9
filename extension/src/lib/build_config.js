// Values the build fixes per target; scripts/build-extension.mjs rewrites this file in each
// build (the browser's bucket name, and the agent address used until the popup sets one).
export const kBrowserName = 'chrome';
export const kDefaultAgentAddress = 'http://127.0.0.1:5600';
