/* Acknowledgement pages: gated by a passed self-check when the policy asks for one; the
   completed acknowledgement is sent as a record (or downloaded as a receipt) and shown as a
   printable certificate. Names go into the page as text, never as HTML. Uses quiz.js. */
(function () {
  "use strict";
  function Acknowledgement(box) {
    var lib = window.handbookQuiz, data = lib.pageData(box), self = this, form = box.querySelector("[data-hb-ack-form]");
    var pass = data.quiz ? lib.passed(data.quiz.id, data.quiz.version) : null;
    this.box = box; this.data = data; this.pass = pass; this.started = window.handbookRecords.now();
    if (data.quiz) {
      box.querySelector("[data-hb-ack-gate]").hidden = !!pass;
      var note = box.querySelector("[data-hb-ack-passed]");
      note.hidden = !pass;
      if (pass) note.textContent = "You passed " + data.quiz.title + " with " + pass.score + "% on attempt " + pass.attempt + ". Your answers go with this acknowledgement.";
    }
    form.hidden = !!data.quiz && !pass;
    form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(form); });
    box.querySelector("[data-hb-cert-print]").addEventListener("click", function () {
      document.body.classList.add("hb-print-certificate");
      window.print();
      document.body.classList.remove("hb-print-certificate");
    });
    box.querySelector("[data-hb-cert-download]").addEventListener("click", function () { lib.downloadReceipt(self.record); });
  }
  Acknowledgement.prototype.submit = function (form) {
    var lib = window.handbookQuiz, data = this.data, pass = this.pass, box = this.box;
    if (!lib.check(form)) return;
    var fields = {policy: data.policy, person: lib.person(form), statement: data.statement,
      signature: form.elements.signature.value.trim(), started_at: this.started};
    if (pass) {
      fields.quiz = {id: data.quiz.id, version: data.quiz.version};
      ["questions", "answers", "score", "pass_mark", "passed", "attempt"].forEach(function (k) { fields[k] = pass[k]; });
    }
    var record = this.record = lib.record("acknowledgement", fields);
    form.querySelector("[data-hb-record-button]").disabled = true;
    lib.deliver(record, box, box.querySelector("[data-hb-record-status]")).then(function () {
      var role = form.elements.role;
      var shown = {name: record.person.name, employee_id: record.person.employee_id, department: record.person.department,
        role: role.options[role.selectedIndex].text, signature: record.signature, submitted_at: record.submitted_at, id: record.id,
        quiz: pass ? "Passed with " + pass.score + "% (pass mark " + pass.pass_mark + "%)" : ""};
      box.querySelectorAll("[data-hb-cert]").forEach(function (dd) { dd.textContent = shown[dd.getAttribute("data-hb-cert")]; });
      form.hidden = true;
      var certificate = box.querySelector("[data-hb-certificate]");
      certificate.hidden = false;
      certificate.querySelector("h2").focus();
    });
  };

  function bind(root) {
    root.querySelectorAll("[data-hb-ack]").forEach(function (box) {
      if (!box.hbAck) box.hbAck = new Acknowledgement(box);
    });
  }
  window.handbookOnPage(bind);
})();
