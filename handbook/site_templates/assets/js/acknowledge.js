/* Acknowledgement pages: a thin controller over records.js. When the policy asks for a
   self-check first, the role on the form decides which one (page data by_role, made in
   handbook/pages.py), and only the pass of the person on the form counts: quiz.js keeps each
   pass under the employee id that sent it, never another's. Without that pass nothing is sent.
   Only a record the service stored is shown as a printable certificate, with local times in
   words. What this browser acknowledged is remembered by employee id, so a reload says
   "already acknowledged" (a hint: the records service stays the record). "Not you? Start over"
   clears the person and everything shown for them. Names go into the page as text, never HTML. */
(function () {
  "use strict";
  var text = window.handbookText, store = window.handbookStore;

  function Acknowledgement(box) {
    var records = window.handbookRecords, self = this;
    var data = this.data = window.handbookData(box, "acknowledgement");
    var form = this.form = box.querySelector("[data-hb-ack-form]"), started = records.now();
    this.box = box;
    this.key = store.keys.acknowledged(data.policy.id);
    /* A reminder links here with ?since=<the version the person acknowledged>. */
    this.asked = new URLSearchParams(window.location.search).get("since");
    this.pass = null;
    this.submission = new records.Submission(box, form, function () { return self.build(started); });
    ["input", "change"].forEach(function (type) { form.addEventListener(type, function () { self.lookUp(); }); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var needed = self.needed();
      if (needed && !self.pass) return self.gated(needed);
      self.submission.send(form.querySelector("button[type='submit']")).then(function (result) {
        if (result && result.sent) self.certify(self.submission.current(), result.response || {}, result.received_at);
      });
    });
    form.elements.employee_id.addEventListener("change", function () { self.showEarlier(form.elements.employee_id.value.trim()); });
    box.querySelector("[data-hb-ack-again]").addEventListener("click", function () {
      box.querySelector("[data-hb-ack-done]").hidden = true;
      form.hidden = false;
      form.elements.employee_id.focus();
    });
    box.querySelector("[data-hb-ack-restart]").addEventListener("click", function () { self.startOver(); });
    box.querySelector("[data-hb-cert-print]").addEventListener("click", function () {
      document.body.classList.add("hb-print-certificate");
      window.print();
      document.body.classList.remove("hb-print-certificate");
    });
    box.querySelector("[data-hb-cert-download]").addEventListener("click", function () {
      self.submission.save(text("ack.keep_copy"));
    });
    form.hidden = this.showDone();
    this.lookUp();
  }
  /* The quiz a person acting as ``role`` passes first (null: none, or no role chosen yet). */
  Acknowledgement.prototype.quizFor = function (role) {
    var id = role ? this.data.by_role[role] : null;
    return id ? this.data.quizzes.filter(function (quiz) { return quiz.id === id; })[0] : null;
  };
  Acknowledgement.prototype.needed = function () { return this.quizFor(window.handbookRecords.person(this.form).role); };
  /* The pass this person (by employee id) sent from this browser for ``quiz``, or null. */
  Acknowledgement.prototype.passOf = function (quiz, employeeId) {
    var passes = store.get(store.keys.quiz(quiz.id, quiz.version), {}).passes || {};
    return employeeId ? passes[window.handbookRecords.employeeKey(employeeId)] || null : null;
  };
  /* Who is acting, and the pass that counts for them: the one of their role's quiz (before a
     role is chosen, any of theirs is shown, and none counts yet). */
  Acknowledgement.prototype.lookUp = function () {
    var person = window.handbookRecords.person(this.form), self = this, needed = this.needed();
    var exempt = !!person.role && !needed && this.data.quizzes.length > 0;
    var shown = (needed ? [needed] : this.data.quizzes).map(function (quiz) { return [quiz, self.passOf(quiz, person.employee_id)]; })
      .filter(function (found) { return found[1]; })[0];
    this.pass = needed && shown ? shown[1] : null;
    this.box.querySelector("[data-hb-ack-acting]").textContent = person.name && person.employee_id ?
      text("ack.acting", {name: person.name, employee_id: person.employee_id}) : "";
    var gate = this.box.querySelector("[data-hb-ack-gate]"), note = this.box.querySelector("[data-hb-ack-passed]");
    if (!gate) return;
    gate.hidden = exempt || !!this.pass;
    note.hidden = !shown;
    note.textContent = shown ? text("ack.passed", {employee_id: shown[1].employee_id, quiz: shown[0].title,
      score: shown[1].score, attempt: shown[1].attempt}) : "";
  };
  /* Refused here, before anything is sent: no pass on this browser by the person on the form. */
  Acknowledgement.prototype.gated = function (quiz) {
    if (!window.handbookRecords.validate(this.form)) return;
    var person = window.handbookRecords.person(this.form);
    this.submission.say(text("ack.not_sent", {employee_id: person.employee_id, quiz: quiz.title, role: this.roleName()}));
  };
  Acknowledgement.prototype.roleName = function () {
    var role = this.form.elements.role;
    return role.options ? role.options[role.selectedIndex].text : role.value;
  };
  Acknowledgement.prototype.build = function (started) {
    var data = this.data, form = this.form, person = window.handbookRecords.person(form), quiz = this.quizFor(person.role);
    var fields = {policy: data.policy, person: person, statement: data.statement,
      signature: form.elements.signature.value.trim(), started_at: started};
    if (quiz && this.pass) {
      var pass = this.pass;
      fields.quiz = {id: quiz.id, version: quiz.version};
      ["questions", "answers", "score", "pass_mark", "passed", "attempt"].forEach(function (k) { fields[k] = pass[k]; });
    }
    return window.handbookRecords.build("acknowledgement", fields);
  };
  /* Another person at this computer: forget the person, their answers, status and certificate. */
  Acknowledgement.prototype.startOver = function () {
    this.form.reset();
    this.submission.clear();
    this.showSince(null);
    ["[data-hb-certificate]", "[data-hb-ack-done]", "[data-hb-ack-earlier]"].forEach(function (part) {
      this.box.querySelector(part).hidden = true;
    }, this);
    this.form.hidden = false;
    this.lookUp();
    this.form.querySelector("input:not([type='hidden']), select").focus();
  };

  /* ---- what this browser acknowledged, by employee id ---- */
  Acknowledgement.prototype.remembered = function () { return store.get(this.key, {}); };
  Acknowledgement.prototype.remember = function (record, receivedAt) {
    var all = this.remembered();
    all[record.person.employee_id] = {name: record.person.name, version: record.policy.version, hash: record.policy.hash,
      at: receivedAt || record.submitted_at, id: record.id};
    store.set(this.key, all);
  };
  /* Current: this version, or an earlier one only editorial changes separate from it. */
  Acknowledgement.prototype.current = function (entry) {
    return this.data.current.some(function (ref) { return ref.version === entry.version && ref.hash === entry.hash; });
  };
  /* What changed since ``version`` (one section per earlier version, made by the build), shown
     alone; none when ``version`` is null or has no section. */
  Acknowledgement.prototype.showSince = function (version) {
    var shown = null;
    this.box.querySelectorAll("[data-hb-ack-since]").forEach(function (section) {
      section.hidden = section.getAttribute("data-hb-ack-since") !== version;
      if (!section.hidden) shown = section;
    });
    return shown;
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
    return true;
  };
  /* Says when this browser holds an acknowledgement of an earlier version (or of this one, by
     the employee id just typed). */
  Acknowledgement.prototype.showEarlier = function (employeeId) {
    var all = this.remembered(), slot = this.box.querySelector("[data-hb-ack-earlier]");
    var ids = employeeId ? [employeeId].filter(function (id) { return all[id]; }) : Object.keys(all);
    var entry = ids.length ? all[ids[0]] : null;
    slot.hidden = !entry;
    this.showSince(entry && !this.current(entry) ? entry.version : this.asked);
    if (!entry) return;
    slot.textContent = text(this.current(entry) ? "ack.already" : "ack.earlier", {name: entry.name, employee_id: ids[0],
      version: entry.version, current: this.data.policy.version, when: text.when(entry.at)});
  };

  /* The certificate of a record the service stored (its id and when it was received), as text. */
  Acknowledgement.prototype.certify = function (record, stored, receivedAt) {
    var box = this.box, quiz = this.quizFor(record.person.role), pass = quiz && this.pass;
    var shown = {name: record.person.name, employee_id: record.person.employee_id, department: record.person.department,
      role: this.roleName(), signature: record.signature, submitted_at: text.when(record.submitted_at),
      received_at: text.when(receivedAt || record.submitted_at), id: text("records.record_id", {id: stored.id || record.id}),
      quiz_title: quiz ? quiz.title : "", quiz: pass ? text("ack.cert_quiz", {score: pass.score, pass_mark: pass.pass_mark}) : ""};
    box.querySelectorAll("[data-hb-cert]").forEach(function (slot) { slot.textContent = shown[slot.getAttribute("data-hb-cert")]; });
    box.querySelector("[data-hb-cert-quiz-row]").hidden = !pass;
    this.remember(record, receivedAt);
    this.form.hidden = true;
    box.querySelector("[data-hb-ack-earlier]").hidden = true;
    this.showSince(null);
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
