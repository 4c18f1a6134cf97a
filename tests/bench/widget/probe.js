// Installed before the page's own scripts (CDP Page.addScriptToEvaluateOnNewDocument) by the
// widget benchmark: records, on `performance.now()`'s clock (0 = navigation start), when the
// banner's dialog is visible and the main thread's long tasks.
(() => {
  const probe = (window.__samtyckeBench = { dialog: null, frame: null, longTasks: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) probe.longTasks += task.duration;
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    probe.longTasks = null;
  }

  // The dialog is in the host's shadow root, which a document observer does not see: watch each
  // shadow root as it is attached, and the document for the host.
  const check = () => {
    if (probe.dialog !== null) return;
    const host = document.getElementById('samtycke');
    const dialog = host && host.shadowRoot && host.shadowRoot.querySelector('[role=dialog]');
    if (dialog && dialog.checkVisibility()) {
      probe.dialog = performance.now();
      // The next frame is the one that paints it.
      requestAnimationFrame(() => (probe.frame = performance.now()));
    }
  };
  const watch = (node) =>
    new MutationObserver(check).observe(node, { childList: true, subtree: true, attributes: true });
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    watch(root);
    return root;
  };
  watch(document);
})();
