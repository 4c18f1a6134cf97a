/*! Samtycke loader: runs only what the visitor allowed; loads the consent app only to ask. */
// The collector serves this at /s/SITE.js with the site's configuration inlined. ≤ 2 KB brotli.
(function (w, d) {
  'use strict';
  if (w.samtycke && w.samtycke._cfg) return;

  const C = __SAMTYCKE_CONFIG__;
  const me = d.currentScript || d.querySelector('script[src*="/s/' + C.site + '.js"]');
  const base = new URL(me.src).origin;
  const KEY = 'samtycke:' + C.site;
  const QUEUE = KEY + ':queue';
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
      return JSON.parse(localStorage.getItem(k)) || null;
    } catch (e) {
      return mem[k] || null;
    }
  };
  const save = (k, v) => {
    mem[k] = v;
    try {
      localStorage.setItem(k, JSON.stringify(v));
    } catch (e) {}
  };

  // A record {v, at, d: {purpose: decision}, id, g: Consent Mode, r: receipt} holds for this
  // policy version, consentDays if it granted anything, else refusalDays.
  const valid = (r) => {
    if (!r || r.v !== C.policyVersion || !r.d) return null;
    const granted = Object.keys(r.d).some((p) => r.d[p] === 'granted');
    return Date.now() - r.at < (granted ? C.consentDays : C.refusalDays) * 864e5 ? r : null;
  };

  // Blocked elements whose purposes are all granted come alive, once.
  const RENAME = { 'data-src': 'src', 'data-type': 'type', type: 0, 'data-samtycke': 0 };
  function activate(dec) {
    d.querySelectorAll('script[type="text/plain"][data-samtycke],iframe[data-samtycke][data-src]').forEach((el) => {
      if (el.samtyckeDone || !el.getAttribute('data-samtycke').split(/\s+/).every((p) => dec[p] === 'granted')) return;
      el.samtyckeDone = true;
      if (el.tagName === 'IFRAME') return void (el.src = el.getAttribute('data-src'));
      const s = d.createElement('script');
      for (const a of el.attributes) {
        const name = a.name in RENAME ? RENAME[a.name] : a.name;
        if (name) s.setAttribute(name, a.value);
      }
      if (el.nonce) s.nonce = el.nonce;
      s.async = false;
      s.text = el.text;
      el.parentNode.replaceChild(s, el);
    });
  }

  function apply(r) {
    current = r;
    if (r.g) gtag('consent', 'update', r.g);
    activate(r.d);
  }
  d.addEventListener('DOMContentLoaded', () => current && activate(current.d));

  function keep(id, receipt) {
    const r = load(KEY);
    if (r && r.id === id && receipt) {
      r.r = receipt;
      save(KEY, r);
    }
  }

  // Sends queued requests oldest first. Each leaves the queue once the collector has it (2xx)
  // or never can (4xx but 408/429); else it waits for the next page or `online`.
  let sending = false;
  let again = false;
  async function flush() {
    if (sending) return void (again = true);
    sending = true;
    try {
      for (const item of load(QUEUE) || []) {
        const res = await fetch(base + '/v1/receipts', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ request: item.jws }),
          credentials: 'omit',
        });
        if (res.ok) keep(item.id, (await res.json()).receipt);
        else if (res.status >= 500 || res.status === 408 || res.status === 429) break;
        else console.warn('samtycke: receipt refused', res.status);
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
    app = app || import(base + C.app)
      .then((m) => m.default({ module_or_path: base + C.wasm }))
      .catch((e) => {
        app = null;
        console.error('samtycke:', e);
      });
  }

  const S = (w.samtycke = {
    _cfg: Object.assign({ base: base }, C),
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
      if (ev === 'change' && typeof fn === 'function') subs.push(fn);
    },
    // From the app: stored and queued first, so that nothing is lost.
    _submit(r, jws) {
      save(QUEUE, (load(QUEUE) || []).concat({ id: r.id, jws: jws }));
      save(KEY, r);
      apply(r);
      d.dispatchEvent(new CustomEvent('samtycke:change', { detail: r.d }));
      subs.forEach((fn) => {
        try {
          fn(r.d);
        } catch (e) {
          console.error(e);
        }
      });
      flush();
    },
  });

  const stored = valid(load(KEY));
  if (stored) apply(stored);
  else boot();
  flush();
  w.addEventListener('online', flush);
})(window, document);
