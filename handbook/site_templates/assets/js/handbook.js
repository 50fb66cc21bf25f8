/* Shared by every page and loaded before the other scripts (handbook/site.py): the page-start
   helper and the page data reader; works opened from disk and with Material's instant navigation. */
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
  /* The data handbook/page_data.py put in the page under ``name`` (null when there is none):
     JSON, a one-item array, in the one script of a [data-hb-data] element. The element keeps
     the name because Material's instant navigation re-inserts the script without attributes. */
  window.handbookData = function (root, name) {
    var script = root.querySelector("[data-hb-data='" + name + "'] > script");
    return script ? JSON.parse(script.textContent)[0] : null;
  };
  window.handbookOnPage(bind);
})();
