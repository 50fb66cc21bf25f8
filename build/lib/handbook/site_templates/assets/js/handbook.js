/* Shared by every page and loaded before the other scripts (handbook/site.py): works opened
   from disk and with Material's instant navigation. */
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll("[data-hb-print]").forEach(function (button) {
      if (button.dataset.hbBound) return;
      button.dataset.hbBound = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }
  /* Run fn(document) on every page: at load, and after each of Material's instant navigations
     (which swap the page without loading scripts again). The page scripts all start this way. */
  window.handbookOnPage = function (fn) {
    var run = function () { fn(document); };
    if (window.document$ && window.document$.subscribe) window.document$.subscribe(run);
    else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  };
  window.handbookOnPage(bind);
})();
