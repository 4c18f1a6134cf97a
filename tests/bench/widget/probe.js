// Installed before every page's own scripts (CDP Page.addScriptToEvaluateOnNewDocument) by the
// widget benchmark, the same script for every contender's page: records, on
// `performance.now()`'s clock (0 = navigation start), the first animation frame in which the
// page's consent banner is visible, and the main thread's long tasks.
//
// `__BANNERS__` (filled in by the benchmark) maps each page's path to its banner's root:
// `{ host, selector }`, the root being `selector` inside `host`'s open shadow root, or in the
// document when `host` is null.
(() => {
  const banner = __BANNERS__[location.pathname];
  const probe = (window.__bench = { visible: null, longTasks: [] });
  try {
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) probe.longTasks.push([task.startTime, task.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    probe.longTasks = null;
  }
  if (!banner) return;

  const root = () => {
    let scope = document;
    if (banner.host) {
      const host = document.querySelector(banner.host);
      scope = host && host.shadowRoot;
    }
    return scope ? scope.querySelector(banner.selector) : null;
  };
  // Visible: it has a layout box, and neither it nor an ancestor is hidden by `display`,
  // `content-visibility`, `visibility` or an opacity of 0 (a fade-in counts from its first frame
  // above 0).
  const visible = (element) =>
    element.getClientRects().length > 0 &&
    element.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  // Animation frame callbacks run just before the frame is rendered, after the tasks since the
  // last one: the first callback that finds the banner visible is in the frame that shows it.
  const frame = () => {
    const element = root();
    if (element && visible(element)) probe.visible = performance.now();
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
