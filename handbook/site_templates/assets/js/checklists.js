/* Role checklists: ticks are remembered in this browser (keyed by checklist id and version, so
   a new version starts afresh), progress is announced politely, a finished checklist says so
   and points to the next step, and Reset clears it. Works opened from disk and with
   Material's instant navigation. */
(function () {
  "use strict";
  var text = window.handbookText, store = window.handbookStore;

  function bind(root) {
    if (root.dataset.hbBound) return;
    root.dataset.hbBound = "1";
    var data = window.handbookData(root, "checklist"), key = store.keys.checklist(data.id, data.version);
    var boxes = Array.prototype.slice.call(root.querySelectorAll("input[data-hb-item]"));
    var progress = root.querySelector("[data-hb-progress]"), bar = root.querySelector("[data-hb-progress-bar]");
    var done = root.querySelector("[data-hb-checklist-done]");

    function update() {
      var ticked = boxes.filter(function (box) { return box.checked; });
      progress.textContent = text("checklist.progress", {done: ticked.length, total: boxes.length});
      if (bar) bar.value = ticked.length;
      boxes.forEach(function (box) { box.closest("li").classList.toggle("hb-done", box.checked); });
      done.hidden = ticked.length < boxes.length;
      return ticked.map(function (box) { return box.dataset.hbItem; });
    }

    var remembered = store.get(key, []);
    boxes.forEach(function (box) {
      box.checked = remembered.indexOf(box.dataset.hbItem) !== -1;
      box.addEventListener("change", function () {
        var wasDone = !done.hidden;
        store.set(key, update());
        if (!wasDone && !done.hidden) done.focus();  // the last tick: say so and offer the next step
      });
    });
    update();
    root.querySelector("[data-hb-checklist-reset]").addEventListener("click", function () {
      boxes.forEach(function (box) { box.checked = false; });
      store.remove(key);
      update();
    });
  }

  window.handbookOnPage(function () { document.querySelectorAll("[data-hb-checklist]").forEach(bind); });
})();
