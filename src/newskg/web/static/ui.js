// The query UI: YASGUI on this server's /sparql, with our prefixes and the example questions. No network beyond
// this origin: the remote autocompleters (prefix.cc, LOV) are switched off.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("newskg-config").textContent);
  var endpoint = new URL("/sparql", window.location.href).href;
  var prefixBlock = Object.keys(config.prefixes).map(function (name) {
    return "PREFIX " + name + ": <" + config.prefixes[name] + ">";
  }).join("\n");
  var defaultQuery = prefixBlock + "\n\n# Every claim with its claimant and status\n" +
    "SELECT ?claim ?claimant ?status ?quote WHERE {\n" +
    "  ?claim a nkg:Claim ; nkg:claimant ?claimant ; nkg:status ?status ; nkg:quote ?quote .\n" +
    "}\nORDER BY ?claim\n";

  Yasgui.Yasqe.defaults.value = defaultQuery;
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  Yasgui.Yasr.defaults.prefixes = config.prefixes;
  Yasgui.defaults.requestConfig.endpoint = endpoint;

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "newskg-yasgui",
    yasqe: { value: defaultQuery, autocompleters: ["variables"] },
    yasr: { prefixes: config.prefixes }
  });
  window.yasgui = yasgui;

  // Tabs restored from an earlier visit may point at another port or host: keep them on this server.
  Object.keys(yasgui._tabs).forEach(function (id) {
    var tab = yasgui._tabs[id];
    if (tab && tab.getEndpoint && tab.getEndpoint() !== endpoint) { tab.setEndpoint(endpoint); }
  });

  function tabName(example) {
    var number = example.name.split("-")[0];
    var title = example.title.length > 38 ? example.title.slice(0, 36) + "…" : example.title;
    return number + ": " + title;
  }

  function openExample(example) {
    var name = tabName(example);
    var ids = Object.keys(yasgui._tabs);
    for (var i = 0; i < ids.length; i++) {
      var existing = yasgui.getTab(ids[i]);
      if (existing && existing.getName() === name) {
        yasgui.selectTabId(ids[i]);
        existing.setQuery(example.query);
        return existing;
      }
    }
    return yasgui.addTab(true, { name: name, yasqe: { value: example.query }, requestConfig: { endpoint: endpoint } });
  }
  window.newskgOpenExample = function (index) { return openExample(config.examples[index]); };

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () { openExample(config.examples[Number(button.dataset.index)]); });
  });
  document.getElementById("add-prefixes").addEventListener("click", function () {
    var yasqe = yasgui.getTab().getYasqe();
    yasqe.addPrefixes(config.prefixes);
  });

  // Result links to minted IRIs go to this server's pages, not to the (offline) public base.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link) { return; }
    var href = link.getAttribute("href");
    if (href.indexOf(config.baseIri) === 0) {
      link.setAttribute("href", "/" + href.slice(config.baseIri.length));
    } else if (href.indexOf("https://w3id.org/newskg/ontology") === 0) {
      link.setAttribute("href", "/ontology" + href.slice("https://w3id.org/newskg/ontology".length));
    }
  }, true);
})();
