// The widget's bridge to WebCrypto, IndexedDB and the loader's window.samtycke (src/bridge.rs).
// Signing lives here: the device key is a non-extractable CryptoKey kept in IndexedDB, so no
// script, ours included, can read it, and the wasm carries no cryptography.

const enc = new TextEncoder();
const S = () => window.samtycke;

// The loader's config (www/loader.js names its fields) and `base`, the collector's origin.
export const config = () => S()._cfg;

// The site's keys in localStorage (`samtycke:SITE` + suffix) as JSON, never throwing: storage
// may be blocked or full. Writing `undefined` removes the key.
const storageKey = (suffix) => 'samtycke:' + config().site + suffix;
function readKey(suffix, fallback) {
  try {
    return JSON.parse(localStorage.getItem(storageKey(suffix))) || fallback;
  } catch (e) {
    return fallback;
  }
}
function writeKey(suffix, value) {
  try {
    if (value === undefined) localStorage.removeItem(storageKey(suffix));
    else localStorage.setItem(storageKey(suffix), JSON.stringify(value));
  } catch (e) {}
}

// Resolves once the page's HTML is parsed (the loader may start the app from <head>).
export function domReady() {
  return document.readyState !== 'loading'
    ? Promise.resolve()
    : new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }));
}

// The layer samtycke.open() asked for before the app was loaded, once.
export function takeLayer() {
  const layer = S()._layer || '';
  S()._layer = '';
  return layer;
}

// The purpose samtycke.open(purpose) asked to focus before the app was loaded, once.
export function takeFocus() {
  const purpose = S()._focus;
  S()._focus = undefined;
  return purpose;
}

export const onShow = (fn) => (S()._show = fn);

// The first layer the loader drew before the app (www/loader.js, `draw`), if it is on the page:
// where the visitor was in it ({focus: a selector of the focused element, '' when the focus is
// on the page; scroll: the panel's offset; pending: the button pressed meanwhile}); the drawing
// is taken down for the app to render in its place.
export function takeOver() {
  const host = document.getElementById('samtycke');
  const root = host && host.shadowRoot;
  const panel = root && root.querySelector('[role=dialog]');
  if (!panel) return null;
  const a = root.activeElement;
  // Nowhere (the page has no focus either): the heading, as the loader and the app take it.
  const nowhere = !document.activeElement || document.activeElement === document.body;
  const focus = !a
    ? nowhere
      ? 'h2'
      : ''
    : a.dataset.action
      ? '[data-action=' + a.dataset.action + ']'
      : a.dataset.language
        ? '[data-language=' + a.dataset.language + ']'
        : a.tagName === 'A'
          ? 'a'
          : 'h2';
  const taken = { focus, scroll: panel.scrollTop, pending: S()._pending || '', lang: panel.lang, version: config().version };
  S()._pending = '';
  panel.parentNode.remove();
  return taken;
}

// When the app will not draw the banner (nothing to ask, or it failed to start): the loader's
// drawing goes, with any press made on it, and the settings control comes back.
export function release() {
  const host = document.getElementById('samtycke');
  if (host && host.shadowRoot && !host.shadowRoot.querySelector('[data-app]')) host.remove();
  S()._pending = '';
  unfit();
}

export const bannerHost = () => S()._host();

// What only the settings layer needs of the banner's styles, beside the loader's first-layer
// sheet in the same shadow root (once per root).
let second;
export function addStyles(root, css) {
  try {
    second = second || new CSSStyleSheet();
    if (!second.cssRules.length) second.replaceSync(css);
    if (!root.adoptedStyleSheets.includes(second)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, second];
  } catch (e) {
    if (!root.querySelector('style[data-second]')) {
      const style = document.createElement('style');
      style.dataset.second = '';
      style.textContent = css;
      root.append(style);
    }
  }
}

// While the banner is open, the loader's settings control steps aside, and a bar or corner box
// gets room of its own after the page's content (an empty block kept last in <body>, as tall as
// the panel reaches up from the window's bottom), so that the page can scroll everything out
// from under it. The modal layout covers the page.
let sizer;
let room;
const control = (shown) => {
  const c = document.getElementById('samtycke-settings');
  if (c) c.style.display = shown ? '' : 'none';
};
export function fit(panel) {
  if (sizer) sizer.disconnect();
  control(false);
  if (panel.matches('.modal')) return room && room.remove();
  if (!room) {
    room = document.createElement('div');
    room.setAttribute('aria-hidden', 'true');
  }
  if (document.body.lastElementChild !== room) document.body.append(room);
  sizer = new ResizeObserver(() => {
    const height = Math.max(0, innerHeight - panel.getBoundingClientRect().top);
    room.style.cssText = 'display:block;margin:0;padding:0;border:0;height:' + height + 'px';
  });
  sizer.observe(panel);
}
export function unfit() {
  if (sizer) sizer.disconnect();
  if (room) room.remove();
  control(true);
}
export const stored = (purpose) => S().get(purpose);
export const submit = (record, jws) => S()._submit(record, jws);

