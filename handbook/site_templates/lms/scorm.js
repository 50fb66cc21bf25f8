/* The SCORM runtime adapter, loaded only by the quiz page of a SCORM package (never on the site).
   It finds the learning system's API (``API`` for SCORM 1.2, ``API_1484_11`` for 2004) in this
   window, its parents or its opener, starts the session, reports each graded attempt of the quiz
   (status, raw score with min and max, session time, one interaction per question), commits,
   and finishes the session when the page goes away. Without a learning system it does nothing:
   the quiz works as it does on the site. */
(function () {
  "use strict";
  var script = document.currentScript, version = script && script.getAttribute("data-scorm-version");
  var v12 = version === "1.2";
  var calls = v12
    ? {name: "API", init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit", finish: "LMSFinish"}
    : {name: "API_1484_11", init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit", finish: "Terminate"};
  var started = new Date(), api = null, finished = false, passed = false, reported = false;

  /* The API object in ``win`` or the nearest parent that has one (a frame of another origin ends the walk). */
  function search(win) {
    for (var hops = 0; win && hops < 10; hops++) {
      try { if (win[calls.name]) return win[calls.name]; } catch (e) { return null; }
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  function locate() {
    var found = search(window);
    if (!found && window.opener) found = search(window.opener);
    if (!found && window.top && window.top.opener) found = search(window.top.opener);
    return found;
  }
  function get(element) { return String(api[calls.get](element)); }
  function set(element, value) { return api[calls.set](element, String(value)); }
  function pad(n, width) { n = String(n); while (n.length < width) n = "0" + n; return n; }

  /* Time since the page opened: SCORM 1.2's HHHH:MM:SS.SS or 2004's ISO 8601 duration. */
  function sessionTime() {
    var centis = Math.max(0, Math.round((new Date() - started) / 10));
    var h = Math.floor(centis / 360000), m = Math.floor(centis / 6000) % 60, s = (centis % 6000) / 100;
    if (v12) return pad(h, 4) + ":" + pad(m, 2) + ":" + pad(Math.floor(s), 2) + "." + pad(Math.round((s % 1) * 100), 2);
    return "PT" + h + "H" + m + "M" + s.toFixed(2).replace(/\.?0+$/, "") + "S";
  }
  function clock(date) { return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2); }
  function stamp(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1, 2) + "-" + pad(date.getDate(), 2) + "T" + clock(date);
  }

  /* One interaction per question: what was chosen, the key, and whether it was right. */
  function interaction(q, now) {
    var n = Number(get("cmi.interactions._count")) || 0, at = "cmi.interactions." + n + ".";
    var separator = v12 ? "," : "[,]", right = q.value === 1;
    set(at + "id", q.id);
    set(at + "type", "choice");
    if (v12) {
      set(at + "time", clock(now));
    } else {
      set(at + "timestamp", stamp(now));
      set(at + "description", String(q.prompt).slice(0, 250));
    }
    set(at + "correct_responses.0.pattern", q.correct.join(separator));
    if (q.chosen.length) set(at + (v12 ? "student_response" : "learner_response"), q.chosen.join(separator));
    set(at + "weighting", "1");
    set(at + "result", right ? "correct" : v12 ? "wrong" : "incorrect");
  }

  /* A graded attempt: its questions always; its score and status unless this session has a pass already. */
  function report(detail) {
    var now = new Date(), prefix = v12 ? "cmi.core." : "cmi.";
    detail.questions.forEach(function (q) { interaction(q, now); });
    if (!passed || detail.passed) {
      set(prefix + "score.min", "0");
      set(prefix + "score.max", "100");
      set(prefix + "score.raw", detail.score);
      if (v12) {
        set("cmi.core.lesson_status", detail.passed ? "passed" : "failed");
      } else {
        set("cmi.score.scaled", detail.score / 100);
        set("cmi.success_status", detail.passed ? "passed" : "failed");
        set("cmi.completion_status", "completed");
      }
      passed = passed || detail.passed;
    }
    reported = true;
    set(prefix + "session_time", sessionTime());
    api[calls.commit]("");
  }

  function finish() {
    if (!api || finished) return;
    finished = true;
    set(v12 ? "cmi.core.session_time" : "cmi.session_time", sessionTime());
    set(v12 ? "cmi.core.exit" : "cmi.exit", reported ? (v12 ? "" : "normal") : "suspend");
    api[calls.commit]("");
    api[calls.finish]("");
  }

  function begin() {
    api = locate();
    if (!api || String(api[calls.init]("")) !== "true") { api = null; return; }
    var status = v12 ? "cmi.core.lesson_status" : "cmi.completion_status", now = get(status);
    passed = (v12 ? now : get("cmi.success_status")) === "passed";
    if (now === "not attempted" || now === "unknown" || now === "") set(status, "incomplete");
    document.addEventListener("handbook:quiz-graded", function (event) { if (!finished) report(event.detail); });
    window.addEventListener("pagehide", finish);
  }

  begin();
  window.handbookScorm = {active: function () { return !!api && !finished; }, finish: finish};
})();
