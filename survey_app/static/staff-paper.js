// Progressive enhancement of the paper keying form; without this file every question is shown
// and the server still prunes and checks the answers.
// 1. Questions the answers above skip are greyed and their inputs disabled, so Tab and Enter
//    pass over them (the server owns the skip logic: the form is posted to it on each change).
// 2. In a list of answers, typing an answer's number chooses it (two digits within a moment
//    for 10 and above).
// 3. Enter in a field moves to the next question instead of sending the form.
(function () {
  "use strict";

  var DIGIT_PAUSE_MS = 700;

  function questions(form) {
    return Array.prototype.slice.call(form.querySelectorAll(".question"));
  }

  function setSkipped(form, question, skipped) {
    question.classList.toggle("skipped", skipped);
    Array.prototype.forEach.call(question.querySelectorAll("input, textarea, select"), function (input) {
      input.disabled = skipped;
    });
    var note = question.querySelector(".skip-note");
    if (skipped && !note) {
      note = document.createElement("p");
      note.className = "skip-note";
      note.textContent = form.getAttribute("data-skip-note");
      question.insertBefore(note, question.firstChild);
    } else if (!skipped && note) {
      note.parentNode.removeChild(note);
    }
  }

  function applyVisibility(form, visible) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-conditional]"), function (question) {
      var shown = visible.indexOf(question.getAttribute("data-item")) !== -1;
      question.setAttribute("data-conditional", shown ? "shown" : "hidden");
      setSkipped(form, question, !shown);
    });
  }

  // The form is aria-busy while the server is asked which questions the answers skip; only
  // the answer to the latest request is applied, since an earlier one may come back last.
  var pending = 0;
  var latest = 0;

  function settle(form) {
    pending -= 1;
    if (pending === 0) { form.removeAttribute("aria-busy"); }
  }

  function refreshVisibility(form) {
    var request = new XMLHttpRequest();
    var sequence = ++latest;
    request.open("POST", form.getAttribute("data-paper-visibility-url"));
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

  function focusNextQuestion(form, from) {
    var all = questions(form);
    var start = all.indexOf(from.closest(".question"));
    for (var index = start + 1; index < all.length; index += 1) {
      var inputs = all[index].querySelectorAll("input:not([disabled]), textarea:not([disabled]), select:not([disabled])");
      if (inputs.length) {
        var checked = all[index].querySelector("input:checked:not([disabled])");
        (checked || inputs[0]).focus();
        return;
      }
    }
    form.querySelector("button[type=submit]").focus();
  }

  function chooseByNumber(group, number) {
    var inputs = group.querySelectorAll(".choice input");
    var input = inputs[number - 1];
    if (!input || input.disabled) { return false; }
    if (input.type === "radio") {
      input.checked = true;
    } else {
      input.checked = !input.checked;
    }
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function enhance(form) {
    var typed = "";
    var typedAt = 0;
    var typedGroup = null;
    Array.prototype.forEach.call(form.querySelectorAll("[data-conditional='hidden']"), function (question) {
      setSkipped(form, question, true);
    });
    form.addEventListener("change", function () { refreshVisibility(form); });
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var group = target.closest("fieldset.choices");
      if (group && /^[0-9]$/.test(event.key)) {
        var now = Date.now();
        var continued = typedGroup === group && now - typedAt < DIGIT_PAUSE_MS;
        typed = continued ? typed + event.key : event.key;
        typedAt = now;
        typedGroup = group;
        if (!chooseByNumber(group, parseInt(typed, 10)) && continued) {
          typed = event.key;
          chooseByNumber(group, parseInt(typed, 10));
        }
        event.preventDefault();
        return;
      }
      if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "submit") {
        event.preventDefault();
        focusNextQuestion(form, target);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.paper-form[data-paper-visibility-url]");
    if (form) { enhance(form); }
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
  });
})();
