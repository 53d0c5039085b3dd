// Annotating in the article view: select a passage, fill in the form (checked in context as it changes, through
// POST /claims/validate), submit with the write token (kept in sessionStorage, this tab only) to POST /claims, and
// see the new claim marked without a reload. Everything put into the page is text (textContent), never markup.
(function () {
  "use strict";
  var form = document.getElementById("annotate-form");
  var textEl = document.getElementById("article-text");
  if (!form || !textEl || !window.fetch) { return; }
  var TOKEN_KEY = "newskg-write-token";
  var article = form.dataset.article;
  var quoteEl = document.getElementById("annotate-quote");
  var whereEl = document.getElementById("annotate-where");
  var report = document.getElementById("annotate-report");
  var done = document.getElementById("annotate-done");
  var tokenInput = document.getElementById("f-token");
  var submitButton = document.getElementById("annotate-submit");
  var passage = null;  // {quote, start, end, occurrence, count}
  var checkTimer = null;
  var checking = null;  // the AbortController of the check in flight
  var checkSerial = 0;

  // Which field a SHACL result is about, by its path (sh:resultPath).
  var NKG = "https://w3id.org/newskg/ontology#";
  var FIELD_OF_PATH = {
    claimant: "claimant", translation: "translation", quote: "quote", charStart: "quote", charEnd: "quote",
    mention: "quote", status: "status", statedAt: "date", relayedBy: "relayed_by", aboutEvent: "event",
    certainty: "certainty", polarity: "polarity", tense: "tense", figureKind: "figure_kind", value: "figure_value",
    valueKnown: "figure_value", approximation: "figure_approximation", countedGroup: "figure_group",
    figureOf: "figure_of", withdrawnBy: "withdrawn_by", occurredAt: "withdrawal_date"
  };

  document.getElementById("annotate-hint").hidden = false;
  try { tokenInput.value = window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { /* storage disabled */ }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  // ------------------------------------------------------------------------------------------- the selection
  function offsetIn(container, node, offset) {
    var before = document.createRange();
    before.setStart(container, 0);
    before.setEnd(node, offset);
    return before.toString().length;  // a Range's text is the text nodes' data: the article's own characters
  }

  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return null; }
    var range = selection.getRangeAt(0);
    if (!textEl.contains(range.startContainer) || !textEl.contains(range.endContainer)) { return null; }
    var text = textEl.textContent;
    var start = offsetIn(textEl, range.startContainer, range.startOffset);
    var end = offsetIn(textEl, range.endContainer, range.endOffset);
    while (start < end && /\s/.test(text.charAt(start))) { start += 1; }
    while (end > start && /\s/.test(text.charAt(end - 1))) { end -= 1; }
    if (end <= start) { return null; }
    var quote = text.slice(start, end);
    var starts = [];
    for (var at = text.indexOf(quote); at !== -1; at = text.indexOf(quote, at + 1)) { starts.push(at); }
    return { quote: quote, start: start, end: end, occurrence: starts.indexOf(start) + 1, count: starts.length };
  }

  function openForm(found) {
    passage = found;
    quoteEl.textContent = found.quote;
    whereEl.textContent = found.count > 1
      ? "occurrence " + found.occurrence + " of " + found.count + " in the text" : "";
    form.hidden = false;
    done.hidden = true;
    document.getElementById("claim-popup").hidden = true;
    document.getElementById("claim-hint").hidden = true;
    scheduleCheck(0);
  }

  var selectionTimer = null;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(selectionTimer);
    selectionTimer = window.setTimeout(function () {
      var found = readSelection();
      if (found && (!passage || found.start !== passage.start || found.end !== passage.end)) { openForm(found); }
    }, 150);
  });

  // ------------------------------------------------------------------------------------------- the row
  function row() {
    var cells = { quote: passage.quote };
    if (passage.count > 1) { cells.occurrence = String(passage.occurrence); }
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (field) {
      if (field.name === "token") { return; }
      var value = field.dataset.iri && field.dataset.label === field.value ? field.dataset.iri : field.value.trim();
      if (value || field.name === "claimant" || field.name === "translation") { cells[field.name] = value; }  // required
    });
    if (cells.event_new) { cells.event = cells.event_label || ""; }  // a new event: the event column holds its name
    delete cells.event_label;
    if (!cells.figure_kind) { delete cells.figure_approximation; }  // a select's default is not a figure
    if (cells.status === "asserted") { delete cells.status; }  // the default; withdrawal fields then stand out
    return cells;
  }

  function body() {
    return JSON.stringify({ article: article, claims: [row()] });
  }

  // ------------------------------------------------------------------------------------------- the report
  function clearReport() {
    form.querySelectorAll("ul.field-errors").forEach(function (ul) { ul.replaceChildren(); });
    form.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); });
    report.querySelector("ul.other-errors").replaceChildren();
  }

  function addProblem(column, message) {
    var slot = column ? form.querySelector('ul.field-errors[data-errors-for="' + CSS.escape(column) + '"]') : null;
    var field = column ? form.querySelector('[name="' + CSS.escape(column) + '"]') : null;
    if (field) { field.classList.add("has-error"); }
    (slot || report.querySelector("ul.other-errors")).appendChild(el("li", "problem", (slot ? "" : (column ? column + ": " : "")) + message));
  }

  function fieldOfPath(path) {
    if (typeof path !== "string") { return null; }
    var local = path.indexOf(NKG) === 0 ? path.slice(NKG.length) : path.replace(/^.*[#\/]/, "");
    return FIELD_OF_PATH[local] || null;
  }

  function showReport(answer, state) {
    clearReport();
    (answer.errors || []).forEach(function (e) { addProblem(e.column, e.message); });
    (answer.results || []).forEach(function (r) {
      var field = fieldOfPath(r.path);
      addProblem(field, (r.severity ? r.severity.replace(/^.*#/, "") + ": " : "") + r.message);
    });
    var count = (answer.errors || []).length + (answer.results || []).length;
    setState(state || (answer.conforms ? "conforms" : "problems"),
             state ? null : (answer.conforms ? "Conforms: it can be added." : count + " problem" + (count === 1 ? "" : "s") + " to fix."));
  }

  function setState(state, message) {
    report.dataset.state = state;
    if (message !== null && message !== undefined) { report.querySelector("p.state").textContent = message; }
  }

  // ------------------------------------------------------------------------------------------- live check
  function scheduleCheck(delay) {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(check, delay === undefined ? 400 : delay);
  }

  function check() {
    if (!passage) { return; }
    if (checking) { checking.abort(); }
    var controller = window.AbortController ? new AbortController() : null;
    checking = controller;
    var serial = ++checkSerial;
    setState("checking", "Checking…");
    fetch("/claims/validate", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body(), signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (got) {
      if (serial !== checkSerial) { return; }
      if (got.status === 200) { showReport(got.answer); return; }
      showError(got.answer);
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      setState("failed", "The check failed: " + String(error).slice(0, 200));
    });
  }

  function showError(answer) {
    var detail = answer && answer.detail;
    clearReport();
    if (detail && (detail.errors || detail.results)) {
      showReport({ conforms: false, errors: detail.errors || [], results: detail.results || [] });
      return;
    }
    setState("problems", (answer && answer.message) || "The server refused it.");
  }

  var statusSelect = document.getElementById("f-status");
  var withdrawal = form.querySelector(".withdrawal");
  function showWithdrawal() { withdrawal.hidden = statusSelect.value !== "withdrawn"; }
  statusSelect.addEventListener("change", showWithdrawal);
  showWithdrawal();

  form.addEventListener("input", function (event) {
    if (event.target === tokenInput || event.target.hasAttribute("data-actor-search")) { return; }
    scheduleCheck();
  });
  form.addEventListener("change", function (event) {
    if (event.target === tokenInput) { return; }
    scheduleCheck();
  });

  // ------------------------------------------------------------------------------------------- actor search
  form.querySelectorAll("input[data-actor-search]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var timer = null;
    var serial = 0;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function choose(actor) {
      input.value = actor.label;
      input.dataset.label = actor.label;
      input.dataset.iri = actor.iri;
      close();
      scheduleCheck(0);
    }
    function search() {
      var q = input.value.trim();
      var mine = ++serial;
      if (!q) { close(); return; }
      fetch("/actors?limit=8&q=" + encodeURIComponent(q.slice(0, 500)), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) {
          if (mine !== serial) { return; }
          list.replaceChildren();
          found.forEach(function (actor) {
            var item = el("li", "actor-option");
            item.setAttribute("role", "option");
            item.dataset.iri = actor.iri;
            item.appendChild(el("span", "label", actor.label));
            item.appendChild(el("small", "", " " + (actor.qid || actor.iri.replace(/^.*\//, ""))));
            item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(actor); });
            list.appendChild(item);
          });
          list.hidden = found.length === 0;
          input.setAttribute("aria-expanded", found.length ? "true" : "false");
        })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      delete input.dataset.iri;
      delete input.dataset.label;
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
      scheduleCheck(700);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
      if (event.key === "Enter" && !list.hidden && list.firstChild) {
        event.preventDefault();
        list.firstChild.dispatchEvent(new MouseEvent("mousedown"));
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  });

  // ------------------------------------------------------------------------------------------- submit
  function resetForm() {
    form.reset();
    form.querySelectorAll("input[data-actor-search]").forEach(function (input) {
      delete input.dataset.iri;
      delete input.dataset.label;
    });
    try { tokenInput.value = window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { /* storage disabled */ }
    clearReport();
    setState("", "");
    passage = null;
    document.getElementById("annotate-figure").open = false;
    showWithdrawal();
    form.hidden = true;
  }

  document.getElementById("annotate-cancel").addEventListener("click", function () {
    resetForm();
    window.getSelection().removeAllRanges();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!passage) { return; }
    var token = tokenInput.value.trim();
    if (!token) {
      setState("problems", "Type the write token to add the claim.");
      tokenInput.focus();
      return;
    }
    try { window.sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* storage disabled */ }
    window.clearTimeout(checkTimer);
    if (checking) { checking.abort(); }
    checkSerial += 1;
    submitButton.disabled = true;
    setState("checking", "Adding…");
    fetch("/claims", {
      method: "POST", body: body(),
      headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: "Bearer " + token }
    }).then(function (response) {
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (got) {
      if (got.status === 201) { return added(got.answer.claims || []); }
      if (got.status === 401 || got.status === 403) {
        try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage disabled */ }
        tokenInput.value = "";
        setState("problems", "The token was refused: type it again.");
        return;
      }
      showError(got.answer);
    }).catch(function (error) {
      setState("failed", "Adding failed: " + String(error).slice(0, 200));
    }).then(function () { submitButton.disabled = false; });
  });

  // ------------------------------------------------------------------------------------------- re-render
  function added(claims) {
    var ids = claims.map(function (iri) { return iri.replace(/^.*\//, ""); });
    return fetch(window.location.pathname, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");  // parsed inert: no script runs
        var text = fresh.getElementById("article-text");
        var rows = fresh.querySelector("#claims-table tbody");
        var data = fresh.getElementById("article-data");
        if (!text || !rows || !data) { throw new Error("the article view could not be read"); }
        textEl.replaceChildren.apply(textEl, Array.from(text.childNodes).map(function (n) { return document.adoptNode(n); }));
        var tbody = document.querySelector("#claims-table tbody");
        tbody.replaceChildren.apply(tbody, Array.from(rows.childNodes).map(function (n) { return document.adoptNode(n); }));
        document.getElementById("article-data").textContent = data.textContent;
        // a new claimant or status can be filtered on; a new event can be chosen for the next claim
        ["filter-claimant", "filter-status", "f-event", "f-figure_of"].forEach(function (id) {
          var select = document.getElementById(id);
          var options = fresh.getElementById(id);
          if (!select || !options) { return; }
          var chosen = select.value;
          select.replaceChildren.apply(select, Array.from(options.childNodes).map(function (n) { return document.adoptNode(n); }));
          select.value = chosen;
        });
        var meta = fresh.querySelector("p.meta");
        if (meta) { document.querySelector("p.meta").replaceWith(document.adoptNode(meta)); }
        var chart = fresh.getElementById("figure-chart");  // a new figure is a new point
        var shown = document.getElementById("figure-chart");
        if (chart && shown) { shown.replaceWith(document.adoptNode(chart)); }
        document.dispatchEvent(new CustomEvent("newskg:article-changed"));
        ids.forEach(function (id) {
          document.querySelectorAll('[data-claim="' + CSS.escape(id) + '"]').forEach(function (node) { node.classList.add("new"); });
        });
        resetForm();
        done.textContent = "Added: " + ids.join(", ") + ". It is marked in the text and listed in the table.";
        done.hidden = false;
        var first = textEl.querySelector('mark.claim.new');
        if (first) { first.scrollIntoView({ block: "center" }); }
      });
  }
})();
