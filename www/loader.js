// Samtycke loader: runs only what the visitor allowed; shows the banner's first layer at once
// when a decision is needed, and loads the consent app to take it over.
// The collector serves this at /s/SITE.js, minified, with the site's configuration inlined.
// Budget: ≤ 4000 B brotli as served (`cargo xtask bench widget` prints it).
// Everything a returning visitor needs is here; everything that decides is in the app.
(function (w, d) {
  'use strict';
  if ((w.samtycke || {})._cfg) return;

  // {site, version: the policy's, consentDays, refusalDays, app, wasm, layout, control, reload
  //  (the last three left out at their defaults: "bar", "bottom-left", false),
  //  disclosure: fingerprint of what the purposes disclose,
  //  css: the banner's stylesheet, banner: its first layer as the collector rendered it,
  //  lang: the language of that rendering, chosen from the browser's Accept-Language,
  //  words: {LANG: {settings, load, provider, names: {purpose: name}}} in each policy language}
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

  // Our words on the page (settings control, embed placeholders) in the page's language where
  // the policy has it, else in the banner's, which the collector chose from the browser.
  const words = C.words[(d.documentElement.lang || '').split('-')[0].toLowerCase()] || C.words[C.lang];

  // Blocked elements come alive once all their purposes are granted. Scripts (inline or
  // `data-src`) are re-created, keeping their nonce, so that they run; frames and images get
  // their `data-src`. A blocked frame shows a placeholder that offers its purpose's switch.
  const RENAME = { 'data-src': 'src', 'data-type': 'type', type: 0, 'data-samtycke': 0 };
  const activate = (root) => {
    if (root.matches && root.matches('[data-samtycke]')) one(root);
    root.querySelectorAll('[data-samtycke]').forEach(one);
  };
  function one(el) {
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
  }

  // Element `tag` with `text`, styled through the CSSOM (which a strict style-src allows).
  const make = (tag, text, css) => {
    const e = d.createElement(tag);
    e.textContent = text;
    e.style.cssText = css;
    return e;
  };

  // In the frame's place: which purpose it waits for, whose content it is, and the way to that
  // purpose's switch in the settings (a button of a readable size, dark on the light box).
  function placeholder(frame) {
    const purpose = frame.dataset.samtycke.split(/\s+/)[0];
    const box = d.createElement('div');
    box.style.cssText =
      'display:grid;place-content:center;gap:.5em;text-align:center;box-sizing:border-box;padding:1em;background:#eee;color:#111;font:1rem/1.4 system-ui,sans-serif;max-width:100%;width:' +
      (frame.width || 300) + 'px;min-height:' + (frame.height || 150) + 'px';
    let host = frame.dataset.src;
    try {
      host = new URL(host, location.href).hostname;
    } catch (e) {} // not a URL: named as written
    // Our words and the policy's names as text: a shadow root's button submits no page form.
    const b = make('button', words.load, 'font:inherit;padding:.75em 1em;border:0;border-radius:8px;background:#111;color:#fff;cursor:pointer');
    b.onclick = () => S.open(purpose);
    box.attachShadow({ mode: 'open' }).append(make('b', words.names[purpose] || purpose, ''), make('span', words.provider + ' ' + host, ''), b);
    frame.samtyckeHolder = box;
    frame.hidden = true;
    frame.before(box);
  }

  function apply(r) {
    current = r;
    if (r.g) gtag('consent', 'update', r.g);
    activate(d);
  }

  // The persistent way back to the settings: our small button (unless the site shows its own),
  // and any element of the site's marked `data-samtycke-open`. `all:initial` keeps the page's
  // CSS off it; `outline:revert` gives it back the browser's focus ring.
  let control = null;
  function ready() {
    activate(d);
    // Form opt-ins, and any an earlier page could not sign before it went (the app's).
    if (d.querySelector('[data-samtycke-optin]') || load(KEY + ':pending')) boot();
    // Only what was added is looked at: a busy page's changes cost no scan of the whole document.
    new MutationObserver((changes) => {
      for (const c of changes) for (const n of c.addedNodes) if (n.nodeType === 1) activate(n);
    }).observe(d.documentElement, { childList: true, subtree: true });
    if (C.control !== 'none') {
      control = make(
        'button',
        words.settings,
        'all:initial;outline:revert;position:fixed;bottom:8px;' + (C.control === 'bottom-right' ? 'right' : 'left') +
          ':8px;z-index:2147483646;padding:4px 10px;border-radius:9px;background:#111;color:#fff;font:13px system-ui;cursor:pointer',
      );
      control.id = 'samtycke-settings';
      control.onclick = () => S.open();
      d.body.append(control);
      // It steps aside while the banner is open (the app's bridge shows it again on closing).
      if (host && host.isConnected) control.style.display = 'none';
    }
  }
  d.addEventListener('click', (e) => {
    if (e.target.closest?.('[data-samtycke-open]')) {
      e.preventDefault();
      S.open();
    }
  });

  // The banner's host: a <div id="samtycke"> appended to <body> with an open shadow root that
  // the first layer's stylesheet styles (constructed: no style-src needed). The first layer the
  // collector rendered is drawn in it at once; the app draws in the same host.
  let host = null;
  function banner() {
    if (!host || !host.isConnected) {
      host = d.createElement('div');
      host.id = 'samtycke';
      const root = host.attachShadow({ mode: 'open' });
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(C.css);
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        root.append(make('style', C.css, ''));
      }
      d.body.append(host);
    }
    return host;
  }

  // The first layer before the app: drawn from the collector's rendering the moment <body>
  // exists. A press on one of its buttons is never lost: the button says it is busy at once and
  // the app, once live, carries it out (`_pending`); only the app decides.
  function draw() {
    if (!d.body) return void new MutationObserver((_, o) => d.body && (o.disconnect(), draw())).observe(d.documentElement, { childList: true });
    const root = banner().shadowRoot;
    const box = d.createElement('div');
    box.innerHTML = C.banner;
    root.append(box);
    if (control) control.style.display = 'none';
    // The app is fetched once the banner is painted: nothing before the banner waits for it,
    // and on a slow line it takes no bandwidth from what the page shows first.
    requestAnimationFrame(() => setTimeout(boot));
    // As the app does on opening: keyboard and screen-reader users land in the banner, unless
    // the visitor has already put the focus somewhere on the page.
    if (d.activeElement === d.body) root.querySelector('h2').focus({ preventScroll: true });
    root.addEventListener(
      'click',
      (e) => {
        const b = e.target.closest('button');
        if (S._show || !b) return;
        e.stopImmediatePropagation();
        // A decision, once pressed, stands; a press on Settings or a language gives way to one.
        if (!/all$/.test(S._pending)) {
          S._pending = b.dataset.action || 'lang:' + b.dataset.language;
          b.setAttribute('aria-busy', 'true');
          const status = root.querySelector('[data-saving]');
          if (/all$/.test(S._pending)) status.textContent = status.dataset.saving;
        }
        boot();
      },
      true,
    );
  }

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

  // Sends queued requests oldest first, so that decisions reach the collector in the order they
  // were made. Each leaves the queue once the collector has it (2xx) or never can (4xx but
  // 408/429: its problem document is in the network log). A 408 or 429 (the collector asks
  // everyone to wait) or no network ends the round until the next page, `online` or a timer.
  // A 5xx puts that request off, twice as long after each (2 s, 4 s, … up to an hour), and the
  // requests behind it wait for it; once it has failed three times it is taken to be its own
  // trouble and no longer holds them up. Only then can a later decision arrive first, and the
  // collector orders decisions by when they were made.
  let sending = false;
  let again = false;
  let timer = 0;
  async function flush() {
    if (sending) return void (again = true);
    sending = true;
    let next = Infinity;
    try {
      for (const item of load(QUEUE) || []) {
        if (item.due > Date.now()) {
          next = Math.min(next, item.due);
          if (item.n > 2) continue;
          break;
        }
        const res = await post(item);
        if (res.ok) keep(item.id, (await res.json()).receipt);
        else if (res.status === 408 || res.status === 429) break;
        const queue = load(QUEUE) || [];
        if (res.status > 499) {
          item.n = (item.n || 0) + 1;
          next = Math.min(next, (item.due = Date.now() + Math.min(1e3 * 2 ** item.n, 36e5)));
          save(QUEUE, queue.map((i) => (i.id === item.id ? item : i)));
          if (item.n < 3) break;
        } else save(QUEUE, queue.filter((i) => i.id !== item.id));
      }
    } catch (e) {} // offline: retried later
    sending = false;
    clearTimeout(timer);
    if (next < Infinity) timer = setTimeout(flush, next - Date.now());
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
    // `purpose`: the settings open with the focus on that purpose's switch.
    open(purpose) {
      if (S._show) S._show('settings', purpose);
      else {
        S._layer = 'settings';
        S._focus = purpose;
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
    _host: banner,
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
  // A policy that asks nothing in the banner is rendered without one (`banner` absent).
  else if (C.banner) draw();
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', ready);
  else ready();
  flush();
  w.addEventListener('online', flush);
})(window, document);