// A form opt-in's signed request and the identifier it commits to, as the POST body of
// /v1/receipts (`SubmitReceipt`). Its record has no `d`: it changes no page-wide decision.
// `identifiers`: the visitor's address, and a guardian's after it for a child's opt-in.
export function submitOptIn(id, jws, identifiers, purpose) {
  S()._submit({ id }, jws, { request: jws, identifiers });
  // Offered for withdrawal only where the device key lasts: a withdrawal signed by another key
  // would be filed under another subject, and the opt-in would stand.
  if (keyKept) {
    const given = readKey(':optins', {});
    given[purpose] = { id, at: Date.now() };
    writeKey(':optins', given);
  }
}

// The form opt-ins this browser gave and has not withdrawn, {purpose: {id, at}}: the settings
// offer to withdraw them, as easily as the box was ticked.
// Those the collector has acknowledged or that wait in the queue: one it refused was never given.
export function signedUp() {
  const given = readKey(':optins', {});
  const known = new Set(
    receipts()
      .filter((r) => r.receipt)
      .concat(readKey(':queue', []))
      .map((r) => r.id),
  );
  return Object.keys(given).filter((purpose) => known.has((given[purpose] || {}).id));
}

// A withdrawal of a form opt-in: like the opt-in, it changes no page-wide decision.
export function submitWithdrawal(id, jws, purpose) {
  S()._submit({ id }, jws);
  const given = readKey(':optins', {});
  delete given[purpose];
  writeKey(':optins', given);
}
export const gpc = () => navigator.globalPrivacyControl === true;

// Opt-ins submitted before they could be signed (src/optin/pending.rs): notes {request, email},
// the request lacking its commitment, kept until signed. The loader starts the app on a page
// where some are left.
// Without storage a note lives only as long as this page.
const pendingNotes = () => readKey(':pending', []);
const writeNotes = (notes) => writeKey(':pending', notes.length ? notes : undefined);
export function keepPending(request, email, guardian) {
  const note = guardian ? { request, email, guardian } : { request, email };
  writeNotes(pendingNotes().concat(note));
  return note;
}
const strike = (id) => writeNotes(pendingNotes().filter((n) => n.request.receiptId !== id));
// Handing over and striking the note happen in one task: the page keeps one or the other.
export async function completePending(note) {
  const committed = [await commitEmail(note.email)];
  if (note.guardian) committed.push(await commitEmail(note.guardian, 'guardian-email'));
  const jws = await sign({ ...note.request, identifierCommitments: committed.map((c) => c.commitment) });
  const id = note.request.receiptId;
  submitOptIn(id, jws, committed.map((c) => c.identifier), Object.keys(note.request.decisions)[0]);
  strike(id);
}
// Each note on its own: one that fails waits for the next page without holding up the others.
// A note older than 30 days goes unsent: the address it holds should not stay in the browser.
export async function resumePending() {
  let failure;
  for (const note of pendingNotes()) {
    if (Date.now() / 1000 - note.request.consentTimestamp > 30 * 86400) {
      strike(note.request.receiptId);
      continue;
    }
    try {
      await completePending(note);
    } catch (e) {
      failure = e;
    }
  }
  if (failure) throw failure;
}

// The loader's stored record {v, at, d, id, g, r, t}, or null, straight from localStorage.
export const storedRecord = () => readKey('', null);

// When the decision on a purpose was made: the record's `t`, else (older records) its `at`.
export function decidedAt(purpose) {
  const r = storedRecord();
  return r ? (r.t && r.t[purpose]) || r.at : undefined;
}

// The index of the first of the visitor's languages among `tags` (space-separated primary
// subtags, the policy's default first), by primary subtag; else 0.
export function pickLanguage(tags) {
  const list = tags.split(' ');
  for (const l of navigator.languages || [navigator.language]) {
    const i = list.indexOf(String(l).split('-')[0].toLowerCase());
    if (i >= 0) return i;
  }
  return 0;
}

