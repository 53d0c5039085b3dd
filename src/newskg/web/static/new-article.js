// The new-article page: checked in context as it changes (POST /articles/validate), added with the write token
// (kept in sessionStorage, this tab only) through POST /articles. Everything shown is text, never markup.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form || !window.fetch) { return; }
  var TOKEN_KEY = "newskg-write-token";
  var report = document.getElementById("article-report");
  var tokenInput = document.getElementById("a-token");
  var submitButton = document.getElementById("article-submit");
  var timer = null;
  var serial = 0;
  var FIELDS = ["text", "url", "title", "publisher", "date", "lang"];

  submitButton.disabled = false;
  try { tokenInput.value = window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { /* storage disabled */ }

  function body() {
    var value = {};
    FIELDS.forEach(function (name) { value[name] = form.elements[name].value; });
    return JSON.stringify(value);
  }

  function setState(state, message) {
    report.dataset.state = state;
    report.querySelector("p.state").textContent = message;
  }

  function show(answer, message) {
    form.querySelectorAll("ul.field-errors").forEach(function (ul) { ul.replaceChildren(); });
    form.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); });
    var other = report.querySelector("ul.other-errors");
    other.replaceChildren();
    var problems = (answer.errors || []).map(function (e) { return [e.column, e.message]; })
      .concat((answer.results || []).map(function (r) { return [null, r.message]; }));
    problems.forEach(function (p) {
      var item = document.createElement("li");
      var slot = p[0] && form.querySelector('ul.field-errors[data-errors-for="' + CSS.escape(p[0]) + '"]');
      item.textContent = slot ? p[1] : (p[0] ? p[0] + ": " : "") + p[1];
      (slot || other).appendChild(item);
      if (slot && form.elements[p[0]]) { form.elements[p[0]].classList.add("has-error"); }
    });
    if (message) { setState("problems", message); return; }
    setState(answer.conforms ? "conforms" : "problems", answer.conforms ? "Conforms: it can be added."
      : problems.length + " problem" + (problems.length === 1 ? "" : "s") + " to fix.");
  }

  function answerOf(response) {
    return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
  }

  function refusal(got) {
    var detail = got.answer && got.answer.detail;
    if (detail && (detail.errors || detail.results)) {
      show({ errors: detail.errors || [], results: detail.results || [] }, got.answer.message || "Refused.");
    } else {
      show({}, (got.answer && got.answer.message) || "Refused (" + got.status + ").");
    }
  }

  function check() {
    var mine = ++serial;
    setState("checking", "Checking…");
    fetch("/articles/validate", { method: "POST", body: body(),
      headers: { "Content-Type": "application/json", Accept: "application/json" } })
      .then(answerOf)
      .then(function (got) {
        if (mine !== serial) { return; }
        if (got.status === 200) { show(got.answer); } else { refusal(got); }
      })
      .catch(function (error) { setState("failed", "The check failed: " + String(error).slice(0, 200)); });
  }

  form.addEventListener("input", function (event) {
    if (event.target === tokenInput) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 500);
  });

  var publishers = document.getElementById("a-publishers");
  var publisherTimer = null;
  form.elements.publisher.addEventListener("input", function () {
    window.clearTimeout(publisherTimer);
    var q = form.elements.publisher.value.trim();
    if (!q) { return; }
    publisherTimer = window.setTimeout(function () {
      fetch("/actors?limit=8&q=" + encodeURIComponent(q.slice(0, 500)))
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) {
          publishers.replaceChildren.apply(publishers, found.map(function (actor) {
            var option = document.createElement("option");
            option.value = actor.label;
            return option;
          }));
        })
        .catch(function () { /* suggestions are a convenience */ });
    }, 200);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = tokenInput.value.trim();
    if (!token) { setState("problems", "Type the write token to add the article."); tokenInput.focus(); return; }
    try { window.sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* storage disabled */ }
    window.clearTimeout(timer);
    serial += 1;
    submitButton.disabled = true;
    setState("checking", "Adding…");
    fetch("/articles", { method: "POST", body: body(),
      headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: "Bearer " + token } })
      .then(answerOf)
      .then(function (got) {
        if (got.status === 201) {
          var link = document.getElementById("article-link");
          link.href = "/article/" + encodeURIComponent(got.answer.iri.replace(/^.*\//, ""));
          link.textContent = form.elements.title.value.trim() || got.answer.iri;
          document.getElementById("article-done").hidden = false;
          setState("conforms", "Added.");
          form.hidden = true;
          return;
        }
        if (got.status === 401 || got.status === 403) {
          try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage disabled */ }
          tokenInput.value = "";
          setState("problems", "The token was refused: type it again.");
          return;
        }
        refusal(got);
      })
      .catch(function (error) { setState("failed", "Adding failed: " + String(error).slice(0, 200)); })
      .then(function () { submitButton.disabled = false; });
  });
})();
