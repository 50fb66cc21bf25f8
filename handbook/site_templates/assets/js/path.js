/* The home page's paths: beside each step this browser knows about (a checklist's ticks, a
   self-check passed and sent, a policy acknowledged) it says how far the person is, and under each
   path how many of those steps are done. Only what this browser remembers; nothing is sent. */
(function () {
  "use strict";
  var text = window.handbookText, store = window.handbookStore;

  /* [words, done] for one step (page data made by handbook/pages.py), or null when untouched. */
  function status(step) {
    if (step.kind === "checklist") {
      var ticked = store.get(store.keys.checklist(step.id, step.version), []).length;
      if (!ticked) return null;
      return ticked >= step.total ? [text("path.done"), true] : [text("checklist.progress", {done: ticked, total: step.total}), false];
    }
    if (step.kind === "quiz") {
      var quiz = store.get(store.keys.quiz(step.id, step.version), null);
      if (!quiz || !quiz.attempts) return null;
      var passes = Object.keys(quiz.passes || {}).map(function (id) { return quiz.passes[id]; });
      if (!passes.length && quiz.last && quiz.last.passed) return [text("path.passed_unsent", {score: quiz.last.score}), false];
      if (!passes.length) return [text("path.not_passed", {count: quiz.attempts}), false];
      return [text("path.passed", {score: Math.max.apply(null, passes.map(function (p) { return p.score; }))}), true];
    }
    var all = store.get(store.keys.acknowledged(step.policy), {}), latest = null;
    Object.keys(all).forEach(function (id) { if (!latest || all[id].at > latest.at) latest = all[id]; });
    if (!latest) return null;
    if (latest.version !== step.version) return [text("path.outdated", {version: latest.version}), false];
    return [text("path.acknowledged", {when: text.day(latest.at)}), true];
  }

  function show(root) {
    var data = window.handbookData(root, "path");
    if (!data) return;
    var any = false;
    data.steps.forEach(function (step) {
      var item = root.querySelector("[id='" + step.element + "']"), found = status(step);
      if (!item) return;
      var slot = item.querySelector("[data-hb-step-status]");
      slot.textContent = found ? found[0] : "";
      item.classList.toggle("hb-step-done", !!(found && found[1]));
      item.dataset.hbTracked = found ? "1" : "";
      any = any || !!found;
    });
    root.querySelectorAll(".hb-audience").forEach(function (section) {
      var tracked = data.steps.filter(function (step) { return section.querySelector("[id='" + step.element + "']"); });
      var done = section.querySelectorAll(".hb-step-done").length, summary = section.querySelector("[data-hb-path-summary]");
      var started = section.querySelector("[data-hb-tracked='1']");
      summary.hidden = !started;
      summary.textContent = started ? text("path.summary", {done: done, count: tracked.length}) : "";
    });
    root.querySelector("[data-hb-path-note]").hidden = !any;
  }

  window.handbookOnPage(function (root) { root.querySelectorAll("[data-hb-paths]").forEach(show); });
})();