export function formatTime(ms, lang) {
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
  } catch (e) {
    return new Date(ms).toISOString();
  }
}

// The visitor's countersigned receipts [{id, at, receipt}], from the loader's `_receipts`;
// where it has none, the one in the stored record.
function receipts() {
  try {
    if (S()._receipts) return S()._receipts() || [];
    const r = storedRecord();
    return r && r.r ? [{ id: r.id, at: r.at, receipt: r.r }] : [];
  } catch (e) {
    return [];
  }
}

export const hasReceipts = () => receipts().some((x) => x.receipt);

// Saves every receipt, with where to find the keys that verify them, as a JSON file.
export function downloadReceipts() {
  const c = config();
  const body = {
    site: c.site,
    receipts: receipts().filter((x) => x.receipt).map((x) => ({ receiptId: x.id, receipt: x.receipt, at: x.at })),
    jwks: c.base + '/.well-known/jwks.json',
  };
  const url = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'samtycke-receipts-' + c.site + '.json';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The element matching `selector` in the panel, else its heading (a purpose the policy lacks,
// say), takes the focus without scrolling the page.
export const focus = (panel, selector) =>
  (panel.querySelector(selector) || panel.querySelector('h2'))?.focus({ preventScroll: true });

// A modal dialog's focus trap: Tab from the last visible control goes to the first, Shift+Tab
// from the first (or from the heading, which holds the focus on opening) to the last.
export function trapTab(event, panel) {
  const all = [...panel.querySelectorAll('a[href],button,input,select,summary')].filter(
    (e) => !e.disabled && e.getClientRects().length
  );
  if (!all.length) return;
  const active = panel.getRootNode().activeElement;
  const first = all[0];
  const last = all[all.length - 1];
  const at = all.indexOf(active);
  if (event.shiftKey ? at <= 0 : at === all.length - 1 || at < 0) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}
export const randomUUID = () => crypto.randomUUID();

// Form opt-ins: `<div data-samtycke-optin="PURPOSE" data-email="SELECTOR">` in the site's forms.
export const optins = () => Array.from(document.querySelectorAll('[data-samtycke-optin]'));

// The language in effect at an element (its nearest `lang`), or ''.
export const langAt = (el) => (el.closest('[lang]') || {}).lang || '';

// The field an opt-in's `data-email` names (default: the form's first e-mail input), among its
// form's own fields.
function emailField(el) {
  const selector = el.dataset.email || 'input[type=email]';
  const form = el.closest('form');
  try {
    // Only the form's own fields (`form.elements` includes those tied to it by `form=`): an
    // address typed into another form on the page, a login say, is not this form's.
    return (form && Array.from(form.elements).find((field) => field.matches(selector))) || null;
  } catch (e) {
    return null; // not a valid selector
  }
}

// The address in the opt-in's e-mail field, normalised as commitments normalise it, if it is
// plausible: one `@` with something before it, a dotted domain, no spaces. The collector checks
// it fully; this only keeps an empty or half-typed field from being signed. Else undefined.
export function emailAt(el) {
  const field = emailField(el);
  return plausibleEmail(field && typeof field.value === 'string' ? field.value : '');
}

// `text` normalised as commitments normalise an address, if it is plausible; else undefined.
export function plausibleEmail(text) {
  const address = normaliseEmail(text);
  return /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(address) && address.length <= 254 ? address : undefined;
}

// Calls `onSubmit` when the form around `el` is submitted, and `onInput` when any of its fields
// changes; false when `el` is in no form. The submit listener captures at the document, ahead of
// the site's own: it runs even if a site script stops the event, and never stops or prevents it.
export function watchForm(el, onSubmit, onInput) {
  const form = el.closest('form');
  if (!form) return false;
  document.addEventListener('submit', (e) => e.target === form && onSubmit(), true);
  form.addEventListener('input', () => onInput());
  return true;
}

// An address as `samtycke_shared::commitment::normalise` writes it: trimmed, lower-cased, and the
// domain in its ASCII (IDNA) form, by the URL parser's own "domain to ASCII" (the collector runs
// the same algorithm), so that an internationalised domain and its punycode are one address. A
// domain with characters the URL parser would read as more than a host, or that it refuses or
// reads as an IPv4 address, is left as typed, as the collector leaves it.
function normaliseEmail(raw) {
  const address = raw.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || !domain || /[\s\/?#:@%\\[\]]/.test(domain)) return address;
  try {
    const host = new URL('http://' + domain).hostname;
    return /^[\d.]*$/.test(host) ? address : address.slice(0, at + 1) + host;
  } catch (e) {
    return address;
  }
}

// A salted commitment to a normalised e-mail address, as `samtycke_shared::commitment` makes it
// (DESIGN.md §7): {identifier: {type: 'email', value: address, salt: 16 random bytes as unpadded
// base64url}, commitment: unpadded base64url of the SHA-256 of "email:" + address + ":" + salt}.
// `type`: `email`, or `guardian-email` for a parent's or guardian's address (Art 8).
export async function commitEmail(address, type = 'email') {
  const salt = b64u(crypto.getRandomValues(new Uint8Array(16)));
  const digest = await crypto.subtle.digest('SHA-256', enc.encode(type + ':' + address + ':' + salt));
  return { identifier: { type, value: address, salt }, commitment: b64u(digest) };
}

export function adoptStyles(root, css) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return true;
  } catch (e) {
    return false;
  }
}

// Expires cookies (space-separated names) on this host and each parent domain, for the root
// path and each folder of this page's path: a cookie goes only when name, domain and path match.
export function dropCookies(names) {
  const parts = location.hostname.split('.');
  const folders = location.pathname.split('/').slice(1, -1);
  const paths = ['/'].concat(folders.map((_, i) => '/' + folders.slice(0, i + 1).join('/')));
  for (const name of names.split(' ')) {
    for (let i = 0; i < parts.length; i++) {
      const domain = i ? '; domain=.' + parts.slice(i - 1).join('.') : '';
      for (const path of paths) document.cookie = name + '=; Max-Age=0; path=' + path + domain;
    }
  }
}

export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// The policy, parsed here so that the wasm needs no JSON parser, and the SHA-256 of its bytes,
// taken before any decoding: receipts cite the document exactly as served.
export async function fetchPolicy(url) {
  const res = await fetch(url, { credentials: 'omit' });
  if (!res.ok) throw new Error('policy ' + url + ' answered ' + res.status);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { document: JSON.parse(new TextDecoder().decode(bytes)), sha256: await sha256Hex(bytes) };
}

const b64u = (data) => {
  const bytes = new Uint8Array(data);
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

// One request on the `keys` store of the `samtycke` database; resolves with its result.
function idb(mode, request) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('samtycke', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('keys', mode);
      const req = request(tx.objectStore('keys'));
      tx.oncomplete = () => {
        db.close();
        resolve(req.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(tx.error);
      };
    };
  });
}

