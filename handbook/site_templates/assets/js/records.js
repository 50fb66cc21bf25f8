/* Records from the browser, for forms, quizzes and acknowledgements alike: the person block,
   field checks and their error summary, building a record from the contract in the page data
   (handbook/page_data.py), sending it, and the receipt. One submission is one record: a
   Submission keeps the record it built, and its id, until the person changes an answer, so a
   second click or a receipt after sending carries the same id. When sending fails nothing is
   downloaded by surprise: the reason is shown where the person is looking, their input stays,
   and a button offers the receipt. The page scripts are thin controllers over this file.
   With the organisation's sign-in on, the service says who is signed in (GET /api/me): the
   person block then says "Signed in as ..." and its fields come from the sign-in, locked. */
(function () {
  "use strict";
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var WEB_ADDRESS = /^https?:\/\/[^\s/$.?#].[^\s]*$/i;
  var text = window.handbookText;

  function settings() { return window.handbookData(document, "records"); }
  function contract() { return settings().contract; }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  /* UTC to the second, as every record's timestamps are. */
  function now() { return new Date().toISOString().replace(/\.\d{3}Z$/, "Z"); }

  /* ---- fields: one markup contract for every form that makes a record ----
     A field is an element with data-hb-field="id" (an answer) or data-hb-person="id" (the
     person block), data-hb-type, data-hb-label and, when it must be filled, data-hb-required.
     It holds its controls and an empty [data-hb-error] slot; the form holds one
     [data-hb-error-summary] with a .hb-error-title and a [data-hb-error-list]. */
  function controls(wrapper) { return Array.prototype.slice.call(wrapper.querySelectorAll("input, select, textarea")); }
  function fields(form) { return Array.prototype.slice.call(form.querySelectorAll("[data-hb-field], [data-hb-person]")); }

  /* The answer of one field, as the record holds it: text, an option id, ids, or true/false. */
  function value(wrapper) {
    var type = wrapper.dataset.hbType, inputs = controls(wrapper);
    if (type === "checkbox") return inputs[0].checked;
    if (type === "multi-select") return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    return inputs[0].value.trim();
  }
  /* What is wrong with one field, in words ("" when nothing); ``extra`` may add a page's own rule. */
  function problem(wrapper, extra) {
    var type = wrapper.dataset.hbType, values = {label: wrapper.dataset.hbLabel}, answer = value(wrapper);
    var input = controls(wrapper)[0];
    if (type === "date" && input.validity && input.validity.badInput) return text("records.error.bad_date", values);
    if (answer === "" || answer === false || (Array.isArray(answer) && !answer.length)) {
      if (!("hbRequired" in wrapper.dataset)) return "";
      if (wrapper.dataset.hbPerson) return text("person." + wrapper.dataset.hbPerson + ".missing");
      return text("records.error." + (type in {checkbox: 1, select: 1, "multi-select": 1, date: 1} ? type : "missing"), values);
    }
    if (type === "email" && !EMAIL.test(answer)) return text("records.error.email", values);
    if (type === "url" && !WEB_ADDRESS.test(answer)) return text("records.error.url", values);
    return extra ? extra(wrapper, answer) || "" : "";
  }

  function summaryLink(message, target, input) {
    var item = document.createElement("li"), link = item.appendChild(document.createElement("a"));
    link.href = "#" + target.id;
    link.textContent = message;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      input.focus();
      input.scrollIntoView({block: "center"});
    });
    return item;
  }

  /* Marks each field and fills the summary, which takes focus; true when there is nothing to fix.
     ``extra(wrapper, answer)`` is the page's own rule for a filled field, if it has one. */
  function validate(form, extra) {
    var summary = form.querySelector("[data-hb-error-summary]"), list = summary.querySelector("[data-hb-error-list]");
    var count = 0;
    list.textContent = "";
    fields(form).forEach(function (wrapper) {
      var slot = wrapper.querySelector("[data-hb-error]");
      if (!slot) return;  // nothing to check: a fixed value
      var message = problem(wrapper, extra), input = controls(wrapper)[0];
      slot.textContent = message ? text("records.error.prefix", {message: message}) : "";
      controls(wrapper).forEach(function (c) {
        if (message) c.setAttribute("aria-invalid", "true"); else c.removeAttribute("aria-invalid");
      });
      wrapper.classList.toggle("hb-invalid", !!message);
      if (!message) return;
      count += 1;
      list.appendChild(summaryLink(message, wrapper.dataset.hbType === "multi-select" ? wrapper.querySelector("fieldset") : input, input));
    });
    summary.querySelector(".hb-error-title").textContent = text("records.error.title", {count: count});
    summary.hidden = count === 0;
    if (count) summary.focus();
    return count === 0;
  }

  /* The record's person block, read by the contract's field ids; an empty optional field is null. */
  function person(form) {
    var found = {};
    contract().person.forEach(function (field) {
      var wrapper = form.querySelector("[data-hb-person='" + field.id + "']"), text = wrapper ? value(wrapper) : "";
      found[field.id] = text === "" && !field.required ? null : text;
    });
    return found;
  }
  /* An employee id as one person, as handbook/service/identity.py:employee_key has it:
     compatibility-folded, without spaces, upper case ("e 100" and "E100" are one person). */
  function employeeKey(id) { return String(id || "").normalize("NFKC").replace(/\s+/g, "").toUpperCase(); }
  /* Every [data-hb-field] answer of a form, by field id, in page order. */
  function answers(form) {
    var found = {};
    form.querySelectorAll("[data-hb-field]").forEach(function (wrapper) { found[wrapper.dataset.hbField] = value(wrapper); });
    return found;
  }

  /* ---- the record ---- */
  function build(kind, values) {
    var c = contract();
    if (c.kinds.indexOf(kind) < 0) throw new TypeError(kind);
    var record = {format: c.format, id: uuid(), kind: kind, policy: null, quiz: null, form: null, person: null,
      statement: null, signature: null, questions: null, answers: {}, score: null, pass_mark: null, passed: null,
      attempt: null, started_at: null, submitted_at: now(), user_agent: navigator.userAgent};
    Object.keys(values).forEach(function (key) { record[key] = values[key]; });
    return record;
  }

  /* handbook.records.contract.receipt_name, the one rule for a receipt's file name. */
  function receiptName(record, extension) {
    var rule = contract().receipt;
    var who = record.person.employee_id.replace(new RegExp(rule.unsafe, "g"), "-").replace(/^-+|-+$/g, "") || "unknown";
    return [record.kind, record.policy.id, who, record.submitted_at.slice(0, 10), record.id.slice(0, rule.id_chars)].join("-") +
      "." + (extension || "json");
  }
  function download(name, text, type) {
    var blob = new Blob([text], {type: type});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();  /* an empty link left in the page is a WCAG "link-name" failure */
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

  /* ---- sending ---- */
  /* Where records go, or why there is nowhere: a page opened from a file reaches no service
     (unless the handbook names one by its full address), whatever the handbook configures. */
  function endpoint() {
    var url = settings().endpoint;
    if (location.protocol === "file:" && !/^https?:/i.test(url || "")) return {reason: text("records.from_file")};
    if (!url) return {reason: text("records.no_service")};
    return {url: url};
  }
  /* Resolves {sent: true, response} when the service stored it, {sent: false, reason} otherwise. */
  function send(record) {
    var target = endpoint();
    if (!target.url) return Promise.resolve({sent: false, reason: target.reason});
    return fetch(target.url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(record)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.ok) return {sent: true, response: body};
          var detail = body.detail || body.message;
          if (Array.isArray(detail)) detail = detail.join("; ");
          return {sent: false, reason: detail ? text("records.refused", {detail: detail}) : text("records.refused_status", {status: r.status})};
        });
      }, function () { return {sent: false, reason: text("records.unreachable")}; });
  }

  /* One submission of one form: ``make`` builds its record, which is kept until an answer in
     the form changes. ``scope`` holds its [data-hb-record-status] and [data-hb-receipt];
     ``extra`` is the page's own check of a filled field (see validate). */
  function Submission(scope, form, make, extra) {
    var self = this;
    this.form = form; this.make = make; this.extra = extra; this.record = null; this.sending = false;
    this.attempt = 0;
    this.status = scope.querySelector("[data-hb-record-status]");
    this.receipt = scope.querySelector("[data-hb-receipt]");
    ["input", "change"].forEach(function (type) { form.addEventListener(type, function () { self.reset(); }); });
    this.receipt.querySelector("button").addEventListener("click", function () { self.save(); });
  }
  Submission.prototype.reset = function () { this.record = null; };
  /* Forget the record and everything said about it; a send still on its way is ignored. */
  Submission.prototype.clear = function () { this.reset(); this.attempt += 1; this.say(""); this.receipt.hidden = true; };
  /* Say what became of the record: a sentence, and an id in small print for HR. */
  Submission.prototype.say = function (sentence, smallPrint) {
    this.status.textContent = "";
    if (sentence) this.status.appendChild(document.createElement("p")).textContent = sentence;
    if (smallPrint) {
      var small = this.status.appendChild(document.createElement("p"));
      small.className = "hb-small-print";
      small.textContent = smallPrint;
    }
  };
  Submission.prototype.current = function () { return this.record || (this.record = this.make()); };
  /* Checks the form, then sends its record once at a time (the button says so while it waits).
     Resolves the send's result, or null when there was nothing to send. */
  Submission.prototype.send = function (button) {
    if (this.sending || !validate(this.form, this.extra)) return Promise.resolve(null);
    var self = this, record = this.current(), attempt = this.attempt;
    this.sending = true;
    button.setAttribute("aria-disabled", "true");
    this.receipt.hidden = true;
    this.say(text("records.sending"));
    return send(record).then(function (result) {
      self.sending = false;
      button.removeAttribute("aria-disabled");
      if (attempt !== self.attempt) return null;  // cleared while it was on its way: say nothing
      if (result.sent) {
        var answer = result.response || {};
        result.received_at = answer.received_at || record.submitted_at;
        self.say(text("records.recorded", {when: text.when(result.received_at)}) + (answer.score_mismatch ? " " + answer.message : ""),
          text("records.record_id", {id: answer.id || record.id}));
      } else {
        self.say(text("records.not_recorded", {reason: result.reason}));
        self.receipt.hidden = false;
      }
      return result;
    });
  };
  /* Saves the record as a file (``render`` makes its text; JSON by default): the very record
     sent, or the one that would be. Says so with ``note`` (by default: not recorded yet). */
  Submission.prototype.save = function (note, extension, render, type) {
    if (!validate(this.form, this.extra)) return null;
    var record = this.current(), name = receiptName(record, extension || "json");
    download(name, render ? render(record) : JSON.stringify(record, null, 2) + "\n", type || "application/json");
    this.say(text("records.saved", {name: name, note: note || text("records.receipt_note")}));
    return name;
  };

  /* ---- sign-in ---- */
  /* Who the records service says is signed in, asked once per page load: null when the handbook
     has no sign-in or no service of this site answers (a page opened from a file, no endpoint,
     one on another site). */
  var whoAsked = null;
  function signedIn() {
    var target = endpoint(), url = target.url && new URL(target.url, location.href);
    if (!settings().sign_in || !url || url.origin !== location.origin || !/\/records$/.test(url.pathname)) return Promise.resolve(null);
    if (!whoAsked) {
      whoAsked = fetch(url.pathname.replace(/\/records$/, "/me"), {headers: {Accept: "application/json"}, cache: "no-store"})
        .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
    }
    return whoAsked;
  }
  function here() { return location.pathname + location.search; }
  /* Sign-out posts the session's token (a form of its own: the person block is inside another). */
  function signOut(me) {
    var form = document.body.appendChild(document.createElement("form"));
    form.method = "post"; form.action = me.logout; form.hidden = true;
    [["csrf", me.csrf], ["next", here()]].forEach(function (pair) {
      var input = form.appendChild(document.createElement("input"));
      input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
    });
    form.submit();
  }
  /* The page says who is signed in, with a way out (or in), under its title: a quiz's person
     block appears only once it is answered, and signing in then would lose the answers. */
  function showSignIn(root, me, exam) {
    var title = root.querySelector("article>h1") || root.querySelector("h1");
    if (!title || root.querySelector("[data-hb-signin]")) return;
    var box = title.parentNode.insertBefore(document.createElement("div"), title.nextSibling), action;
    box.className = "hb-signin"; box.setAttribute("data-hb-signin", "");
    var line = box.appendChild(document.createElement("p"));
    if (me.signed_in) {
      line.appendChild(document.createElement("strong")).textContent = text("records.signed_in", {who: me.label});
      action = box.appendChild(document.createElement("button"));
      action.type = "button"; action.className = "md-button"; action.textContent = text("records.sign_out");
      action.addEventListener("click", function () { signOut(me); });
    } else {
      line.textContent = text(exam && me.exams_require_sign_in ? "records.sign_in_exam" : "records.sign_in_note");
      action = box.appendChild(document.createElement("a"));
      action.classList.add("md-button", "md-button--primary"); action.textContent = text("records.sign_in");
      action.href = me.login + "?next=" + encodeURIComponent(here());
    }
  }
  /* A person block's fields that the sign-in gives: filled from it, locked, and said so. */
  function lockPerson(block, me) {
    if (block.querySelector("[data-hb-signin-note]")) return;
    var note = block.insertBefore(document.createElement("p"), block.children[1] || null);
    note.className = "hb-signin-note"; note.setAttribute("data-hb-signin-note", "");
    note.textContent = text("records.signed_in_note", {who: me.label});
    Object.keys(me.person).forEach(function (id) {
      var input = block.querySelector("[data-hb-person='" + id + "'] input");
      if (!input) return;
      input.value = input.defaultValue = me.person[id];
      input.readOnly = true;
      input.closest(".hb-field").classList.add("hb-locked");
      input.dispatchEvent(new Event("input", {bubbles: true}));
      input.dispatchEvent(new Event("change", {bubbles: true}));
    });
  }
  window.handbookOnPage(function (root) {
    var blocks = root.querySelectorAll("fieldset.hb-person");
    if (!blocks.length) return;
    signedIn().then(function (me) {
      if (!me || !me.sign_in) return;
      showSignIn(root, me, !!root.querySelector("[data-hb-exam]"));
      document.body.classList.toggle("hb-signed-in", !!me.signed_in);  // no "Not you?": sign out instead
      if (me.signed_in) blocks.forEach(function (block) { lockPerson(block, me); });
    });
  });

  window.handbookRecords = {
    contract: contract, now: now, person: person, answers: answers, build: build, receiptName: receiptName, validate: validate,
    employeeKey: employeeKey,
    Submission: Submission
  };
})();
