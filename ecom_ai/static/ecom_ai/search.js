/* ecom_ai search box: autocomplete from /api/ecom-ai/search/suggest/. Text is set with textContent only. */
(function () {
  "use strict";
  function setup(form) {
    if (form.dataset.ecomAiReady) return;
    form.dataset.ecomAiReady = "1";
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".ecom-ai-suggestions");
    var url = form.dataset.suggestUrl;
    var timer = null, seq = 0, active = -1;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function render(items) {
      while (list.firstChild) list.removeChild(list.firstChild);
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = "ecom-ai-suggestion-" + i;
        li.className = "ecom-ai-suggestion ecom-ai-suggestion-" + (item.kind === "query" ? "query" : "product");
        li.textContent = item.text;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          input.value = item.text;
          form.submit();
        });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
        .then(function (data) { if (mine === seq) render(data.suggestions || []); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 150); });
    input.addEventListener("keydown", function (event) {
      var options = list.querySelectorAll("li");
      if (list.hidden || !options.length) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
        options.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
        input.value = options[active].textContent;
        input.setAttribute("aria-activedescendant", options[active].id);
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }
  function init() { document.querySelectorAll("form.ecom-ai-search").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
