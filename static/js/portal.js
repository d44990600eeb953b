/* Progressive enhancements shared by every page. The server decides everything; these only
   spare people a double click and tell them how much room a text field has. */
(function () {
  "use strict";

  /* A form that is posting cannot be sent again: its buttons are marked busy and further
     submits are ignored (the server also saves a create form only once). */
  function guardSubmit(event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || form.hasAttribute("hx-post")) return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("disabled");
    });
  }

  /* Coming back with the back button shows the page as it was left: let it be sent again. */
  function releaseForms() {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("[aria-disabled=true]").forEach(function (b) {
        b.removeAttribute("aria-disabled");
        b.classList.remove("disabled");
      });
    });
  }

  /* "123 of 5 000 characters" under every text area with a maximum. */
  function countCharacters(area) {
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    var hint = document.createElement("div");
    hint.className = "form-text character-count";
    hint.id = (area.id || area.name) + "-count";
    hint.setAttribute("aria-live", "polite");
    var template = document.documentElement.lang === "en"
      ? "{n} of {max} characters" : "{n} av {max} tegn";
    var format = function (n) { return n.toLocaleString(document.documentElement.lang); };
    var update = function () {
      hint.textContent = template.replace("{n}", format(area.value.length))
        .replace("{max}", format(limit));
    };
    update();
    area.addEventListener("input", update);
    area.insertAdjacentElement("afterend", hint);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);
  }

  /* Every table turns into stacked cards on a phone (portal.css): each cell is given its
     column's name from the header row, unless the template already wrote it. */
  function stackTable(table) {
    var headerRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headerRow) return;
    var names = [];
    Array.prototype.forEach.call(headerRow.cells, function (cell) {
      for (var i = 0; i < cell.colSpan; i++) names.push(cell.textContent.trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && names[column] && cell.tagName === "TD") {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan;
        });
      });
    });
    table.classList.add("table-stack");
  }

  document.addEventListener("submit", guardSubmit);
  window.addEventListener("pageshow", releaseForms);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[maxlength]").forEach(countCharacters);
    document.querySelectorAll("main table.table:not(.table-stack)").forEach(stackTable);
  });
})();
