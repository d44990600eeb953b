/* Search as you type for choices among many rows (scheme/choices.py). A select marked
   data-search-url holds only the chosen rows; Tom Select asks the endpoint for a page of
   matches (?q=&page=, {"results": [{value, text}], "more": bool}) as people type, and pages on
   as they scroll or arrow down. The texts come from the select's data-text-* attributes, which
   the server wrote in the reader's language. Without this script the select and the text box
   under it still work. */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function note(className, text) {
    return function () {
      return '<div class="' + className + '">' + escapeHtml(text) + "</div>";
    };
  }

  /* The endpoint's address for a query and page, with the value of the field it depends on
     (data-search-with), e.g. the mentor organisation whose people are offered. */
  function address(select, query, page) {
    var url = new URL(select.dataset.searchUrl, window.location.href);
    url.searchParams.set("q", query);
    url.searchParams.set("page", page);
    var other = select.dataset.searchWith && select.form &&
      select.form.elements[select.dataset.searchWith];
    if (other && other.value) url.searchParams.set(select.dataset.searchWith, other.value);
    return url.toString();
  }

  function enhance(select) {
    var texts = select.dataset;
    var plugins = ["virtual_scroll"];
    if (select.multiple) {
      plugins.push({ name: "remove_button", options: { title: texts.textRemove } });
    }
    var control = new window.TomSelect(select, {
      plugins: plugins,
      valueField: "value",
      labelField: "text",
      /* The server searched (by name or number): show what it found, and while typing not
         the empty choice. */
      searchField: [],
      score: function () {
        return function (option) { return option.value === "" ? 0 : 1; };
      },
      maxOptions: null,
      preload: "focus",
      loadThrottle: 250,
      placeholder: texts.textPlaceholder,
      allowEmptyOption: !select.multiple,
      closeAfterSelect: true,
      firstUrl: function (query) { return address(select, query, 1); },
      load: function (query, callback) {
        var url = this.getUrl(query);
        var self = this;
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (page) {
            if (page.more) {
              var next = new URL(url);
              next.searchParams.set("page", parseInt(next.searchParams.get("page"), 10) + 1);
              self.setNextUrl(query, next.toString());
            }
            callback(page.results);
          })
          .catch(function () { callback(); });
      },
      render: {
        no_results: note("no-results", texts.textNone),
        loading: note("px-3 py-2 small", texts.textLoading),
        loading_more: note("loading-more-results px-3 py-2 small", texts.textMore),
        no_more_results: note("no-more-results", texts.textEnd)
      }
    });
    /* Tom Select gives the label to its search box; screen readers meet that box alone, not
       also the select it hides (which still sends the value). */
    select.setAttribute("aria-hidden", "true");
    /* The rows offered depend on another field: forget what was found for its old value. */
    var other = texts.searchWith && select.form && select.form.elements[texts.searchWith];
    if (other) {
      other.addEventListener("change", function () {
        control.clear();
        control.clearOptions();
        control.clearPagination();
        control.loadedSearches = {};
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.TomSelect) return;
    document.querySelectorAll("select[data-search-url]").forEach(enhance);
  });
})();
