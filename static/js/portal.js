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

  /* Kroner as people type them ("150 000", "150 000,50", "150.000"), read like
     scheme/fields.py plain_amount; NaN when it is not an amount. */
  function readAmount(text) {
    text = text.replace(/\s|kr\.?|nok/gi, "");
    if (text === "") return 0;
    if (/^\d{1,3}(\.\d{3})+(,\d*)?$/.test(text)) text = text.replace(/\./g, "");
    text = text.replace(",", ".");
    return /^\d+(\.\d*)?$/.test(text) ? parseFloat(text) : NaN;
  }

  function formatAmount(amount) {
    var lang = document.documentElement.lang === "en" ? "en" : "nb";
    var figure = amount.toLocaleString(lang === "en" ? "en-GB" : "nb-NO", {
      minimumFractionDigits: amount % 1 ? 2 : 0, maximumFractionDigits: 2
    });
    return lang === "en" ? "NOK\u00a0" + figure : figure + "\u00a0kr";
  }

  /* A cell marked data-sum="<prefix>" shows the sum of the amounts of the lines
     <prefix>-N-amount of its form while people type (only of the lines whose
     <prefix>-N-kind is data-sum-kind, when given), leaving out lines marked for removal
     and amounts it cannot read. Saving still works the sums out on the server. */
  function liveSum(cell) {
    var form = cell.closest("form");
    if (!form) return;
    var prefix = cell.dataset.sum;
    var kind = cell.dataset.sumKind;
    var pattern = new RegExp("^" + prefix + "-\\d+-amount$");
    var field = function (amountInput, name) {
      return form.elements[amountInput.name.replace(/amount$/, name)];
    };
    var update = function () {
      var sum = 0;
      Array.prototype.forEach.call(form.elements, function (input) {
        if (!pattern.test(input.name)) return;
        var removed = field(input, "DELETE");
        if (removed && removed.checked) return;
        if (kind && (field(input, "kind") || {}).value !== kind) return;
        var amount = readAmount(input.value);
        if (!isNaN(amount)) sum += amount;
      });
      cell.textContent = formatAmount(sum);
    };
    cell.setAttribute("aria-live", "polite");
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  /* Leaving a page whose form (marked data-warn-unsaved) has changed asks first, unless the
     form is being sent. */
  function warnUnsaved(form) {
    var saved = new URLSearchParams(new FormData(form)).toString();
    var changed = function () {
      return new URLSearchParams(new FormData(form)).toString() !== saved;
    };
    window.addEventListener("beforeunload", function (event) {
      if (form.dataset.submitting || !changed()) return;
      event.preventDefault();
      event.returnValue = "";
    });
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
    document.querySelectorAll("[data-sum]").forEach(liveSum);
    document.querySelectorAll("form[data-warn-unsaved]").forEach(warnUnsaved);
  });
})();
