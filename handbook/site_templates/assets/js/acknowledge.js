/* Acknowledgement pages: a thin controller over records.js. When the policy asks for a
   self-check first, the role a person acts as decides which one (page data by_role, made in
   handbook/pages.py); quiz.js keeps the passes in handbookStore. Only a record the service stored is shown as
   a printable certificate. What this browser acknowledged is remembered by employee id, so a
   reload says "already acknowledged" (a hint: the records service stays the record). Names
   go into the page as text, never as HTML. */
(function () {
  "use strict";
  var text = window.handbookText, store = window.handbookStore;

  function Acknowledgement(box) {
    var records = window.handbookRecords, self = this;
    var data = this.data = window.handbookData(box, "acknowledgement");
    var form = this.form = box.querySelector("[data-hb-ack-form]"), started = records.now();
    this.box = box;
    this.key = store.keys.acknowledged(data.policy.id);
    this.passes = {};
    data.quizzes.forEach(function (quiz) { self.passes[quiz.id] = store.get(store.keys.quiz(quiz.id, quiz.version), {}).passed || null; });
    this.submission = new records.Submission(box, form, function () { return self.build(started); },
      function (wrapper, answer) { return self.check(wrapper, answer); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submission.send(form.querySelector("button[type='submit']")).then(function (result) {
        if (result && result.sent) self.certify(self.submission.current(), result.received_at);
      });
    });
    form.elements.employee_id.addEventListener("change", function () { self.showEarlier(form.elements.employee_id.value.trim()); });
    box.querySelector("[data-hb-ack-again]").addEventListener("click", function () {
      box.querySelector("[data-hb-ack-done]").hidden = true;
      self.open();
      form.elements.employee_id.focus();
    });
    box.querySelector("[data-hb-cert-print]").addEventListener("click", function () {
      document.body.classList.add("hb-print-certificate");
      window.print();
      document.body.classList.remove("hb-print-certificate");
    });
    box.querySelector("[data-hb-cert-download]").addEventListener("click", function () {
      self.submission.save(text("ack.keep_copy"));
    });
    if (!this.showDone()) this.open();
  }
  /* The quiz a person acting as ``role`` passes first (null: none), and their pass of it. */
  Acknowledgement.prototype.quizFor = function (role) {
    var id = this.data.by_role[role];
    return id ? this.data.quizzes.filter(function (quiz) { return quiz.id === id; })[0] : null;
  };
  Acknowledgement.prototype.anyoneMayStart = function () {
    var data = this.data;
    return !data.quizzes.length || Object.keys(data.by_role).some(function (role) { return !data.by_role[role]; });
  };
  /* Show the form when a pass (or a role needing none) allows it; otherwise the gate. */
  Acknowledgement.prototype.open = function () {
    var self = this, passed = this.data.quizzes.filter(function (quiz) { return self.passes[quiz.id]; });
    var gate = this.box.querySelector("[data-hb-ack-gate]"), note = this.box.querySelector("[data-hb-ack-passed]");
    var open = passed.length > 0 || this.anyoneMayStart();
    if (gate) gate.hidden = open;
    if (note) {
      note.hidden = !passed.length;
      note.textContent = passed.map(function (quiz) {
        var pass = self.passes[quiz.id];
        return text("ack.passed", {quiz: quiz.title, score: pass.score, attempt: pass.attempt});
      }).join(" ");
    }
    this.form.hidden = !open;
  };
  /* The page's own rule: the role chosen must have passed its self-check on this browser. */
  Acknowledgement.prototype.check = function (wrapper, answer) {
    if (wrapper.dataset.hbPerson !== "role") return "";
    var quiz = this.quizFor(answer);
    if (!quiz || this.passes[quiz.id]) return "";
    return text("ack.needs_quiz", {role: this.roleName(), quiz: quiz.title});
  };
  Acknowledgement.prototype.roleName = function () {
    var role = this.form.elements.role;
    return role.options ? role.options[role.selectedIndex].text : role.value;
  };
  Acknowledgement.prototype.build = function (started) {
    var data = this.data, form = this.form, person = window.handbookRecords.person(form), quiz = this.quizFor(person.role);
    var fields = {policy: data.policy, person: person, statement: data.statement,
      signature: form.elements.signature.value.trim(), started_at: started};
    var pass = quiz && this.passes[quiz.id];
    if (pass) {
      fields.quiz = {id: quiz.id, version: quiz.version};
      ["questions", "answers", "score", "pass_mark", "passed", "attempt"].forEach(function (k) { fields[k] = pass[k]; });
    }
    return window.handbookRecords.build("acknowledgement", fields);
  };

  /* ---- what this browser acknowledged, by employee id ---- */
  Acknowledgement.prototype.remembered = function () { return store.get(this.key, {}); };
  Acknowledgement.prototype.remember = function (record, receivedAt) {
    var all = this.remembered();
    all[record.person.employee_id] = {name: record.person.name, version: record.policy.version, hash: record.policy.hash,
      at: receivedAt || record.submitted_at, id: record.id};
    store.set(this.key, all);
  };
  Acknowledgement.prototype.current = function (entry) {
    return entry.version === this.data.policy.version && entry.hash === this.data.policy.hash;
  };
  /* On arrival: the latest acknowledgement of this version made here, if any; true when shown. */
  Acknowledgement.prototype.showDone = function () {
    var all = this.remembered(), self = this, ids = Object.keys(all).filter(function (id) { return self.current(all[id]); });
    if (!ids.length) { this.showEarlier(null); return false; }
    ids.sort(function (a, b) { return all[a].at < all[b].at ? 1 : -1; });
    var entry = all[ids[0]], done = this.box.querySelector("[data-hb-ack-done]"), slot = done.querySelector("[data-hb-ack-done-text]");
    slot.textContent = "";
    slot.appendChild(document.createElement("p")).textContent = text("ack.already", {name: entry.name, employee_id: ids[0],
      version: entry.version, when: text.when(entry.at)});
    var small = slot.appendChild(document.createElement("p"));
    small.className = "hb-small-print";
    small.textContent = text("records.record_id", {id: entry.id});
    done.hidden = false;
    this.form.hidden = true;
    return true;
  };
  /* Says when this browser holds an acknowledgement of an earlier version (or of this one, by
     the employee id just typed). */
  Acknowledgement.prototype.showEarlier = function (employeeId) {
    var all = this.remembered(), self = this, slot = this.box.querySelector("[data-hb-ack-earlier]");
    var ids = employeeId ? [employeeId].filter(function (id) { return all[id]; }) : Object.keys(all);
    var entry = ids.length ? all[ids[0]] : null;
    slot.hidden = !entry;
    if (!entry) return;
    slot.textContent = text(self.current(entry) ? "ack.already" : "ack.earlier", {name: entry.name, employee_id: ids[0],
      version: entry.version, current: this.data.policy.version, when: text.when(entry.at)});
  };

  /* The certificate of a stored record, filled in as text. */
  Acknowledgement.prototype.certify = function (record, receivedAt) {
    var box = this.box, quiz = this.quizFor(record.person.role), pass = quiz && this.passes[quiz.id];
    var shown = {name: record.person.name, employee_id: record.person.employee_id, department: record.person.department,
      role: this.roleName(), signature: record.signature, submitted_at: text.when(receivedAt || record.submitted_at),
      id: text("records.record_id", {id: record.id}),
      quiz_title: quiz ? quiz.title : "", quiz: pass ? text("ack.cert_quiz", {score: pass.score, pass_mark: pass.pass_mark}) : ""};
    box.querySelectorAll("[data-hb-cert]").forEach(function (slot) { slot.textContent = shown[slot.getAttribute("data-hb-cert")]; });
    box.querySelector("[data-hb-cert-quiz-row]").hidden = !pass;
    this.remember(record, receivedAt);
    this.form.hidden = true;
    box.querySelector("[data-hb-ack-earlier]").hidden = true;
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
