/* Chat page for the citation-first QA service. Plain JS; document text only via textContent. */
(function () {
  "use strict";

  var STORE_KEY = "qa.thread.v1";
  var HISTORY_TURNS = 6;
  var ABSTAIN_TEXT = "The documents don't answer this.";

  var $ = function (role) { return document.querySelector('[data-role="' + role + '"]'); };
  var thread = $("thread"), form = $("form"), input = $("question"), sendBtn = $("send");
  var statusEl = $("status"), clearBtn = $("clear");
  var panel = $("source-panel"), panelTitle = $("panel-title"), panelMeta = $("panel-meta");
  var panelText = $("panel-text"), prevBtn = $("prev-passage"), nextBtn = $("next-passage");
  var closeBtn = $("panel-close");

  var turns = load();       // [{question, response} | {question, error}]
  var busy = false;
  var current = null;       // {doc, index} shown in the panel
  var lastOpener = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function load() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      var parsed = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? parsed : [];
    } catch (e) { return []; }
  }

  function save() {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(turns)); } catch (e) { /* full or disabled */ }
  }

  function confidenceLabel(c) {
    if (typeof c !== "number" || isNaN(c)) return "";
    var word = c >= 0.75 ? "High" : c >= 0.5 ? "Medium" : "Low";
    return word + " confidence (" + Math.round(c * 100) + "%)";
  }

  function passageFor(response, citation) {
    var list = (response && response.passages) || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].passage_id === citation.passage_id) return list[i];
    }
    for (var j = 0; j < list.length; j++) {
      if (list[j].document_id === citation.document_id) return list[j];
    }
    return null;
  }

  function citationString(meta, citation) {
    var parts = [meta.title || citation.document_id];
    var tail = [meta.source, meta.published].filter(Boolean).join(", ");
    var s = parts[0] + (tail ? " — " + tail : "") + ".";
    if (meta.url) s += " " + meta.url + ".";
    s += " \u201c" + citation.quote + "\u201d";
    return s;
  }

  function copyText(text, fallbackNode, button) {
    function done(ok) {
      var old = "Copy citation";
      button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
      window.setTimeout(function () { button.textContent = old; }, 1500);
    }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(fallbackNode);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  function renderAnswer(response) {
    var msg = el("article", "msg assistant");
    msg.setAttribute("data-role", "answer");
    if (!response || response.abstained || !response.answer) {
      msg.classList.add("abstained");
      msg.appendChild(el("p", "answer-text", ABSTAIN_TEXT));
      return msg;
    }
    var answer = response.answer;
    var byMarker = {};
    (answer.citations || []).forEach(function (c) { byMarker[c.marker] = c; });

    var p = el("p", "answer-text");
    var re = /\[(\d+)\]/g, text = answer.text || "", last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) p.appendChild(document.createTextNode(text.slice(last, m.index)));
      var n = Number(m[1]);
      var citation = byMarker[n];
      if (citation) {
        var b = el("button", "cite", "[" + n + "]");
        b.type = "button";
        b.setAttribute("data-role", "citation");
        b.setAttribute("aria-label", "Source " + n);
        b.addEventListener("click", openSource.bind(null, citation));
        p.appendChild(b);
      } else {
        p.appendChild(document.createTextNode(m[0]));
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) p.appendChild(document.createTextNode(text.slice(last)));
    msg.appendChild(p);

    var conf = confidenceLabel(answer.confidence);
    if (conf) msg.appendChild(el("p", "confidence", conf));

    var cites = answer.citations || [];
    if (cites.length) {
      var list = el("ol", "sources");
      list.setAttribute("aria-label", "Sources");
      cites.forEach(function (c) {
        var meta = passageFor(response, c) || {};
        var card = el("li", "card");
        card.setAttribute("data-role", "source-card");
        card.appendChild(el("h3", null, "[" + c.marker + "] " + (meta.title || c.document_id)));
        var line = [meta.source, meta.published].filter(Boolean).join(" · ");
        if (line) card.appendChild(el("p", "meta", line));
        var quote = el("blockquote", null, c.quote);
        card.appendChild(quote);
        var actions = el("div", "card-actions");
        var open = el("button", "secondary", "Show in document");
        open.type = "button";
        open.addEventListener("click", function (e) { e.stopPropagation(); openSource(c, e); });
        actions.appendChild(open);
        var copy = el("button", "secondary", "Copy citation");
        copy.type = "button";
        var hidden = el("span", "copy-source", citationString(meta, c));
        hidden.hidden = true;
        copy.addEventListener("click", function (e) {
          e.stopPropagation();
          hidden.hidden = false;
          copyText(hidden.textContent, hidden, copy);
          window.setTimeout(function () { hidden.hidden = true; }, 4000);
        });
        actions.appendChild(copy);
        if (meta.url && /^https?:\/\//i.test(meta.url)) {
          var a = el("a", null, "Open original");
          a.href = meta.url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          a.addEventListener("click", function (e) { e.stopPropagation(); });
          actions.appendChild(a);
        }
        card.appendChild(actions);
        card.appendChild(hidden);
        card.addEventListener("click", function (e) { openSource(c, e); });
        list.appendChild(card);
      });
      msg.appendChild(list);
    }
    return msg;
  }

  function renderTurn(turn) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("div", "msg user", turn.question));
    if (turn.error) {
      var err = el("div", "msg error", "Error: " + turn.error);
      err.setAttribute("role", "alert");
      frag.appendChild(err);
    } else {
      frag.appendChild(renderAnswer(turn.response));
    }
    return frag;
  }

  function renderAll() {
    thread.textContent = "";
    turns.forEach(function (t) { thread.appendChild(renderTurn(t)); });
  }

  function history() {
    var msgs = [];
    turns.forEach(function (t) {
      if (t.error) return;
      msgs.push({ role: "user", content: t.question });
      var r = t.response;
      msgs.push({ role: "assistant", content: (r && !r.abstained && r.answer) ? r.answer.text : ABSTAIN_TEXT });
    });
    return msgs.slice(-HISTORY_TURNS);
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    statusEl.textContent = on ? "Searching the documents\u2026" : "";
  }

  function ask(question) {
    var body = JSON.stringify({ question: question, history: history() });
    setBusy(true);
    return fetch("/api/ask", { method: "POST", headers: { "Content-Type": "application/json" }, body: body })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (data) {
          if (!res.ok || !data) {
            var message = data && data.error && data.error.message ? data.error.message
              : "The server answered " + res.status + ".";
            return { question: question, error: message };
          }
          return { question: question, response: data };
        });
      }, function () {
        return { question: question, error: "Network error: could not reach the server." };
      })
      .then(function (turn) {
        turns.push(turn);
        save();
        var node = renderTurn(turn);
        var lastChild = node.lastChild;
        thread.appendChild(node);
        if (lastChild && lastChild.scrollIntoView) lastChild.scrollIntoView({ block: "nearest" });
        setBusy(false);
      });
  }

  function submit() {
    var q = input.value.trim();
    if (!q || busy) return;
    input.value = "";
    ask(q).then(function () { input.focus(); });
  }

  /* ---------- source panel ---------- */

  function docUrl(id) {
    return "/api/documents/" + String(id).split("/").map(encodeURIComponent).join("/");
  }

  function showSpan(start, end) {
    var text = current.doc.text || "";
    panelText.textContent = "";
    panelText.appendChild(document.createTextNode(text.slice(0, start)));
    var mark = el("mark", null, text.slice(start, end));
    mark.setAttribute("data-role", "highlight");
    panelText.appendChild(mark);
    panelText.appendChild(document.createTextNode(text.slice(end)));
    var passages = current.doc.passages || [];
    prevBtn.disabled = !(current.index > 0);
    nextBtn.disabled = !(current.index >= 0 && current.index < passages.length - 1);
    if (mark.scrollIntoView) mark.scrollIntoView({ block: "center" });
  }

  function movePassage(delta) {
    if (!current) return;
    var passages = current.doc.passages || [];
    var i = current.index + delta;
    if (i < 0 || i >= passages.length) return;
    current.index = i;
    showSpan(passages[i].start, passages[i].end);
  }

  function openSource(citation, evt) {
    lastOpener = evt && evt.currentTarget ? evt.currentTarget : document.activeElement;
    panel.hidden = false;
    panelTitle.textContent = "Loading\u2026";
    panelMeta.textContent = "";
    panelText.textContent = "";
    fetch(docUrl(citation.document_id))
      .then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new Error((data && data.error && data.error.message) || ("Error " + res.status));
          return data;
        });
      })
      .then(function (doc) {
        var passages = doc.passages || [];
        var index = -1;
        for (var i = 0; i < passages.length; i++) {
          if (passages[i].start <= citation.start && citation.start < passages[i].end) { index = i; break; }
        }
        current = { doc: doc, index: index };
        panelTitle.textContent = doc.title || doc.id;
        panelMeta.textContent = [doc.source, doc.published].filter(Boolean).join(" · ");
        showSpan(citation.start, citation.end);
        closeBtn.focus({ preventScroll: true });
      })
      .catch(function (err) {
        current = null;
        panelTitle.textContent = "Could not load the source";
        panelText.textContent = String(err && err.message ? err.message : err);
      });
  }

  function closePanel() {
    panel.hidden = true;
    current = null;
    if (lastOpener && lastOpener.focus && document.contains(lastOpener)) lastOpener.focus();
  }

  /* ---------- wiring ---------- */

  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  clearBtn.addEventListener("click", function () {
    turns = [];
    save();
    try { window.localStorage.removeItem(STORE_KEY); } catch (e) { /* ignore */ }
    renderAll();
    if (!panel.hidden) closePanel();
    input.focus();
  });
  closeBtn.addEventListener("click", closePanel);
  prevBtn.addEventListener("click", function () { movePassage(-1); });
  nextBtn.addEventListener("click", function () { movePassage(1); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) closePanel();
  });

  renderAll();
})();
