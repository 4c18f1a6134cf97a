// Samtycke loader: runs only what the visitor allowed; loads the consent app only to ask.
// The collector serves this at /s/SITE.js, minified, with the site's configuration inlined.
// Budget: ≤ 2000 B brotli as served (`cargo xtask dist` prints it).
// Everything a returning visitor needs is here; everything that asks a question is in the app.
(function (w, d) {
  'use strict';
  if ((w.samtycke || {})._cfg) return;

  // {site, consentDays, refusalDays, app, wasm, layout, control, reload,
  //  disclosure: fingerprint of what the purposes disclose, text: {settings, load, blocked}}
  const C = __SAMTYCKE_CONFIG__;
  // A classic script's own element, while it runs (async or not).
  const base = new URL(d.currentScript.src).origin;
  const KEY = 'samtycke:' + C.site;
  const QUEUE = KEY + ':queue';
  const RECEIPTS = KEY + ':receipts';
  const subs = [];
  const mem = {}; // stands in for a blocked localStorage
  let current = null;

  w.dataLayer = w.dataLayer || [];
  function gtag() {
    w.dataLayer.push(arguments);
  }
  gtag('consent', 'default', {
    ad_storage: 'denied',
    analytics_storage: 'denied',
    ad_user_data: 'denied',
    ad_personalization: 'denied',
    wait_for_update: 500,
  });

  const load = (k) => {
    try {
      return JSON.parse(localStorage.getItem(k)) || mem[k];
    } catch (e) {
      return mem[k];
    }
  };
  const save = (k, v) => {
    mem[k] = v;
    try {
      localStorage.setItem(k, JSON.stringify(v));
    } catch (e) {}
  };

  // A record {v, at, d: {purpose: decision}, t, h: disclosure, id, g: Consent Mode, r: receipt}
  // holds while the purposes on offer and what they disclose are as they were when the visitor
  // decided (a policy version that changes no purpose asks nothing again), for consentDays if
  // it granted anything, else refusalDays.
  const valid = (r) => {
    if (!r || !r.d || r.h !== C.disclosure) return null;
    const granted = Object.values(r.d).includes('granted');
    return Date.now() - r.at < (granted ? C.consentDays : C.refusalDays) * 864e5 ? r : null;
  };
  const allowed = (el) => current && el.dataset.samtycke.split(/\s+/).every((p) => current.d[p] === 'granted');

  // Our words, in the language the collector chose from the browser's Accept-Language.
  const text = C.text;

  // Blocked elements come alive once all their purposes are granted. Scripts (inline or
  // `data-src`) are re-created, keeping their nonce, so that they run; frames and images get
  // their `data-src`. A blocked frame shows a placeholder that offers the settings.
  const RENAME = { 'data-src': 'src', 'data-type': 'type', type: 0, 'data-samtycke': 0 };
  function activate() {
    d.querySelectorAll('[data-samtycke]').forEach((el) => {
      if (el.samtyckeDone) return;
      if (!allowed(el)) {
        if (el.tagName === 'IFRAME' && !el.samtyckeHolder) placeholder(el);
        return;
      }
      el.samtyckeDone = true;
      if (el.samtyckeHolder) el.samtyckeHolder.remove();
      if (el.tagName !== 'SCRIPT') {
        el.hidden = false;
        if (el.dataset.src) el.src = el.dataset.src;
        return;
      }
      if (el.type !== 'text/plain') return;
      const s = d.createElement('script');
      for (const a of el.attributes) {
        const name = a.name in RENAME ? RENAME[a.name] : a.name;
        if (name) s.setAttribute(name, a.value);
      }
      if (el.nonce) s.nonce = el.nonce;
      s.async = false;
      s.text = el.text;
      el.replaceWith(s);
    });
  }

  function placeholder(frame) {
    const box = d.createElement('div');
    const root = box.attachShadow({ mode: 'open' });
    box.style.cssText =
      'display:grid;place-content:center;text-align:center;padding:1em;background:#eee;color:#111;font:1rem system-ui;max-width:100%;width:' +
      (frame.width || 300) + 'px;height:' + (frame.height || 150) + 'px';
    // Our own catalogue's words; a shadow root's button submits no form of the page's.
    root.innerHTML = '<p>' + text.blocked + '</p><button>' + text.load + '</button>';
    root.querySelector('button').onclick = () => S.open();
    frame.samtyckeHolder = box;
    frame.hidden = true;
    frame.before(box);
  }

  function apply(r) {
    current = r;
    if (r.g) gtag('consent', 'update', r.g);
    activate();
  }

  // The persistent way back to the settings: our small button (unless the site shows its own),
  // and any element of the site's marked `data-samtycke-open`. `all:initial` keeps the page's
  // CSS off it; `outline:revert` gives it back the browser's focus ring.
  function ready() {
    activate();
    // Form opt-ins, and any an earlier page could not sign before it went (the app's).
    if (d.querySelector('[data-samtycke-optin]') || load(KEY + ':pending')) boot();
    new MutationObserver(activate).observe(d.documentElement, { childList: true, subtree: true });
    if (C.control !== 'none') {
      const b = d.createElement('button');
      b.id = 'samtycke-settings';
      b.textContent = text.settings;
      b.style.cssText =
        'all:initial;outline:revert;position:fixed;bottom:8px;' + (C.control === 'bottom-right' ? 'right' : 'left') +
        ':8px;z-index:2147483646;padding:4px 10px;border-radius:9px;background:#111;color:#fff;font:13px system-ui;cursor:pointer';
      b.onclick = () => S.open();
      d.body.append(b);
    }
  }
  d.addEventListener('click', (e) => {
    if (e.target.closest?.('[data-samtycke-open]')) {
      e.preventDefault();
      S.open();
    }
  });

  // A countersigned receipt joins the visitor's own copies, and the stored decision it proves.
  function keep(id, receipt) {
    const r = load(KEY);
    if (r && r.id === id) {
      r.r = receipt;
      save(KEY, r);
    }
    save(RECEIPTS, (load(RECEIPTS) || []).concat({ id, at: Date.now(), receipt }).slice(-50));
  }

  // One request to the collector. `keepalive` lets it outlive the page: a form that navigates
  // away on submit does not cancel its opt-in.
  const post = (item) =>
    fetch(base + '/v1/receipts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(item.body || { request: item.jws }),
      credentials: 'omit',
      keepalive: true,
    });

  // Sends queued requests oldest first. Each leaves the queue once the collector has it (2xx)
  // or never can (4xx but 408/429: its problem document is in the network log); else it waits
  // for the next page or `online`.
  let sending = false;
  let again = false;
  async function flush() {
    if (sending) return void (again = true);
    sending = true;
    try {
      for (const item of load(QUEUE) || []) {
        const res = await post(item);
        if (res.ok) keep(item.id, (await res.json()).receipt);
        else if (res.status > 499 || [408, 429].includes(res.status)) break;
        save(QUEUE, (load(QUEUE) || []).filter((i) => i.id !== item.id));
      }
    } catch (e) {} // offline: retried later
    sending = false;
    if (again) {
      again = false;
      flush();
    }
  }

  let app = null;
  function boot() {
    app =
      app ||
      import(base + C.app)
        .then((m) => m.default({ module_or_path: base + C.wasm }))
        .catch((e) => {
          app = null;
          console.error('samtycke:', e);
        });
  }

  const S = (w.samtycke = {
    _cfg: { base, ...C },
    _layer: '',
    open() {
      if (S._show) S._show('settings');
      else {
        S._layer = 'settings';
        boot();
      }
    },
    get(p) {
      const r = valid(load(KEY));
      return (r && r.d[p]) || null;
    },
    on(ev, fn) {
      if (ev === 'change') subs.push(fn);
    },
    _receipts: () => load(RECEIPTS) || [],
    // From the app: stored and queued first, so that nothing is lost. `body` is the POST body
    // when it carries more than the request (a form's identifiers); a record-less submit (a
    // form opt-in) changes no page-wide decision.
    _submit(r, jws, body) {
      const item = { id: r.id, jws, body };
      save(QUEUE, (load(QUEUE) || []).concat(item));
      // A form's opt-in may be the page's last act: sent now, not behind earlier items still
      // in flight. The queue sends it again later; the collector answers that replay alike.
      if (body) post(item).catch(() => {});
      if (r.d) {
        const before = (current && current.d) || {};
        const withdrawn = Object.keys(before).filter((p) => before[p] === 'granted' && r.d[p] !== 'granted');
        r.h = C.disclosure;
        save(KEY, r);
        apply(r);
        const detail = { decisions: r.d, withdrawn };
        d.dispatchEvent(new CustomEvent('samtycke:change', { detail: detail }));
        // Each listener in its own task: one that throws neither stops the others nor us.
        subs.forEach((fn) => setTimeout(() => fn(detail)));
        // Scripts that ran cannot be unloaded: a site may prefer a clean page.
        if (C.reload && withdrawn.length) setTimeout(() => location.reload(), 50);
      }
      flush();
    },
  });

  const stored = valid(load(KEY));
  if (stored) apply(stored);
  else boot();
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', ready);
  else ready();
  flush();
  w.addEventListener('online', flush);
})(window, document);
