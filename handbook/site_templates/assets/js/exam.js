/* Exams graded by the records service (grading: service): this page holds no answer key. It
   asks the service for an attempt (the person block says who sits it), shows the questions
   the service drew, sends the answers back and shows the grade the service stored. Opened
   from a file or with the service out of reach, it says so and points to the policy and the
   self-check. One person per attempt: "Not you? Start over" forgets the attempt and the
   person. Text from the service goes into the page as text, never as HTML; every word of the
   page's own comes from its string table, times in local words. */
(function () {
  "use strict";
  var text = window.handbookText;
  /* Resolves {ok, status, body}; status 0 when the service could not be reached. */
  function post(url, body) {
    return fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (json) { return {ok: r.ok, status: r.status, body: json}; });
      }, function () { return {ok: false, status: 0, body: {}}; });
  }
  function refusal(answer) {
    var detail = answer.body.detail || answer.body.message;
    if (Array.isArray(detail)) detail = detail.join("; ");
    return detail || text("exam.error_status", {status: answer.status});
  }

  function Exam(box) {
    var self = this;
    this.box = box;
    this.data = window.handbookData(box, "exam");
    this.start = box.querySelector("[data-hb-exam-start]");
    this.form = box.querySelector("[data-hb-exam-form]");
    this.status = box.querySelector("[data-hb-exam-status]");
    this.result = box.querySelector("[data-hb-exam-result]");
    this.section = box.querySelector("[data-hb-exam-attempt]");
    if (location.protocol === "file:") return this.offline(text("exam.from_file"));
    if (!this.data.api) return this.offline(text("records.no_service"));
    box.querySelector("[data-hb-exam-offline]").hidden = true;
    this.start.hidden = false;
    this.start.addEventListener("submit", function (event) { event.preventDefault(); self.begin(); });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    box.querySelector("[data-hb-exam-restart]").addEventListener("click", function () { self.startOver(); });
    box.querySelector("[data-hb-exam-again]").addEventListener("click", function () { self.begin(); });
  }
  Exam.prototype.offline = function (reason) {
    this.box.querySelector("[data-hb-exam-offline]").hidden = false;
    this.box.querySelector("[data-hb-exam-offline-reason]").textContent = reason;
    this.start.hidden = true;
    this.section.hidden = true;
  };
  Exam.prototype.say = function (sentence) { this.status.textContent = sentence; };
  /* Ask for an attempt for the person on the start form (their open attempt comes back if any). */
  Exam.prototype.begin = function () {
    var records = window.handbookRecords, self = this;
    if (this.busy || !records.validate(this.start)) return;
    this.person = records.person(this.start);
    this.busy = true;
    this.result.hidden = true;
    this.say(text("exam.asking"));
    post(this.data.api + "/" + encodeURIComponent(this.data.id) + "/attempts", {person: this.person}).then(function (answer) {
      self.busy = false;
      if (answer.status === 0) return self.offline(text("records.unreachable"));
      if (!answer.ok) return self.say(text("exam.not_started", {detail: refusal(answer)}));
      self.show(answer.body);
    });
  };
  Exam.prototype.show = function (attempt) {
    var list = this.box.querySelector("[data-hb-exam-questions]"), self = this, count = attempt.questions.length;
    this.attempt = attempt;
    this.asked = {};
    attempt.questions.forEach(function (q) { self.asked[q.id] = q; });
    var values = {name: attempt.person.name, employee_id: attempt.person.employee_id, number: attempt.number,
      allowed: attempt.allowed, until: text.when(attempt.expires_at)};
    this.box.querySelector("[data-hb-exam-acting]").textContent =
      text(attempt.allowed ? "exam.acting_of" : "exam.acting", values) + (attempt.resumed ? " " + text("exam.resumed") : "");
    list.textContent = "";
    attempt.questions.forEach(function (q, i) { list.appendChild(self.fieldset(q, i, count)); });
    this.box.querySelector("[data-hb-exam-submit]").hidden = false;
    this.start.hidden = true;
    this.section.hidden = false;
    this.say("");
    this.box.querySelector("[data-hb-exam-heading]").focus();
  };
  Exam.prototype.fieldset = function (q, i, count) {
    return window.handbookQuiz.questionFieldset(q, q.options, this.box.id + "-" + q.id, i, count);
  };
  Exam.prototype.answers = function () { return window.handbookQuiz.answersOf(this.form); };
  /* Send the answers once; a refusal keeps them on screen and says why, never a result. */
  Exam.prototype.submit = function () {
    var self = this, attempt = this.attempt;
    if (this.busy || !attempt) return;
    this.busy = true;
    this.say(text("exam.sending"));
    post(this.data.api + "/attempts/" + encodeURIComponent(attempt.attempt) + "/answers",
      {employee_id: attempt.person.employee_id, answers: this.answers()}).then(function (answer) {
      self.busy = false;
      if (answer.status === 0) return self.say(text("exam.not_graded", {detail: text("records.unreachable")}));
      if (!answer.ok) return self.say(text("exam.not_graded", {detail: refusal(answer)}));
      self.graded(answer.body);
    });
  };
  Exam.prototype.graded = function (graded) {
    var self = this, stored = graded.record;
    graded.questions.forEach(function (q) { self.feedback(q); });
    this.box.querySelector("[data-hb-exam-submit]").hidden = true;
    var summary = text(graded.passed ? "exam.passed" : "exam.not_passed",
      {score: graded.score, number: graded.number, pass_mark: graded.pass_mark});
    this.box.querySelector("[data-hb-exam-summary]").textContent = summary;
    var record = this.box.querySelector("[data-hb-exam-record]");
    record.textContent = text("records.recorded", {when: text.when(stored.received_at)});
    var small = record.appendChild(document.createElement("span"));
    small.className = "hb-small-print";
    small.textContent = " " + text("records.record_id", {id: stored.id});
    this.box.querySelector("[data-hb-exam-again]").hidden = !!graded.passed || (graded.allowed && graded.number >= graded.allowed);
    this.attempt = null;
    this.say(summary);
    this.result.hidden = false;
    this.box.querySelector("[data-hb-exam-result-heading]").focus();
  };
  /* The service's feedback on one question, shown as a self-check shows its own. */
  Exam.prototype.feedback = function (q) {
    var fs = this.form.querySelector("[data-hb-question='" + q.id + "']"), notes = {}, self = this;
    q.feedback.forEach(function (f) { notes[f.option] = f.text; });
    var asked = this.asked[q.id], shown = {options: asked.options.map(function (o) {
      return {id: o.id, text: o.text, correct: q.correct.indexOf(o.id) >= 0, feedback: notes[o.id]};
    }), explanation: q.explanation, cites: q.cites.map(function (id) {
      return {id: id, text: (self.data.citations || {})[id] || id};
    })};
    window.handbookQuiz.showFeedback(fs, shown, q.chosen, q.points, this.data.policy_href);
  };
  /* Another person at this computer: forget the attempt, the person and every status. */
  Exam.prototype.startOver = function () {
    this.attempt = null;
    this.person = null;
    this.start.reset();
    this.box.querySelector("[data-hb-exam-questions]").textContent = "";
    this.section.hidden = true;
    this.result.hidden = true;
    this.say("");
    this.start.hidden = false;
    this.start.querySelector("input:not([type='hidden']), select").focus();
  };

  window.handbookOnPage(function (root) {
    root.querySelectorAll("[data-hb-exam]").forEach(function (box) {
      if (!box.hbExam) box.hbExam = new Exam(box);
    });
  });
})();
