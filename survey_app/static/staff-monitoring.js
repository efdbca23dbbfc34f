// Live monitoring figures (progressive enhancement): the element #monitoring-live is refreshed
// every few seconds from the JSON endpoint in its data-refresh-url, whose "html" is the same
// part of the page rendered by the server (the browser revalidates it with its ETag, so an
// unchanged answer costs no body), one request at a time. A button pauses and resumes the
// updates (WCAG 2.2.2); nothing is replaced while the keyboard focus is inside the figures;
// open "details" and the sideways scroll of tables are kept; the page stops asking while the
// tab is hidden and once the session has ended. Without this file the page is complete and a
// reload refreshes it.
(function () {
  "use strict";

  function openDetails(box) {
    var open = {};
    box.querySelectorAll("details[id]").forEach(function (item) { open[item.id] = item.open; });
    return open;
  }

  function scrolls(box) {
    var kept = {};
    box.querySelectorAll(".table-wrap").forEach(function (wrap, index) { kept[index] = wrap.scrollLeft; });
    return kept;
  }

  function start(box) {
    var url = box.getAttribute("data-refresh-url");
    var every = (parseInt(box.getAttribute("data-refresh-seconds"), 10) || 10) * 1000;
    var stamp = document.getElementById("monitoring-updated");
    var controls = document.getElementById("monitoring-controls");
    var paused = false;
    var stopped = false;
    var shown = null;
    var waiting = false;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.setAttribute("aria-pressed", "false");
    button.textContent = box.getAttribute("data-pause-label");
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      button.textContent = box.getAttribute(paused ? "data-resume-label" : "data-pause-label");
      if (!paused) { refresh(); }
    });
    if (controls) { controls.appendChild(button); }

    function replace(data) {
      if (box.contains(document.activeElement)) { return; }
      if (stamp) {
        var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined);
        stamp.textContent = box.getAttribute("data-updated-label").replace("{time}", time);
      }
      if (data.html === shown) { return; }
      shown = data.html;
      var open = openDetails(box);
      var kept = scrolls(box);
      box.innerHTML = data.html;
      box.querySelectorAll("details[id]").forEach(function (item) {
        if (Object.prototype.hasOwnProperty.call(open, item.id)) { item.open = open[item.id]; }
      });
      box.querySelectorAll(".table-wrap").forEach(function (wrap, index) {
        if (kept[index]) { wrap.scrollLeft = kept[index]; }
      });
    }

    function refresh() {
      if (paused || stopped || waiting || document.hidden) { return; }
      waiting = true;
      var request = new XMLHttpRequest();
      request.open("GET", url);
      request.setRequestHeader("Accept", "application/json");
      request.onloadend = function () { waiting = false; };
      request.onload = function () {
        var type = request.getResponseHeader("Content-Type") || "";
        if (request.status === 200 && type.indexOf("application/json") === 0) {
          replace(JSON.parse(request.responseText));
        } else if (request.status === 401 || request.status === 403 || request.status === 404) {
          stopped = true;
          button.hidden = true;
          if (stamp) { stamp.textContent = box.getAttribute("data-stopped-label"); }
        }
      };
      request.send();
    }

    window.setInterval(refresh, every);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refresh(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("monitoring-live");
    if (box && box.getAttribute("data-refresh-url")) { start(box); }
  });
})();
