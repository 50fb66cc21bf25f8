/* Acknowledgement pages: a thin controller over records.js. Gated by a passed self-check when
   the policy asks for one: the pass of the person whose employee id is on the form (quiz.js
   keeps passes by employee id), never another's. The acknowledgement is sent as a record, and
   only a record the service stored is shown as a printable certificate. "Not you? Start over"
   clears the person and everything shown for them. Names go into the page as text, never as HTML. */
(function () {
  "use strict";
  function Acknowledgement(box) {
    var records = window.handbookRecords, data = window.handbookData(box, "acknowledgement"), self = this;
    var form = box.querySelector("[data-hb-ack-form]"), started = records.now();
    this.box = box; this.data = data; this.form = form; this.pass = null;
    form.hidden = false;
    this.lookUp();
    ["input", "change"].forEach(function (type) { form.addEventListener(type, function () { self.lookUp(); }); });
    var submission = this.submission = new records.Submission(box, form, function () {
      var pass = self.pass;
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
      if (data.quiz && !self.pass) return self.gated();
      submission.send(form.querySelector("button[type='submit']")).then(function (result) {
        if (result && result.sent) self.certify(form, submission.current(), result.response || {});
      });
    });
    box.querySelector("[data-hb-cert-print]").addEventListener("click", function () {
      document.body.classList.add("hb-print-certificate");
      window.print();
      document.body.classList.remove("hb-print-certificate");
    });
    box.querySelector("[data-hb-ack-restart]").addEventListener("click", function () { self.startOver(); });
    box.querySelector("[data-hb-cert-download]").addEventListener("click", function () {
      submission.save("Keep it with your certificate.");
    });
  }
  /* Who is acting, and the pass of the person whose employee id is typed (theirs or none). */
  Acknowledgement.prototype.lookUp = function () {
    var person = window.handbookRecords.person(this.form), quiz = this.data.quiz, pass = null;
    this.box.querySelector("[data-hb-ack-acting]").textContent = person.name && person.employee_id ?
      "Acknowledging as " + person.name + " (" + person.employee_id + ")." : "";
    if (!quiz) return;
    if (person.employee_id) pass = window.handbookQuiz.passed(quiz.id, quiz.version, person.employee_id);
    this.pass = pass;
    this.box.querySelector("[data-hb-ack-gate]").hidden = !!pass;
    var note = this.box.querySelector("[data-hb-ack-passed]");
    note.hidden = !pass;
    note.textContent = pass ? pass.employee_id + " passed " + quiz.title + " with " + pass.score + "% on attempt " + pass.attempt + ". Those answers go with this acknowledgement." : "";
  };
  /* Refused here, before anything is sent: no pass on this browser by the person on the form. */
  Acknowledgement.prototype.gated = function () {
    if (!window.handbookRecords.validate(this.form)) return;
    var id = window.handbookRecords.person(this.form).employee_id;
    this.submission.say("Not sent: " + id + " has not passed " + this.data.quiz.title + " on this browser. Pass it first and send your result with your employee ID, then acknowledge.");
  };
  /* Another person at this computer: forget the person, their answers, status and certificate. */
  Acknowledgement.prototype.startOver = function () {
    this.form.reset();
    this.submission.clear();
    this.box.querySelector("[data-hb-certificate]").hidden = true;
    this.form.hidden = false;
    this.lookUp();
    this.form.querySelector("input:not([type='hidden']), select").focus();
  };
  /* The certificate of a record the service stored (its id and the time it was received), as text. */
  Acknowledgement.prototype.certify = function (form, record, stored) {
    var role = form.elements.role, pass = this.pass, box = this.box;
    var shown = {name: record.person.name, employee_id: record.person.employee_id, department: record.person.department,
      role: role.options ? role.options[role.selectedIndex].text : role.value, signature: record.signature,
      submitted_at: record.submitted_at, id: stored.id || record.id, received_at: stored.received_at || "",
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
