/* Records from the browser: build them, send them to the records service when the page names
   one (data-hb-records-endpoint), and fall back to a downloaded receipt when it cannot be
   reached or the site was opened from disk. Shared by quizzes, acknowledgements and forms. */
(function () {
  "use strict";
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function now() { return new Date().toISOString().replace(/\.\d{3}Z$/, "Z"); }
  function endpoint(el) {
    var host = el && el.closest ? el.closest("[data-hb-records-endpoint]") : null;
    host = host || document.querySelector("[data-hb-records-endpoint]");
    var url = host ? host.getAttribute("data-hb-records-endpoint") : "";
    if (!url || (location.protocol === "file:" && url.charAt(0) === "/")) return "";
    return url;
  }
  function download(name, text, type) {
    var blob = new Blob([text], {type: type || "application/json"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();  /* an empty link left in the page is a WCAG "link-name" failure */
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  /* Resolves {sent: true, response} when the service stored it, {sent: false, reason} otherwise. */
  function submit(record, el) {
    var url = endpoint(el);
    if (!url) return Promise.resolve({sent: false, reason: "No records service is configured for this page."});
    return fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(record)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.ok) return {sent: true, response: body};
          return {sent: false, status: r.status, reason: body.detail || body.message || ("The records service answered " + r.status + ".")};
        });
      }, function () { return {sent: false, reason: "The records service could not be reached."}; });
  }
  window.handbookRecords = {uuid: uuid, now: now, endpoint: endpoint, download: download, submit: submit};
})();
