/* Acknowledgement pages: a thin controller over records.js. Gated by a passed self-check when
   the policy asks for one (quiz.js keeps passes); the acknowledgement is sent as a record, and
   only a record the service stored is shown as a printable certificate. Names go into the page
   as text, never as HTML. */
(function () {
  "use strict";
  function Acknowledgement(box) {
    var records = window.handbookRecords, data = window.handbookData(box, "acknowledgement"), self = this;
    var form = box.querySelector("[data-hb-ack-form]"), started = records.now();
    var pass = this.pass = data.quiz ? window.handbookQuiz.passed(data.quiz.id, data.quiz.version) : null;
    this.box = box;
    if (data.quiz) {
      box.querySelector("[data-hb-ack-gate]").hidden = !!pass;
      var note = box.querySelector("[data-hb-ack-passed]");
      note.hidden = !pass;
      if (pass) note.textContent = "You passed " + data.quiz.title + " with " + pass.score + "% on attempt " + pass.attempt + ". Your answers go with this acknowledgement.";
    }
    form.hidden = !!data.quiz && !pass;
    var submission = new records.Submission(box, form, function () {
      var fields = {policy: data.policy, person: records.person(form), statement: data.statement,
        signature: form.elements.signature.value.trim(), started_at: started};
      if (pass) {
        fields.quiz = {id: data.quiz.id, version: data.quiz.version};
        ["questions", "answers", "score", "pass_mark", "passed", "attempt"].forEach(function (k) { fields[k] = pass[k]; });
      }
      return records.build("acknowledgement", fields);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submission.send(form.querySelector("button[type='submit']")).then(function (result) {
        if (result && result.sent) self.certify(form, submission.current());
      });
    });
    box.querySelector("[data-hb-cert-print]").addEventListener("click", function () {
      document.body.classList.add("hb-print-certificate");
      window.print();
      document.body.classList.remove("hb-print-certificate");
    });
    box.querySelector("[data-hb-cert-download]").addEventListener("click", function () {
      submission.save("Keep it with your certificate.");
    });
  }
  /* The certificate of a stored record, filled in as text. */
  Acknowledgement.prototype.certify = function (form, record) {
    var role = form.elements.role, pass = this.pass, box = this.box;
    var shown = {name: record.person.name, employee_id: record.person.employee_id, department: record.person.department,
      role: role.options ? role.options[role.selectedIndex].text : role.value, signature: record.signature,
      submitted_at: record.submitted_at, id: record.id,
      quiz: pass ? "Passed with " + pass.score + "% (pass mark " + pass.pass_mark + "%)" : ""};
    box.querySelectorAll("[data-hb-cert]").forEach(function (dd) { dd.textContent = shown[dd.getAttribute("data-hb-cert")]; });
    form.hidden = true;
    var certificate = box.querySelector("[data-hb-certificate]");
    certificate.hidden = false;
    certificate.querySelector("h2").focus();
  };

  window.handbookOnPage(function (root) {
    root.querySelectorAll("[data-hb-ack]").forEach(function (box) {
      if (!box.hbAck) box.hbAck = new Acknowledgement(box);
    });
  });
})();
