/* ecom_ai beacon: batches browser events to POST /api/ecom-ai/events/ (session + CSRF header).
   Usage: <script src=".../track.js" data-endpoint="..." data-csrf="..."> (the {% ecom_ai_scripts %} tag),
   then window.ecomAI.track("view", {product: "123"}). No HTML is ever built from event data. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var endpoint = script.getAttribute("data-endpoint");
  var csrf = script.getAttribute("data-csrf");
  var MAX_BATCH = 100;
  var queue = [];
  var timer = null;

  function send(batch) {
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({events: batch})
    }).then(function (response) {
      // 400: some rows were malformed and are dropped by the server; the valid ones were stored.
      if (response.status === 429 || response.status >= 500) { requeue(batch); }
    }).catch(function () { requeue(batch); });
  }

  function requeue(batch) {
    if (queue.length < 1000) { queue = batch.concat(queue); schedule(5000); }
  }

  function flush() {
    timer = null;
    while (queue.length) { send(queue.splice(0, MAX_BATCH)); }
  }

  function schedule(delay) {
    if (timer === null) { timer = setTimeout(flush, delay); }
  }

  function track(kind, data) {
    var row = {kind: String(kind), ts: Date.now()};
    data = data || {};
    if (data.product !== undefined) { row.product = String(data.product); }
    if (data.token !== undefined) { row.token = String(data.token); }
    if (data.query !== undefined) { row.query = String(data.query); }
    queue.push(row);
    if (queue.length >= MAX_BATCH) { flush(); } else { schedule(1000); }
  }

  window.ecomAI = window.ecomAI || {};
  window.ecomAI.track = track;
  window.ecomAI.flush = flush;

  function observeImpressions() {
    var items = document.querySelectorAll('[data-ecom-ai-impressions="beacon"] [data-ecom-ai-token]');
    if (!items.length || !("IntersectionObserver" in window)) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          var el = entry.target;
          track("rec_impression", {token: el.getAttribute("data-ecom-ai-token"),
                                   product: el.getAttribute("data-ecom-ai-product")});
          observer.unobserve(el);
        }
      });
    }, {threshold: 0.5});
    items.forEach(function (el) { observer.observe(el); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", observeImpressions);
  } else { observeImpressions(); }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
})();
