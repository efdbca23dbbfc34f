/* Evaluator pages, progressive enhancement only (everything works without it):
   - a ranking table sorts in place when a column header is chosen (the header links sort on
     the server without JavaScript), keeping aria-sort and the address in step;
   - a form marked data-busy shows its progress note if the answer takes more than a second;
   - the error summary of a refused form takes the focus, so screen readers announce it. */
(function () {
  "use strict";

  var BUSY_DELAY_MS = 1000;
  var collator = new Intl.Collator(document.documentElement.lang || "vi", { numeric: true, sensitivity: "base" });

  function cellValue(row, index) {
    var cell = row.children[index];
    var raw = cell ? cell.getAttribute("data-value") : null;
    if (raw === null) { return { number: NaN, text: "" }; }
    return { number: Number(raw), text: raw };
  }

  function sortTable(table, header, descending) {
    var headers = Array.prototype.slice.call(header.parentNode.children);
    var index = headers.indexOf(header);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var numeric = header.classList.contains("number");
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var order = numeric ? x.number - y.number : collator.compare(x.text, y.text);
      if (order === 0) { order = cellValue(a, 0).number - cellValue(b, 0).number; }
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headers.forEach(function (th) {
      if (!th.hasAttribute("data-sort-key")) { return; }
      var active = th === header;
      th.setAttribute("aria-sort", active ? (descending ? "descending" : "ascending") : "none");
      var mark = th.querySelector(".sort-mark");
      if (mark) { mark.textContent = active ? (descending ? "▼" : "▲") : ""; }
      var link = th.querySelector("a");
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("dir", active && !descending ? "desc" : (active ? "asc" : url.searchParams.get("dir")));
      link.href = url.toString();
    });
  }

  function enhanceSorting() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      table.querySelectorAll("th[data-sort-key] a").forEach(function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          var url = new URL(link.href, window.location.href);
          var descending = url.searchParams.get("dir") === "desc";
          var key = url.searchParams.get("sort");
          document.querySelectorAll("table[data-sortable]").forEach(function (other) {
            var header = other.querySelector('th[data-sort-key="' + key + '"]');
            if (header) { sortTable(other, header, descending); }
          });
          window.history.replaceState(null, "", url.pathname + url.search);
        });
      });
    });
  }

  function enhanceBusyForms() {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var note = form.querySelector(".busy");
        if (!note) { return; }
        window.setTimeout(function () {
          note.hidden = false;
          form.setAttribute("aria-busy", "true");
        }, BUSY_DELAY_MS);
      });
    });
  }

  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  enhanceSorting();
  enhanceBusyForms();
  focusErrors();
}());
