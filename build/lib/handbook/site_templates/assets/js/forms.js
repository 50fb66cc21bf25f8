/* Forms: check the answers (errors announced, linked from a summary that takes focus), build a
   handbook-record/1 record, submit it through window.handbookRecords, or download it as JSON
   or as a one-row CSV that a spreadsheet never runs as a formula. */
(function () {
  "use strict";
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var URL_START = /^https?:\/\/[^\s/$.?#].[^\s]*$/i;
  var FORMULA_START = /^[=+\-@\t\r\n]/;

  function now() { return new Date().toISOString().replace(/\.\d{3}Z$/, "Z"); }

  function controls(wrapper) {
    return Array.prototype.slice.call(wrapper.querySelectorAll("input, select, textarea"));
  }

  /* The answer of one field, as the record holds it: text, an option id, ids, or true/false. */
  function value(wrapper) {
    var type = wrapper.dataset.hbType;
    var inputs = controls(wrapper);
    if (type === "checkbox") return inputs[0].checked;
    if (type === "multi-select") {
      return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    return inputs[0].value.trim();
  }

  function problem(wrapper) {
    var type = wrapper.dataset.hbType;
    var label = "“" + wrapper.dataset.hbLabel + "”";
    var answer = value(wrapper);
    var input = controls(wrapper)[0];
    if (type === "date" && input.validity && input.validity.badInput) return "Enter a complete, real date for " + label;
    if (answer === "" || answer === false || (Array.isArray(answer) && !answer.length)) {
      if (!("hbRequired" in wrapper.dataset)) return "";
      if (type === "checkbox") return "Tick the box to confirm: " + label;
      if (type === "select") return "Choose an option for " + label;
      if (type === "multi-select") return "Choose at least one option for " + label;
      if (type === "date") return "Enter a date for " + label;
      return "Fill in " + label;
    }
    if (type === "email" && !EMAIL.test(answer)) return "Enter an email address like name@example.org for " + label;
    if (type === "url" && !URL_START.test(answer)) return "Enter a web address starting with https:// for " + label;
    return "";
  }

  function wrappers(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-hb-field], [data-hb-person]"));
  }

  /* Marks each field and fills the summary; true when there is nothing to fix. */
  function check(form) {
    var summary = form.querySelector("[data-hb-error-summary]");
    var list = summary.querySelector("[data-hb-error-list]");
    list.textContent = "";
    var count = 0;
    wrappers(form).forEach(function (wrapper) {
      var slot = wrapper.querySelector("[data-hb-error]");
      if (!slot) return;
      var message = problem(wrapper);
      var input = controls(wrapper)[0];
      var target = wrapper.dataset.hbType === "multi-select" ? wrapper.querySelector("fieldset") : input;
      slot.textContent = message ? "Error: " + message : "";
      controls(wrapper).forEach(function (c) {
        if (message) c.setAttribute("aria-invalid", "true"); else c.removeAttribute("aria-invalid");
      });
      wrapper.classList.toggle("hb-invalid", !!message);
      if (!message) return;
      count += 1;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + target.id;
      link.textContent = message;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        input.focus();
        input.scrollIntoView({block: "center"});
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.querySelector(".hb-error-title").textContent =
      count === 1 ? "There is 1 problem to fix" : "There are " + count + " problems to fix";
    summary.hidden = count === 0;
    if (count) summary.focus();
    return count === 0;
  }

  function person(form, name) {
    var wrapper = form.querySelector('[data-hb-person="' + name + '"]');
    return wrapper ? controls(wrapper)[0].value.trim() : "";
  }

  function record(form) {
    var data = form.dataset;
    if (!data.hbRecordId) data.hbRecordId = window.handbookRecords.uuid();
    var answers = {};
    var signature = null;
    form.querySelectorAll("[data-hb-field]").forEach(function (wrapper) {
      answers[wrapper.dataset.hbField] = value(wrapper);
      if (wrapper.dataset.hbType === "signature" && signature === null) signature = value(wrapper) || null;
    });
    return {
      format: "handbook-record/1",
      id: data.hbRecordId,
      kind: "form",
      policy: {id: data.hbPolicy, version: data.hbPolicyVersion, hash: data.hbPolicyHash},
      quiz: null,
      form: {id: data.hbForm, version: data.hbFormVersion},
      person: {
        employee_id: person(form, "employee_id"),
        name: person(form, "name"),
        department: person(form, "department"),
        role: person(form, "role"),
        email: person(form, "email") || null
      },
      statement: null,
      signature: signature,
      questions: null,
      answers: answers,
      score: null, pass_mark: null, passed: null, attempt: null,
      started_at: data.hbStartedAt || now(),
      submitted_at: now(),
      user_agent: navigator.userAgent
    };
  }

  /* RFC 4180: quote when needed, double the quotes; neutralise formula starts (OWASP). */
  function cell(answer) {
    var text = answer === true ? "yes" : answer === false ? "no" :
      Array.isArray(answer) ? answer.join("; ") : answer === null || answer === undefined ? "" : String(answer);
    if (FORMULA_START.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csv(rec) {
    var columns = [
      ["record_id", rec.id], ["submitted_at", rec.submitted_at], ["started_at", rec.started_at],
      ["employee_id", rec.person.employee_id], ["name", rec.person.name], ["email", rec.person.email],
      ["department", rec.person.department], ["role", rec.person.role],
      ["policy_id", rec.policy.id], ["policy_version", rec.policy.version], ["policy_hash", rec.policy.hash],
      ["form_id", rec.form.id], ["form_version", rec.form.version]
    ];
    Object.keys(rec.answers).forEach(function (id) { columns.push([id, rec.answers[id]]); });
    var header = columns.map(function (c) { return cell(c[0]); }).join(",");
    var row = columns.map(function (c) { return cell(c[1]); }).join(",");
    return "\ufeff" + header + "\r\n" + row + "\r\n";
  }

  function fileName(rec, extension) {
    var who = (rec.person.employee_id || "unknown").replace(/[^A-Za-z0-9_-]+/g, "_");
    return rec.kind + "-" + rec.policy.id + "-" + who + "-" + rec.submitted_at.slice(0, 10) + "." + extension;
  }

  function say(form, text) { form.querySelector("[data-hb-form-status]").textContent = text; }

  function download(form, format) {
    if (!check(form)) return;
    var rec = record(form);
    if (format === "csv") {
      window.handbookRecords.download(fileName(rec, "csv"), csv(rec), "text/csv;charset=utf-8");
    } else {
      window.handbookRecords.download(fileName(rec, "json"), JSON.stringify(rec, null, 2) + "\n", "application/json");
    }
    say(form, "Downloaded the " + format.toUpperCase() + " file. Send it to " + form.dataset.hbSendTo + ".");
  }

  function submit(form) {
    if (!check(form)) return;
    var rec = record(form);
    say(form, "Sending…");
    window.handbookRecords.submit(rec, form).then(function (result) {
      if (result.sent) {
        var answer = result.response || {};
        say(form, "Sent. " + (answer.message || "The records service stored the form.") +
          " Record " + (answer.id || rec.id) + (answer.received_at ? ", received " + answer.received_at : "") + ".");
        delete form.dataset.hbRecordId;  // an edited form sent again is a new record
      } else {
        say(form, result.reason + " Nothing was sent: download the form as JSON or CSV and send it to " +
          form.dataset.hbSendTo + ".");
      }
    });
  }

  /* The paper copy lists a select's options with boxes; tick the one chosen on screen. */
  function markPrinted(select) {
    var list = select.tagName === "SELECT" ? select.nextElementSibling : null;
    if (!list || !list.classList.contains("hb-print-options")) return;
    Array.prototype.forEach.call(list.children, function (item, i) {
      item.classList.toggle("hb-chosen", select.selectedIndex === i + 1);
    });
  }

  function bind(form) {
    if (form.dataset.hbBound) return;
    form.dataset.hbBound = "1";
    form.dataset.hbStartedAt = now();  // records.js may load after this file
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(form); });
    form.addEventListener("change", function (event) { markPrinted(event.target); });
    form.querySelectorAll("[data-hb-download]").forEach(function (button) {
      button.addEventListener("click", function () { download(form, button.dataset.hbDownload); });
    });
  }

  function bindAll() { document.querySelectorAll("form[data-hb-form]").forEach(bind); }
  window.handbookForms = {csvCell: cell};
  window.handbookOnPage(bindAll);
})();
