/* Forms: a thin controller over records.js. Submit sends the form's record; Download as JSON
   saves that record; Download as CSV saves it in the columns of the service's forms export
   (one row per field, columns from the page data), every cell made safe for spreadsheets as
   the service makes it (handbook/records/csv.py). */
(function () {
  "use strict";
  /* handbook.records.csv.neutralise: a quote before every piece, at the start or after a
     separator or line break, that a spreadsheet could run as a formula. */
  var SEGMENT = /([,;\t\r\n])( *)([^,;\t\r\n]*)/g;
  var OPERATOR = /[()=+\-*\/^&!:"'<>%]/;
  var NUMBER = /^[\d.,]+$/;

  function formulaLike(segment) {
    var first = segment.charAt(0), rest = segment.slice(1);
    if (first === "=") return true;
    return (first === "+" || first === "-" || first === "@") && (OPERATOR.test(rest) || NUMBER.test(rest));
  }
  function neutralise(text) {
    return ("\n" + text).replace(SEGMENT, function (all, separator, spaces, segment) {
      return separator + spaces + (formulaLike(segment) ? "'" : "") + segment;
    }).slice(1);
  }
  /* handbook.records.csv.cell: empty for null, yes/no, ids joined with "; ", formulas defused. */
  function cell(value) {
    if (value === null || value === undefined) return "";
    if (value === true || value === false) return value ? "yes" : "no";
    if (Array.isArray(value)) return neutralise(value.map(function (item) { return item === null ? "" : String(item); }).join("; "));
    return neutralise(String(value));
  }
  /* RFC 4180 with every cell quoted, as the service writes it. */
  function quote(text) { return '"' + text.replace(/"/g, '""') + '"'; }

  function csv(record) {
    var columns = window.handbookRecords.contract().exports.forms;
    var shared = {record_id: record.id, submitted_at: record.submitted_at, policy_id: record.policy.id,
      policy_version: record.policy.version, form_id: record.form.id, form_version: record.form.version, source: "download"};
    Object.keys(record.person).forEach(function (key) { shared[key] = record.person[key]; });
    var lines = [columns.map(quote).join(",")];
    Object.keys(record.answers).forEach(function (id) {
      var row = Object.assign({}, shared, {field_id: id, answer: record.answers[id]});
      lines.push(columns.map(function (column) { return quote(cell(column in row ? row[column] : null)); }).join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  /* The paper copy lists a select's options with boxes; tick the one chosen on screen. */
  function markPrinted(select) {
    var list = select.tagName === "SELECT" ? select.nextElementSibling : null;
    if (!list || !list.classList.contains("hb-print-options")) return;
    Array.prototype.forEach.call(list.children, function (item, i) {
      item.classList.toggle("hb-chosen", select.selectedIndex === i + 1);
    });
  }

  function bind(box) {
    if (box.hbForm) return;
    var records = window.handbookRecords, data = window.handbookData(box, "form"), form = box.querySelector("form");
    var started = records.now(), sendTo = window.handbookText("form.send_to", {recipients: data.send_to});
    var submission = box.hbForm = new records.Submission(box, form, function () {
      var answers = records.answers(form), signature = form.querySelector("[data-hb-type='signature'] input");
      return records.build("form", {policy: data.policy, form: data.form, person: records.person(form), answers: answers,
        signature: (signature && signature.value.trim()) || null, started_at: started});
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submission.send(form.querySelector("button[type='submit']"));
    });
    form.addEventListener("change", function (event) { markPrinted(event.target); });
    form.querySelector("[data-hb-download='json']").addEventListener("click", function () { submission.save(sendTo); });
    form.querySelector("[data-hb-download='csv']").addEventListener("click", function () {
      submission.save(sendTo, "csv", csv, "text/csv;charset=utf-8");
    });
  }

  window.handbookForms = {csvCell: cell, csv: csv};
  window.handbookOnPage(function (root) { root.querySelectorAll("[data-hb-form]").forEach(bind); });
})();
