// Progressive enhancement only: every page works without this file.
// 1. Move focus to the error summary so screen readers announce it.
// 2. Show or hide questions whose relevance depends on answers on the same page, asking the
//    server (which owns the skip logic) after each change.
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
  }

  function applyVisibility(form, visible) {
    var items = form.querySelectorAll("[data-conditional]");
    Array.prototype.forEach.call(items, function (element) {
      var shown = visible.indexOf(element.getAttribute("data-item")) !== -1;
      element.hidden = !shown;
      element.setAttribute("data-conditional", shown ? "shown" : "hidden");
    });
  }

  // The form is aria-busy while an answer's effect on the other questions is being asked.
  var pending = 0;
  // Answers can come back out of order (arrow keys move a radio choice, one request each):
  // only the answer to the latest request, made from the form as it is now, is applied.
  var latest = 0;

  function settle(form) {
    pending -= 1;
    if (pending === 0) { form.removeAttribute("aria-busy"); }
  }

  function refreshVisibility(form) {
    var url = form.getAttribute("data-visibility-url");
    var request = new XMLHttpRequest();
    var sequence = ++latest;
    request.open("POST", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200 && sequence === latest) {
        applyVisibility(form, JSON.parse(request.responseText).visible);
      }
      settle(form);
    };
    request.onerror = function () { settle(form); };
    request.onabort = function () { settle(form); };
    pending += 1;
    form.setAttribute("aria-busy", "true");
    request.send(new FormData(form));
  }

  function enhanceConditionalQuestions() {
    var form = document.querySelector("form[data-visibility-url]");
    if (!form || !form.querySelector("[data-conditional]")) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-conditional='hidden']"), function (element) {
      element.hidden = true;
    });
    form.addEventListener("change", function () { refreshVisibility(form); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    enhanceConditionalQuestions();
  });
})();
