/* Shared by every page and loaded before the other scripts (handbook/site.py): the page-start
   helper, the page data reader, the page's words (handbookText) and what this browser
   remembers (handbookStore). Works opened from disk and with Material's instant navigation. */
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

  /* ---- words: the browser section of the site's string table (handbook/strings) ---- */
  var table = {script: null, strings: null};
  function strings() {
    var script = document.querySelector("[data-hb-data='strings'] > script");
    if (script !== table.script) {
      table.script = script;
      table.strings = script ? JSON.parse(script.textContent)[0] : {language: "en", text: {}};
    }
    return table.strings;
  }
  /* The string ``key`` with its {placeholders} filled from ``values``; a string with plural
     forms picks one by values.count, by the language's own rules. Always text, never HTML. */
  function text(key, values) {
    var s = strings(), entry = s.text[key];
    values = values || {};
    if (entry === undefined) return key;
    if (typeof entry === "object") {
      var form = new Intl.PluralRules(s.language).select(values.count);
      entry = entry[form] || entry.other;
    }
    return entry.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? String(values[name]) : whole; });
  }
  function format(iso, style) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return iso;
    try { return new Intl.DateTimeFormat(strings().language, style).format(when); } catch (e) { return when.toLocaleString(); }
  }
  /* A record's UTC timestamp as this reader's local date and time, in words. */
  text.when = function (iso) { return format(iso, {dateStyle: "long", timeStyle: "short"}); };
  text.day = function (iso) { return format(iso, {dateStyle: "long"}); };
  window.handbookText = text;

  /* ---- what this browser remembers: one place for every key and for storage being off ---- */
  window.handbookStore = {
    keys: {
      checklist: function (id, version) { return "handbook:checklist:" + id + ":" + version; },
      quiz: function (id, version) { return "handbook.quiz." + id + "@" + version; },
      acknowledged: function (policy) { return "handbook:acknowledged:" + policy; }
    },
    get: function (key, fallback) {
      try { var found = JSON.parse(localStorage.getItem(key)); return found === null ? fallback : found; } catch (e) { return fallback; }
    },
    set: function (key, value) {
      try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage off: kept for this visit only */ }
    },
    remove: function (key) {
      try { localStorage.removeItem(key); } catch (e) { /* nothing stored */ }
    }
  };
  window.handbookOnPage(bind);
})();
