/* Packages only, loaded before the LMS adapter: each graded attempt of a self-check becomes a
   "handbook:quiz-graded" event (score, pass, each question's answer, key and value) without a
   byte added to the site's quiz.js. It wraps the submit of each quiz on the page: a submit that
   made a new attempt (not a practice round) is announced. */
(function () {
  "use strict";
  function detail(quiz) {
    var d = quiz.data, a = quiz.attempt, result = window.handbookQuiz.grade(d, a.questions, a.answers);
    return {quiz: {id: d.id, version: d.version, title: d.title}, score: a.score, pass_mark: a.pass_mark,
      passed: a.passed, started_at: a.started_at, questions: a.questions.map(function (id) {
        var q = d.questions.filter(function (x) { return x.id === id; })[0];
        return {id: id, prompt: q.prompt, chosen: a.answers[id] || [], value: result.per_question[id],
          correct: q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.id; })};
      })};
  }
  window.handbookOnPage(function (root) {
    root.querySelectorAll("[data-hb-quiz]").forEach(function (box) {
      var quiz = box.hbQuiz;
      if (!quiz || quiz.hbAnnounced) return;
      var submit = quiz.submit;
      quiz.hbAnnounced = true;
      quiz.submit = function (force) {
        var before = quiz.attempt;
        submit.call(quiz, force);
        if (quiz.attempt && quiz.attempt !== before) {
          box.dispatchEvent(new CustomEvent("handbook:quiz-graded", {bubbles: true, detail: detail(quiz)}));
        }
      };
    });
  });
})();
