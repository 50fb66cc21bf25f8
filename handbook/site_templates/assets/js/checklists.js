/* Role checklists: ticks are remembered in this browser (localStorage, keyed by checklist id
   and version, so a new version starts afresh), progress is announced politely, and Reset
   clears them. Works opened from disk and with Material's instant navigation. */
(function () {
  "use strict";
  var PREFIX = "handbook:checklist:";

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]") || []; } catch (e) { return []; }
  }
  function save(key, ids) {
    try { localStorage.setItem(key, JSON.stringify(ids)); } catch (e) { /* storage off: ticks last this visit */ }
  }

  function bind(root) {
    if (root.dataset.hbBound) return;
    root.dataset.hbBound = "1";
    var data = window.handbookData(root, "checklist"), key = PREFIX + data.id + ":" + data.version;
    var boxes = Array.prototype.slice.call(root.querySelectorAll("input[data-hb-item]"));
    var text = root.querySelector("[data-hb-progress]");
    var bar = root.querySelector("[data-hb-progress-bar]");

    function update() {
      var done = boxes.filter(function (box) { return box.checked; });
      text.textContent = done.length + " of " + boxes.length + " done";
      if (bar) bar.value = done.length;
      boxes.forEach(function (box) { box.closest("li").classList.toggle("hb-done", box.checked); });
      return done.map(function (box) { return box.dataset.hbItem; });
    }

    var ticked = load(key);
    boxes.forEach(function (box) {
      box.checked = ticked.indexOf(box.dataset.hbItem) !== -1;
      box.addEventListener("change", function () { save(key, update()); });
    });
    update();
    var reset = root.querySelector("[data-hb-checklist-reset]");
    if (reset) {
      reset.addEventListener("click", function () {
        boxes.forEach(function (box) { box.checked = false; });
        try { localStorage.removeItem(key); } catch (e) { /* nothing stored */ }
        update();
      });
    }
  }

  function bindAll() { document.querySelectorAll("[data-hb-checklist]").forEach(bind); }
  window.handbookOnPage(bindAll);
})();
