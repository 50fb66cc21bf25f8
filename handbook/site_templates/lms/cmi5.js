/* The cmi5 runtime adapter, loaded only by the quiz page of a cmi5 package (never on the site).
   Launched by an LMS with endpoint, fetch, actor, registration and activityId in its address, it
   follows the cmi5 launch sequence: fetch the auth token, read LMS.LaunchData from the LRS's
   state, send "initialized"; each graded attempt sends "passed" (once, then "completed") or
   "failed" (until a pass) with the score; leaving the page sends "terminated". Every statement
   carries the LMS's context template, the registration and the cmi5 category. Launched without
   those parameters it does nothing: the quiz works as it does on the site. */
(function () {
  "use strict";
  var CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  var MOVE_ON = "https://w3id.org/xapi/cmi5/context/categories/moveon";
  var MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
  var VERBS = {initialized: "http://adlnet.gov/expapi/verbs/initialized", passed: "http://adlnet.gov/expapi/verbs/passed",
    failed: "http://adlnet.gov/expapi/verbs/failed", completed: "http://adlnet.gov/expapi/verbs/completed",
    terminated: "http://adlnet.gov/expapi/verbs/terminated"};
  var query = new URLSearchParams(location.search), started = new Date();
  var launch = {endpoint: query.get("endpoint"), fetch: query.get("fetch"), actor: query.get("actor"),
    registration: query.get("registration"), activityId: query.get("activityId")};
  var session = null, passed = false, completed = false, terminated = false, queue = Promise.resolve();

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function base() { return launch.endpoint.replace(/\/?$/, "/"); }
  function headers() {
    return {"Authorization": "Basic " + session.token, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"};
  }
  /* ISO 8601 duration of the time since the page opened. */
  function duration() {
    var seconds = Math.max(0, (new Date() - started) / 1000);
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = (seconds % 60).toFixed(2);
    return "PT" + h + "H" + m + "M" + s + "S";
  }
  function context(moveOn) {
    var template = JSON.parse(JSON.stringify(session.data.contextTemplate || {}));
    template.registration = launch.registration;
    var activities = template.contextActivities = template.contextActivities || {};
    var category = activities.category = activities.category || [];
    category.push({id: CMI5});
    if (moveOn) category.push({id: MOVE_ON});
    return template;
  }
  function send(verb, result, moveOn, keepalive) {
    var statement = {id: uuid(), actor: session.actor, verb: {id: VERBS[verb], display: {"en-US": verb}},
      object: {id: launch.activityId, objectType: "Activity"}, context: context(moveOn), timestamp: new Date().toISOString()};
    if (result) statement.result = result;
    if ((verb === "passed" || verb === "failed") && session.data.masteryScore != null) {
      statement.context.extensions = statement.context.extensions || {};
      statement.context.extensions[MASTERY] = session.data.masteryScore;
    }
    queue = queue.then(function () {
      return fetch(base() + "statements?statementId=" + statement.id,
        {method: "PUT", headers: headers(), body: JSON.stringify(statement), keepalive: !!keepalive});
    });
    return queue;
  }

  function report(detail) {
    if (!session || terminated || session.data.launchMode !== "Normal") return;
    var scaled = Math.round(detail.score * 100) / 10000;
    var score = {scaled: scaled, raw: detail.score, min: 0, max: 100};
    if (detail.passed && !passed) {
      passed = true;
      send("passed", {score: score, success: true, duration: duration()}, true);
    } else if (!detail.passed && !passed) {
      send("failed", {score: score, success: false, duration: duration()}, true);
    }
    if (passed && !completed) {
      completed = true;
      send("completed", {completion: true, duration: duration()}, true);
    }
  }

  function finish() {
    if (!session || terminated) return;
    terminated = true;
    send("terminated", {duration: duration()}, false, true);
  }

  function begin() {
    if (!launch.endpoint || !launch.fetch || !launch.actor || !launch.registration || !launch.activityId) return;
    var actor = JSON.parse(launch.actor);
    fetch(launch.fetch, {method: "POST"}).then(function (response) { return response.json(); }).then(function (body) {
      session = {token: body["auth-token"], actor: actor, data: {}};
      var state = base() + "activities/state?stateId=LMS.LaunchData&activityId=" + encodeURIComponent(launch.activityId) +
        "&agent=" + encodeURIComponent(JSON.stringify(actor)) + "&registration=" + encodeURIComponent(launch.registration);
      return fetch(state, {headers: headers()});
    }).then(function (response) { return response.json(); }).then(function (data) {
      session.data = data;
      document.addEventListener("handbook:quiz-graded", function (event) { report(event.detail); });
      window.addEventListener("pagehide", finish);
      return send("initialized");
    });
  }

  begin();
  window.handbookCmi5 = {active: function () { return !!session && !terminated; }, sent: function () { return queue; }};
})();
