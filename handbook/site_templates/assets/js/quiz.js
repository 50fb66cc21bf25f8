/* Self-check quizzes: grading (pure: handbook/grading.py exactly, fractions then round half
   to even, so the service recomputes the same score); the View of a round (counting answers,
   asking before an incomplete check, feedback), shared with exam.js through questionFieldset
   and showFeedback; and the controller (Quiz), which keeps attempts and missed questions on
   this browser, and each pass under the employee id that sent it. Records go by records.js. */
(function () {
  "use strict";
  var text = window.handbookText, store = window.handbookStore;

  /* ---- grading: pure, exported as handbookQuiz.grade ---- */
  /* Answers that do not fit the quiz: a programming error, named by a code. */
  function fail(code, detail) { var e = new Error(code + " " + (detail || "")); e.name = "GradingError"; throw e; }
  function gcd(a, b) { while (b) { var t = a % b; a = b; b = t; } return a || 1; }
  function add(x, y) { var n = x[0] * y[1] + y[0] * x[1], d = x[1] * y[1], g = gcd(n, d); return [n / g, d / g]; }
  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }
  function points(question, chosen, scoring) {
    var correct = question.options.filter(function (o) { return o.correct; }).map(function (o) { return o.id; });
    var right = 0, wrong = 0;
    chosen.forEach(function (id) { if (correct.indexOf(id) >= 0) right++; else wrong++; });
    if (question.select === "multiple" && scoring === "partial") return [Math.max(0, right - wrong), correct.length];
    return [right === correct.length && wrong === 0 ? 1 : 0, 1];
  }
  function roundHalfEven(n, d) {
    var q = Math.floor(n / d), r = n - q * d;
    if (r < 0) { q -= 1; r += d; } else if (r >= d) { q += 1; r -= d; }
    return 2 * r > d || (2 * r === d && q % 2 === 1) ? q + 1 : q;
  }
  function grade(quiz, questions, answers) {
    var byId = {}, total = [0, 1], perQuestion = {};
    quiz.questions.forEach(function (q) { byId[q.id] = q; });
    if (!questions.length) fail("no-questions", quiz.id);
    questions.forEach(function (id, i) {
      if (!has(byId, id)) fail("unknown-question", id);
      if (questions.indexOf(id) !== i) fail("repeated-question", id);
    });
    Object.keys(answers).forEach(function (id) {
      var chosen = answers[id];
      if (questions.indexOf(id) < 0) fail("answer-not-asked", id);
      if (!Array.isArray(chosen)) fail("answer-not-a-list", id);
      chosen.forEach(function (option) {
        if (!byId[id].options.some(function (o) { return o.id === option; })) fail("unknown-option", id + "/" + option);
      });
    });
    questions.forEach(function (id) {
      var chosen = (has(answers, id) ? answers[id] : []).filter(function (o, i, all) { return all.indexOf(o) === i; });
      var p = points(byId[id], chosen, quiz.scoring);
      perQuestion[id] = p[0] / p[1];
      total = add(total, p);
    });
    var score = roundHalfEven(10000 * total[0], total[1] * questions.length) / 100;
    return {score: score, passed: score >= quiz.pass_mark, points: total[0] / total[1], max_points: questions.length, per_question: perQuestion};
  }

  /* ---- small helpers ---- */
  function el(tag, attrs, content) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (content != null) node.textContent = content;
    return node;
  }
  function shuffled(list) {
    var a = list.slice();
    for (var i = a.length - 1; i > 0; i--) { var j = Math.floor(Math.random() * (i + 1)), t = a[i]; a[i] = a[j]; a[j] = t; }
    return a;
  }
  function load(id, version) { return store.get(store.keys.quiz(id, version), null) || {attempts: 0}; }
  function save(id, version, state) { store.set(store.keys.quiz(id, version), state); }
  /* The part of a quiz marked data-hb-quiz-``name``. */
  function part(box, name) { return box.querySelector("[data-hb-quiz-" + name + "]"); }

  /* ---- a question, and its feedback once graded (options with correct and feedback) ---- */
  function questionFieldset(q, options, name, i, count) {
    var fs = el("fieldset", {"class": "hb-question", "data-hb-question": q.id}), legend = el("legend");
    legend.appendChild(el("span", {"class": "hb-qnum"}, text("quiz.number", {number: i + 1, count: count})));
    if (q.scenario) legend.appendChild(el("span", {"class": "hb-scenario"}, q.scenario));
    legend.appendChild(el("span", {"class": "hb-prompt"}, q.prompt));
    if (q.select === "multiple") legend.appendChild(el("span", {"class": "hb-hint"}, text("quiz.choose_all")));
    fs.appendChild(legend);
    options.forEach(function (o) {
      var row = fs.appendChild(el("div", {"class": "hb-option", "data-hb-option": o.id}));
      row.appendChild(el("input", {type: q.select === "multiple" ? "checkbox" : "radio", name: name, id: name + "--" + o.id, value: o.id}));
      row.appendChild(el("label", {"for": name + "--" + o.id}, o.text));
    });
    fs.appendChild(el("div", {"class": "hb-feedback", "data-hb-feedback": ""})).hidden = true;
    return fs;
  }
  /* The options chosen per question under ``root``. */
  function answersOf(root) {
    var answers = {};
    root.querySelectorAll("[data-hb-question]").forEach(function (fs) {
      answers[fs.getAttribute("data-hb-question")] = Array.prototype.map.call(fs.querySelectorAll("input:checked"), function (input) { return input.value; });
    });
    return answers;
  }
  /* A cited clause: {id, text: "Procedure 1.b"}, or a bare id. */
  function citation(cite) { return typeof cite === "string" ? {id: cite, text: cite} : cite; }
  function showFeedback(fs, q, chosen, value, policyHref) {
    var box = fs.querySelector("[data-hb-feedback]");
    var correct = q.options.filter(function (o) { return o.correct; });
    fs.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
    q.options.forEach(function (o) {
      var row = fs.querySelector("[data-hb-option='" + o.id + "']"), mine = chosen.indexOf(o.id) >= 0;
      row.classList.toggle("hb-right", !!o.correct);
      row.classList.toggle("hb-wrong", !o.correct && mine);
      var mark = row.querySelector(".hb-mark") || row.appendChild(el("span", {"class": "hb-mark"}));
      mark.textContent = o.correct ? text("quiz.mark_right") : mine ? text("quiz.mark_wrong") : "";
    });
    box.textContent = "";
    var verdict = value === 1 ? text("quiz.correct") : value > 0 ? text("quiz.partly", {percent: Math.round(value * 100)})
      : chosen.length ? text("quiz.wrong") : text("quiz.unanswered_one");
    box.appendChild(el("p", {"class": "hb-verdict"}, verdict));
    q.options.forEach(function (o) {
      if (o.feedback && chosen.indexOf(o.id) >= 0) box.appendChild(el("p", null, text("quiz.option_feedback", {option: o.text, feedback: o.feedback})));
    });
    if (value < 1) {
      var right = correct.map(function (o) { return o.text; });
      box.appendChild(el("p", null, text("quiz.correct_answer", {count: right.length, answers: right.join(text("quiz.answer_separator"))})));
    }
    if (q.explanation) box.appendChild(el("p", null, q.explanation));
    if (q.cites && q.cites.length) {
      var cites = box.appendChild(el("p", {"class": "hb-cites"}));
      var parts = text("quiz.cites", {links: "\u0000"}).split("\u0000");
      cites.appendChild(document.createTextNode(parts[0]));
      q.cites.map(citation).forEach(function (cite, i) {
        if (i) cites.appendChild(document.createTextNode(text("quiz.cite_separator")));
        cites.appendChild(el("a", {href: policyHref + "#" + cite.id}, cite.text));
      });
      cites.appendChild(document.createTextNode(parts[1] || ""));
    }
    box.hidden = false;
  }

  /* ---- the view of one round of questions: no key, no grading ---- */
  function View(box) {
    var self = this;
    this.box = box;
    this.form = part(box, "form");
    this.list = part(box, "questions");
    this.count = part(box, "count");
    this.confirm = part(box, "confirm");
    this.questions = [];
    /* Enter on an option never sends the round: only the button does. */
    this.form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches("input")) event.preventDefault();
    });
    this.form.addEventListener("change", function () { self.showCount(); self.confirm.hidden = true; });
    part(box, "confirm-back").addEventListener("click", function () {
      var first = self.unanswered()[0];
      self.confirm.hidden = true;
      if (first) self.list.querySelector("[data-hb-question='" + first + "'] input").focus();
    });
  }
  /* Show ``questions``, options shuffled when the quiz says so. */
  View.prototype.show = function (questions, shuffleOptions) {
    var self = this;
    this.questions = questions;
    this.list.textContent = "";
    this.confirm.hidden = true;
    questions.forEach(function (q, i) { self.list.appendChild(self.fieldset(q, i, questions.length, shuffleOptions)); });
    this.showCount();
  };
  View.prototype.fieldset = function (q, i, count, shuffleOptions) {
    var options = shuffleOptions && q.kind !== "true-false" ? shuffled(q.options) : q.options;
    return questionFieldset(q, options, this.box.id + "-" + q.id, i, count);
  };
  View.prototype.answers = function () { return answersOf(this.list); };
  View.prototype.unanswered = function () {
    var answers = this.answers();
    return this.questions.map(function (q) { return q.id; }).filter(function (id) { return !answers[id].length; });
  };
  View.prototype.showCount = function () {
    var total = this.questions.length;
    this.count.textContent = text("quiz.answered", {answered: total - this.unanswered().length, count: total});
  };
  /* True when every question is answered; otherwise says how many are not, once, and waits. */
  View.prototype.complete = function () {
    var missing = this.unanswered().length;
    if (!missing) return true;
    part(this.confirm, "confirm-text").textContent = text("quiz.unanswered", {count: missing});
    this.confirm.hidden = false;
    this.confirm.focus();
    return false;
  };
  /* One question's feedback: the options chosen, its value (0..1). */
  View.prototype.feedback = function (q, chosen, value, policyHref) {
    showFeedback(this.list.querySelector("[data-hb-question='" + q.id + "']"), q, chosen, value, policyHref);
  };

  /* ---- one self-check on a page ---- */
  function Quiz(box) {
    var self = this, recordForm = box.querySelector("[data-hb-record-form]");
    this.box = box;
    this.data = window.handbookData(box, "quiz");
    this.view = new View(box);
    this.live = part(box, "live");
    this.result = part(box, "result");
    this.spent = part(box, "spent");
    this.offer = part(box, "practice-offer");
    this.state = load(this.data.id, this.data.version);
    /* ?since=V: acknowledging again, only the questions on what changed since V (page data). */
    this.since = new URLSearchParams(location.search).get("since");
    this.only = this.data.changed[this.since];
    this.submission = new window.handbookRecords.Submission(recordForm, recordForm, function () { return self.record(recordForm); });
    this.view.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(false); });
    part(box, "confirm-go").addEventListener("click", function () { self.submit(true); });
    part(box, "retry").addEventListener("click", function () { self.start(null, true); });
    part(box, "retry-missed").addEventListener("click", function () { self.start(self.state.missed, true); });
    part(box, "practice-saved").addEventListener("click", function () { self.start(self.state.missed, true); });
    recordForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!self.attempt) return;
      var records = window.handbookRecords;
      if (self.attempt.passed && records.validate(recordForm)) self.keepPass(records.person(recordForm));
      self.submission.send(recordForm.querySelector("button[type='submit']"));
    });
    this.start(null, false);
  }
  /* The pass, kept under the employee id of the person who sent it. */
  Quiz.prototype.keepPass = function (person) {
    var passes = this.state.passes = this.state.passes || {};
    passes[window.handbookRecords.employeeKey(person.employee_id)] = Object.assign(
      {employee_id: person.employee_id, name: person.name, at: window.handbookRecords.now()}, this.attempt);
    save(this.data.id, this.data.version, this.state);
  };
  /* Anyone passed here (and sent it): no "no attempts left" advice then. */
  Quiz.prototype.anyPass = function () { return !!this.passedNow || Object.keys(this.state.passes || {}).length > 0; };
  Quiz.prototype.limitReached = function () { return !!this.data.attempts && this.state.attempts >= this.data.attempts; };
  Quiz.prototype.missed = function () { return (this.state.missed || []).length; };
  Quiz.prototype.showAttempts = function () {
    var d = this.data, used = this.state.attempts, parts = [];
    if (used) parts.push(d.attempts ? text("quiz.attempts_of", {used: used, limit: d.attempts}) : text("quiz.attempts_so_far", {used: used}));
    if (this.passedNow) parts.push(text("quiz.passed_on", {score: this.passedNow.score, attempt: this.passedNow.attempt}));
    if (this.limitReached()) parts.push(text("quiz.limit_reached"));
    part(this.box, "attempts").textContent = parts.join(" ");
    this.spent.hidden = !(this.limitReached() && !this.anyPass());
  };
  /* A full attempt (ids null) is a fresh draw and shuffle; a practice round re-asks given ids. */
  Quiz.prototype.start = function (ids, focus) {
    var d = this.data, practice = !!ids;
    this.showAttempts();
    this.result.hidden = true;
    this.live.textContent = "";
    this.offer.hidden = practice || !this.missed() || (focus && !this.limitReached());
    part(this.box, "practice-text").textContent = text("quiz.practice_offer", {count: this.missed()});
    if (!practice && this.limitReached()) { this.view.form.hidden = true; return; }
    var only = practice ? ids : this.only;
    var pool = d.questions.filter(function (q) { return only ? only.indexOf(q.id) >= 0 : true; });
    if (!only && d.draw < pool.length) {
      var drawn = shuffled(pool).slice(0, d.draw);
      pool = pool.filter(function (q) { return drawn.indexOf(q) >= 0; });
    }
    if (d.shuffle.questions) pool = shuffled(pool);
    if (!practice) this.submission.clear();  // nothing said of the last attempt's record stays
    this.round = {practice: practice, questions: pool, started_at: window.handbookRecords.now()};
    this.view.show(pool, d.shuffle.options);
    part(this.box, "round").textContent = practice ? text("quiz.practice_round") :
      this.only ? text("quiz.changed_round", {version: this.since}) : text("quiz.round");
    part(this.box, "footer").hidden = false;
    this.view.form.hidden = false;
    if (focus) part(this.box, "round").focus();
  };
  /* Grade the round (``force``: even with some unanswered); show the result once. */
  Quiz.prototype.submit = function (force) {
    if (!force && !this.view.complete()) return;
    var d = this.data, round = this.round, answers = this.view.answers(), ids = round.questions.map(function (q) { return q.id; });
    var result = grade(d, ids, answers), self = this, missed = ids.filter(function (id) { return result.per_question[id] < 1; });
    round.questions.forEach(function (q) { self.view.feedback(q, answers[q.id], result.per_question[q.id], d.policy_href); });
    var values = {score: result.score, full: ids.length - missed.length, count: ids.length, pass_mark: d.pass_mark};
    var summary = text("quiz.scored", values) + " ";
    if (round.practice) summary += text("quiz.practice_done");
    else {
      this.state.attempts += 1;
      summary += text(result.passed ? "quiz.passed" : "quiz.not_passed", values);
      this.attempt = {questions: ids, answers: answers, score: result.score, pass_mark: d.pass_mark, passed: result.passed,
        attempt: this.state.attempts, started_at: round.started_at};
      this.submission.clear();  // a new attempt is a new record
      if (result.passed) this.passedNow = this.attempt;
    }
    if (!round.practice) this.state.last = {score: result.score, passed: result.passed};
    this.state.missed = missed;
    save(d.id, d.version, this.state);
    this.offer.hidden = true;
    part(this.box, "footer").hidden = true;
    part(this.box, "summary").textContent = summary;
    part(this.box, "retry").hidden = this.limitReached();
    part(this.box, "retry-missed").hidden = !missed.length;
    this.box.querySelector("[data-hb-record-form]").hidden = round.practice;
    var next = part(this.box, "next");
    if (next) next.hidden = !this.passedNow;
    this.showAttempts();
    this.result.hidden = false;
    this.live.textContent = summary;
    part(this.box, "result-heading").focus();
  };
  /* The attempt's record: the person on the record form, the attempt as graded here. */
  Quiz.prototype.record = function (form) {
    var d = this.data, fields = {policy: d.policy, quiz: {id: d.id, version: d.version}, person: window.handbookRecords.person(form)};
    Object.keys(this.attempt).forEach(function (k) { fields[k] = this.attempt[k]; }, this);
    return window.handbookRecords.build("quiz-attempt", fields);
  };

  window.handbookQuiz = {grade: grade, questionFieldset: questionFieldset, showFeedback: showFeedback, answersOf: answersOf};

  window.handbookOnPage(function (root) {
    root.querySelectorAll("[data-hb-quiz]").forEach(function (box) {
      if (!box.hbQuiz) box.hbQuiz = new Quiz(box);
    });
  });
})();
