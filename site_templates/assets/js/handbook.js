/* Small behaviours shared by every page; works opened from disk and with instant navigation. */
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll("[data-hb-print]").forEach(function (button) {
      if (button.dataset.hbBound) return;
      button.dataset.hbBound = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }
  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(function () { bind(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { bind(document); });
  } else {
    bind(document);
  }
})();
