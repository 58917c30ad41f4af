/* ecom_ai chat widget. Every untrusted string reaches the DOM through textContent, never innerHTML. */
(function () {
  "use strict";
  var root = document.querySelector("[data-ecai-chat]");
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";

  var panel = root.querySelector(".ecai-panel");
  var toggle = root.querySelector("[data-ecai-toggle]");
  var log = root.querySelector("[data-ecai-log]");
  var form = root.querySelector("[data-ecai-form]");
  var input = root.querySelector("[data-ecai-input]");
  var statusEl = root.querySelector("[data-ecai-status]");
  var suggestEl = root.querySelector("[data-ecai-suggest]");
  var STORE = "ecom_ai.chat.conversation";
  var socket = null, attempts = 0, opened = false, streaming = null, outbox = [];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function safeHref(url) {
    // Only links into this shop: a path, or an absolute URL on this origin.
    if (typeof url !== "string") { return null; }
    if (url.charAt(0) === "/" && url.charAt(1) !== "/") { return url; }
    try { var u = new URL(url, window.location.href); return u.origin === window.location.origin ? u.href : null; }
    catch (e) { return null; }
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function setStatus(text) { statusEl.textContent = text; }

  function addMessage(role, text) {
    var item = el("li", "ecai-msg " + role, text);
    log.appendChild(item); scroll();
    return item;
  }

  function renderCards(item, cards) {
    if (!cards || !cards.length) { return; }
    var box = el("div", "ecai-cards");
    cards.forEach(function (card) {
      var c = el("div", "ecai-card");
      var href = safeHref(card.url);
      var title = el(href ? "a" : "span", "", card.title);
      if (href) { title.href = href; }
      c.appendChild(title);
      c.appendChild(el("span", "ecai-price", card.price !== null ? card.price + (card.in_stock ? "" : " · out of stock") : ""));
      if (card.in_stock) {
        var add = el("button", "", "Add to cart");
        add.type = "button";
        add.setAttribute("aria-label", "Add " + card.title + " to cart");
        add.addEventListener("click", function () { send({type: "add_to_cart", ref: String(card.ref), quantity: 1}); });
        c.appendChild(add);
      }
      box.appendChild(c);
    });
    item.appendChild(box);
  }

  function renderCitations(item, citations) {
    (citations || []).forEach(function (cite) {
      var line = el("div", "ecai-cite");
      line.appendChild(el("span", "", "Source: "));
      var href = safeHref(cite.url);
      var a = el(href ? "a" : "span", "", cite.title + (cite.section ? " — " + cite.section : ""));
      if (href) { a.href = href; }
      line.appendChild(a);
      item.appendChild(line);
    });
  }

  function renderThumbs(item, messageId) {
    var box = el("div", "ecai-thumbs");
    [["up", "👍", "Helpful"], ["down", "👎", "Not helpful"]].forEach(function (t) {
      var b = el("button", "", t[1]);
      b.type = "button"; b.setAttribute("aria-label", t[2]); b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        send({type: "feedback", message_id: messageId, value: t[0]});
        Array.prototype.forEach.call(box.children, function (x) { x.setAttribute("aria-pressed", String(x === b)); });
      });
      box.appendChild(b);
    });
    item.appendChild(box);
  }

  function renderSuggestions(list, confirm) {
    while (suggestEl.firstChild) { suggestEl.removeChild(suggestEl.firstChild); }
    if (confirm) {
      [["Yes, go ahead", true], ["No, keep it", false]].forEach(function (c) {
        var b = el("button", "", c[0]); b.type = "button";
        b.addEventListener("click", function () { send({type: "confirm", token: confirm.token, accept: c[1]}); });
        suggestEl.appendChild(b);
      });
      return;
    }
    (list || []).forEach(function (text) {
      var b = el("button", "", text); b.type = "button";
      b.addEventListener("click", function () { sendText(text); });
      suggestEl.appendChild(b);
    });
  }

  function renderAnswer(frame, item) {
    item = item || addMessage("assistant", "");
    item.textContent = frame.text;
    renderCards(item, frame.cards);
    renderCitations(item, frame.citations);
    if (frame.message_id) { renderThumbs(item, frame.message_id); }
    renderSuggestions(frame.suggestions, frame.confirm);
    scroll();
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "ready":
        attempts = 0; setStatus("online");
        try { localStorage.setItem(STORE, frame.conversation); } catch (e) { /* private mode */ }
        if (!frame.resumed) { while (log.firstChild) { log.removeChild(log.firstChild); } }
        if (frame.resumed && !log.children.length) {
          (frame.history || []).forEach(function (m) {
            if (m.role === "customer") { addMessage("customer", m.text); } else { renderAnswer(m, addMessage(m.role, "")); }
          });
        }
        if (frame.greeting && !log.children.length) { addMessage("assistant", frame.greeting); }
        while (outbox.length) { socket.send(outbox.shift()); }
        break;
      case "typing": setStatus("typing…"); break;
      case "delta":
        if (!streaming) { streaming = addMessage("assistant", ""); }
        streaming.textContent += frame.text; scroll(); break;
      case "final": setStatus("online"); renderAnswer(frame, streaming); streaming = null; break;
      case "staff_message": addMessage("staff", frame.text); break;
      case "handoff": addMessage("notice", frame.text || "A member of our team will join."); break;
      case "ack": setStatus("sent to our team"); break;
      case "cart":
        addMessage("notice", frame.ok ? "Added " + (frame.title || "the product") + " to your cart." : "Sorry, that couldn't be added.");
        break;
      case "error":
        setStatus("");
        if (frame.code !== "resume_refused") {
          addMessage("notice", frame.message + (frame.retry_after ? " (try again in " + frame.retry_after + " s)" : ""));
        }
        streaming = null; break;
    }
  }

  function connect() {
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(proto + window.location.host + root.dataset.wsPath);
    setStatus("connecting…");
    socket.addEventListener("open", function () {
      var id = null;
      try { id = localStorage.getItem(STORE); } catch (e) { id = null; }
      socket.send(JSON.stringify(id ? {type: "hello", conversation: id} : {type: "hello"}));
    });
    socket.addEventListener("message", function (event) {
      var frame; try { frame = JSON.parse(event.data); } catch (e) { return; }
      onFrame(frame);
    });
    socket.addEventListener("close", function () {
      // Reconnect with exponential backoff and jitter, capped at 30 s.
      var delay = Math.min(30000, 500 * Math.pow(2, attempts++)) * (0.75 + Math.random() / 2);
      setStatus("reconnecting…");
      window.setTimeout(connect, delay);
    });
  }

  function send(obj) {
    var data = JSON.stringify(obj);
    if (socket && socket.readyState === 1) { socket.send(data); } else { outbox.push(data); }
  }
  function sendText(text) {
    text = (text || "").trim();
    if (!text) { return; }
    addMessage("customer", text);
    send({type: "message", text: text});
  }

  function open(show) {
    panel.hidden = !show;
    toggle.setAttribute("aria-expanded", String(show));
    if (show) {
      if (!opened) { opened = true; connect(); }
      input.focus();
    } else { toggle.focus(); }
  }

  toggle.addEventListener("click", function () { open(panel.hidden); });
  root.querySelector("[data-ecai-close]").addEventListener("click", function () { open(false); });
  root.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) { open(false); } });
  root.querySelector("[data-ecai-human]").addEventListener("click", function () { send({type: "handoff"}); });
  form.addEventListener("submit", function (e) { e.preventDefault(); sendText(input.value); input.value = ""; });
})();