async function generate() {
  try {
    return await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  } catch (e) {
    return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  }
}

const read = () => idb('readonly', (s) => s.get('device')).catch(() => undefined);

// Whether the device key outlives this page (IndexedDB holds it).
let keyKept = false;

// The device key from IndexedDB, else a new one. `add`, not `put`: two tabs creating keys at
// once keep the first stored. Without IndexedDB the key lasts for this page only.
async function loadOrCreate() {
  let pair = await read();
  keyKept = !!pair;
  if (!pair) {
    pair = await generate();
    try {
      await idb('readwrite', (s) => s.add(pair, 'device'));
      keyKept = true;
    } catch (e) {
      const stored = await read();
      keyKept = !!stored;
      pair = stored || pair;
    }
  }
  const alg = pair.privateKey.algorithm.name === 'Ed25519' ? 'EdDSA' : 'ES256';
  const k = await crypto.subtle.exportKey('jwk', pair.publicKey);
  // Only the members of the RFC 7638 thumbprint, which is the subject's pseudonym.
  const jwk = k.kty === 'OKP' ? { kty: k.kty, crv: k.crv, x: k.x } : { kty: k.kty, crv: k.crv, x: k.x, y: k.y };
  return { key: pair.privateKey, alg, jwk };
}

let device;

// A compact JWS of the payload (an object, signed as JSON text), public key as `jwk` in the
// protected header.
// WebCrypto's ECDSA signature is already the raw r||s that ES256 wants.
export async function sign(payload) {
  device = device || loadOrCreate().catch((e) => {
    device = undefined;
    throw e;
  });
  const { key, alg, jwk } = await device;
  const input = b64u(enc.encode(JSON.stringify({ alg, jwk }))) + '.' + b64u(enc.encode(JSON.stringify(payload)));
  const params = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  return input + '.' + b64u(await crypto.subtle.sign(params, key, enc.encode(input)));
}
