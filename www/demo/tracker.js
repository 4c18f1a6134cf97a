// A stand-in for a third-party tag, for the demo and its tests: when it runs it sets the flag
// its URL names (`/tracker.js?flag=NAME` sets `window.NAME = true`).
window[new URL(document.currentScript.src).searchParams.get('flag')] = true;
