// Progressive enhancement of a long job's page (a weighting run, an export, an index): the element with
// data-status-url is polled every two seconds; its <progress> and status line follow the job,
// and the page reloads when the job has ended, to show the result. Without this file the page
// offers a refresh link instead.
(function () {
  "use strict";

  var INTERVAL = 2000;

  function poll(panel) {
    var bar = panel.querySelector("progress");
    var line = panel.querySelector("[role=status]");
    var request = new XMLHttpRequest();
    request.open("GET", panel.getAttribute("data-status-url"));
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status !== 200 || type.indexOf("application/json") !== 0) { return; }
      var job = JSON.parse(request.responseText);
      if (job.finished) { window.location.reload(); return; }
      if (bar && job.total) { bar.max = job.total; bar.value = job.done || 0; }
      if (line && job.message && line.textContent !== job.message) { line.textContent = job.message; }
      window.setTimeout(function () { poll(panel); }, INTERVAL);
    };
    request.send();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-status-url]");
    if (panel) { window.setTimeout(function () { poll(panel); }, INTERVAL); }
  });
})();
