/* Self-check quizzes: the quiz UI and its grading, nothing else. The question data (answer
   key included) is page data; grading follows handbook/grading.py exactly (fractions, then
   round half to even), so a score shown here equals the one the records service recomputes.
   Passes are kept on this browser for the acknowledgement page (handbookQuiz.passed), each under
   the employee id of the person who sent it, so nobody acknowledges on another's pass; the
   attempt's record is built and sent by records.js. */
(function () {
  "use strict";

  /* ---- grading: pure, exported as handbookQuiz.grade ---- */
  function fail(message) { var e = new Error(message); e.name = "GradingError"; throw e; }
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
    if (!questions.length) fail("quiz '" + quiz.id + "': no questions were presented");
    questions.forEach(function (id, i) {
      if (!has(byId, id)) fail("quiz '" + quiz.id + "' has no question '" + id + "'");
      if (questions.indexOf(id) !== i) fail("quiz '" + quiz.id + "': a question is listed more than once");
    });
    Object.keys(answers).forEach(function (id) {
      var chosen = answers[id];
      if (questions.indexOf(id) < 0) fail("quiz '" + quiz.id + "': answer to question '" + id + "', which was not asked");
      if (!Array.isArray(chosen)) fail("quiz '" + quiz.id + "': answer to '" + id + "' must be a list of option ids");
      chosen.forEach(function (option) {
        if (!byId[id].options.some(function (o) { return o.id === option; })) fail("quiz '" + quiz.id + "': question '" + id + "' has no option '" + option + "'");
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
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  function shuffled(list) {
    var a = list.slice();
    for (var i = a.length - 1; i > 0; i--) { var j = Math.floor(Math.random() * (i + 1)), t = a[i]; a[i] = a[j]; a[j] = t; }
    return a;
  }
  function storeKey(id, version) { return "handbook.quiz." + id + "@" + version; }
  function load(id, version) {
    try { return JSON.parse(localStorage.getItem(storeKey(id, version))) || {attempts: 0}; } catch (e) { return {attempts: 0}; }
  }
  function save(id, version, state) { try { localStorage.setItem(storeKey(id, version), JSON.stringify(state)); } catch (e) { /* private mode */ } }
  /* The pass this person (by employee id) sent from this browser, or null. */
  function passed(id, version, employeeId) {
    var passes = load(id, version).passes || {};
    return passes[window.handbookRecords.employeeKey(employeeId)] || null;
  }

  /* ---- one question on screen, and its feedback once graded: exam.js shows the questions and
     grades the records service sends the same way. ``q.options`` carry correct and feedback. ---- */
  function questionFieldset(q, options, name, i, count) {
    var fs = el("fieldset", {"class": "hb-question", "data-hb-question": q.id}), legend = el("legend");
    legend.appendChild(el("span", {"class": "hb-qnum"}, "Question " + (i + 1) + " of " + count));
    if (q.scenario) legend.appendChild(el("span", {"class": "hb-scenario"}, q.scenario));
    legend.appendChild(el("span", {"class": "hb-prompt"}, q.prompt));
    if (q.select === "multiple") legend.appendChild(el("span", {"class": "hb-hint"}, "Choose all that apply."));
    fs.appendChild(legend);
    options.forEach(function (o) {
      var row = fs.appendChild(el("div", {"class": "hb-option", "data-hb-option": o.id}));
      row.appendChild(el("input", {type: q.select === "multiple" ? "checkbox" : "radio", name: name, id: name + "--" + o.id, value: o.id}));
      row.appendChild(el("label", {"for": name + "--" + o.id}, o.text));
    });
    fs.appendChild(el("div", {"class": "hb-feedback", "data-hb-feedback": ""})).hidden = true;
    return fs;
  }
  function showFeedback(fs, q, chosen, value, policyHref) {
    var box = fs.querySelector("[data-hb-feedback]");
    fs.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
    q.options.forEach(function (o) {
      var row = fs.querySelector("[data-hb-option='" + o.id + "']");
      row.classList.toggle("hb-right", !!o.correct);
      row.classList.toggle("hb-wrong", !o.correct && chosen.indexOf(o.id) >= 0);
    });
    box.textContent = "";
    var verdict = value === 1 ? "Correct." : value > 0 ? "Partly correct (" + Math.round(value * 100) + "% of the point)." : chosen.length ? "Not correct." : "Not answered.";
    box.appendChild(el("p", {"class": "hb-verdict"}, verdict));
    q.options.forEach(function (o) { if (o.feedback && chosen.indexOf(o.id) >= 0) box.appendChild(el("p", null, "“" + o.text + "”: " + o.feedback)); });
    if (value < 1) box.appendChild(el("p", null, "Correct answer: " + q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.text; }).join("; ") + "."));
    box.appendChild(el("p", null, q.explanation));
    var cites = box.appendChild(el("p", {"class": "hb-cites"}, "Policy: "));
    q.cites.forEach(function (id, i) {
      if (i) cites.appendChild(document.createTextNode(", "));
      cites.appendChild(el("a", {href: policyHref + "#" + id}, id));
    });
    box.hidden = false;
  }

  /* ---- one quiz on a page ---- */
  function Quiz(box) {
    var records = window.handbookRecords, self = this, recordForm = box.querySelector("[data-hb-record-form]");
    this.box = box;
    this.data = window.handbookData(box, "quiz");
    this.form = box.querySelector("[data-hb-quiz-form]");
    this.live = box.querySelector("[data-hb-quiz-live]");
    this.result = box.querySelector("[data-hb-quiz-result]");
    this.state = load(this.data.id, this.data.version);
    this.submission = new records.Submission(recordForm, recordForm, function () { return self.record(recordForm); });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    box.querySelector("[data-hb-quiz-retry]").addEventListener("click", function () { self.start(null, true); });
    box.querySelector("[data-hb-quiz-retry-missed]").addEventListener("click", function () { self.start(self.missed, true); });
    recordForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!self.attempt) return;
      if (self.attempt.passed && records.validate(recordForm)) self.keepPass(records.person(recordForm));
      self.submission.send(recordForm.querySelector("button[type='submit']"));
    });
    this.start(null, false);
  }
  /* The pass, kept for the acknowledgement page under the id of the person who sent it. */
  Quiz.prototype.keepPass = function (person) {
    var passes = this.state.passes = this.state.passes || {};
    passes[window.handbookRecords.employeeKey(person.employee_id)] = Object.assign({employee_id: person.employee_id, name: person.name}, this.attempt);
    save(this.data.id, this.data.version, this.state);
  };
  Quiz.prototype.limitReached = function () { return this.data.attempts && this.state.attempts >= this.data.attempts; };
  Quiz.prototype.showAttempts = function () {
    var d = this.data, used = this.state.attempts, text = used ? "Attempts so far on this browser: " + used + (d.attempts ? " of " + d.attempts : "") + "." : "";
    if (this.passedNow) text += " You passed with " + this.passedNow.score + "% on attempt " + this.passedNow.attempt + ".";
    if (this.limitReached()) text += " You have used every attempt this quiz allows on this browser.";
    this.box.querySelector("[data-hb-quiz-attempts]").textContent = text.trim();
  };
  /* A full attempt (ids null) is a fresh draw and shuffle; a practice round re-asks given ids. */
  Quiz.prototype.start = function (ids, focus) {
    var d = this.data, practice = !!ids, self = this;
    this.showAttempts();
    this.result.hidden = true;
    this.live.textContent = "";
    if (!practice && this.limitReached()) { this.form.hidden = true; return; }
    var pool = d.questions.filter(function (q) { return practice ? ids.indexOf(q.id) >= 0 : true; });
    if (!practice && d.draw < pool.length) {
      var drawn = shuffled(pool).slice(0, d.draw);
      pool = pool.filter(function (q) { return drawn.indexOf(q) >= 0; });
    }
    if (d.shuffle.questions) pool = shuffled(pool);
    this.round = {practice: practice, questions: pool, started_at: window.handbookRecords.now()};
    var list = this.box.querySelector("[data-hb-quiz-questions]");
    list.textContent = "";
    pool.forEach(function (q, i) { list.appendChild(self.fieldset(q, i, pool.length)); });
    this.box.querySelector("[data-hb-quiz-round]").textContent = practice ? "Practice: the questions you missed (not counted as an attempt)" : "Questions";
    this.box.querySelector("[data-hb-quiz-submit]").hidden = false;
    this.form.hidden = false;
    if (focus) this.box.querySelector("[data-hb-quiz-round]").focus();
  };
  Quiz.prototype.fieldset = function (q, i, count) {
    var options = this.data.shuffle.options && q.kind !== "true-false" ? shuffled(q.options) : q.options;
    return questionFieldset(q, options, this.box.id + "-" + q.id, i, count);
  };
  Quiz.prototype.answers = function () {
    var answers = {};
    this.box.querySelectorAll("[data-hb-question]").forEach(function (fs) {
      answers[fs.getAttribute("data-hb-question")] = Array.prototype.map.call(fs.querySelectorAll("input:checked"), function (input) { return input.value; });
    });
    return answers;
  };
  Quiz.prototype.submit = function () {
    var d = this.data, round = this.round, answers = this.answers(), ids = round.questions.map(function (q) { return q.id; });
    var result = grade(d, ids, answers), self = this;
    this.missed = ids.filter(function (id) { return result.per_question[id] < 1; });
    round.questions.forEach(function (q) { self.feedback(q, answers[q.id], result.per_question[q.id]); });
    var full = ids.length - this.missed.length, summary = "You scored " + result.score + "% (" + full + " of " + ids.length + " fully correct). ";
    if (round.practice) summary += "This practice round does not count as an attempt; try the whole quiz again to pass.";
    else {
      this.state.attempts += 1;
      summary += result.passed ? "Passed: the pass mark is " + d.pass_mark + "%." : "Not passed yet: the pass mark is " + d.pass_mark + "%.";
      this.attempt = {questions: ids, answers: answers, score: result.score, pass_mark: d.pass_mark, passed: result.passed,
        attempt: this.state.attempts, started_at: round.started_at};
      this.submission.clear();  // a new attempt is a new record
      if (result.passed) this.passedNow = this.attempt;
      save(d.id, d.version, this.state);
    }
    this.box.querySelector("[data-hb-quiz-submit]").hidden = true;
    this.box.querySelector("[data-hb-quiz-summary]").textContent = summary;
    this.box.querySelector("[data-hb-quiz-retry]").hidden = this.limitReached();
    this.box.querySelector("[data-hb-quiz-retry-missed]").hidden = !this.missed.length;
    this.box.querySelector("[data-hb-record-form]").hidden = round.practice;
    var next = this.box.querySelector("[data-hb-quiz-next]");
    if (next) next.hidden = !this.passedNow;
    this.showAttempts();
    this.result.hidden = false;
    this.live.textContent = summary;
    this.box.querySelector("[data-hb-quiz-result-heading]").focus();
  };
  Quiz.prototype.feedback = function (q, chosen, value) {
    showFeedback(this.box.querySelector("[data-hb-question='" + q.id + "']"), q, chosen, value, this.data.policy_href);
  };
  /* The attempt's record: the person on the record form, the attempt as graded here. */
  Quiz.prototype.record = function (form) {
    var d = this.data, fields = {policy: d.policy, quiz: {id: d.id, version: d.version}, person: window.handbookRecords.person(form)};
    Object.keys(this.attempt).forEach(function (k) { fields[k] = this.attempt[k]; }, this);
    return window.handbookRecords.build("quiz-attempt", fields);
  };

  window.handbookQuiz = {grade: grade, passed: passed, questionFieldset: questionFieldset, showFeedback: showFeedback};

  function bind(root) {
    root.querySelectorAll("[data-hb-quiz]").forEach(function (box) {
      if (box.hbQuiz) return;
      box.hbQuiz = new Quiz(box);
    });
  }
  window.handbookOnPage(bind);
})();
