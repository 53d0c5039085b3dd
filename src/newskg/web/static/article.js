// The article view: a popup for each claim mark, the claims table's filters, and the map (no tiles: offline).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("article-data").textContent);
  var popup = document.getElementById("claim-popup");
  var hint = document.getElementById("claim-hint");

  function text(tag, className, content) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = content;
    return el;
  }

  function showClaim(mark) {
    var id = mark.dataset.claim;
    var claim = data.claims[id];
    var annotating = document.getElementById("annotate-form");
    if (!claim || (annotating && !annotating.hidden)) { return; }  // the form has the panel while it is open
    document.querySelectorAll("mark.claim.active").forEach(function (m) { m.classList.remove("active"); });
    document.querySelectorAll('mark.claim[data-claim="' + CSS.escape(id) + '"]').forEach(function (m) { m.classList.add("active"); });
    popup.replaceChildren();
    popup.className = "claim-popup status-" + claim.status;
    popup.appendChild(text("h3", "", claim.label));
    var who = document.createElement("p");
    who.className = "claimant";
    who.appendChild(document.createTextNode("Claimant: "));
    var link = document.createElement("a");
    link.href = claim.claimantHref;
    link.textContent = claim.claimant;
    who.appendChild(link);
    popup.appendChild(who);
    if (claim.relayedBy.length) { popup.appendChild(text("p", "relayed", "Relayed by: " + claim.relayedBy.join(", "))); }
    var status = text("p", "", "Status: ");
    status.appendChild(text("span", "status status-" + claim.status, claim.status));
    if (claim.withdrawnBy) { status.appendChild(document.createTextNode(" (withdrawn by " + claim.withdrawnBy + ")")); }
    popup.appendChild(status);
    if (claim.stated) { popup.appendChild(text("p", "stated", "Stated: " + claim.stated)); }
    var translation = text("p", "translation", claim.translation);
    translation.lang = "en";
    popup.appendChild(translation);
    var page = document.createElement("a");
    page.href = claim.href;
    page.className = "claim-link";
    page.textContent = "Claim page →";
    popup.appendChild(page);
    popup.hidden = false;
    hint.hidden = true;
    var rect = mark.getBoundingClientRect();
    var panel = popup.offsetParent ? popup.offsetParent.getBoundingClientRect() : { top: 0 };
    popup.style.top = Math.max(0, rect.top - panel.top) + "px";
  }

  // Delegated, so that marks re-rendered after a claim is added (annotate.js) behave the same.
  var articleText = document.getElementById("article-text");  // absent for a report whose text we do not hold
  ["mouseover", "focusin", "click"].forEach(function (type) {
    if (!articleText) { return; }
    articleText.addEventListener(type, function (event) {
      var mark = event.target.closest && event.target.closest("mark.claim[data-claim]");
      if (mark && articleText.contains(mark)) { showClaim(mark); }
    });
  });
  document.addEventListener("newskg:article-changed", function () {
    data = JSON.parse(document.getElementById("article-data").textContent);
    filter();
  });

  if (window.location.hash) {
    var target = document.querySelector('mark.claim[data-claim="' + CSS.escape(window.location.hash.slice(1)) + '"]');
    if (target) { target.scrollIntoView({ block: "center" }); showClaim(target); }
  }
  document.getElementById("claims-table").addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a.jump[data-claim]");
    if (!a) { return; }
    var target = document.querySelector('mark.claim[data-claim="' + CSS.escape(a.dataset.claim) + '"]');
    if (target) { event.preventDefault(); target.scrollIntoView({ block: "center" }); target.focus(); }
  });

  // Filters of the claims table.
  var claimant = document.getElementById("filter-claimant");
  var status = document.getElementById("filter-status");
  var count = document.getElementById("filter-count");
  function filter() {
    var rows = document.querySelectorAll("#claims-table tbody tr");
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!claimant.value || row.dataset.claimant === claimant.value) &&
               (!status.value || row.dataset.status === status.value);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length;
  }
  claimant.addEventListener("change", filter);
  status.addEventListener("change", filter);

  function placePopup(p) {  // built as nodes: labels come from the store and are never parsed as markup
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.href;
    link.textContent = p.label;
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(p.lat + ", " + p.lon));
    box.appendChild(document.createElement("br"));
    box.appendChild(text("small", "", p.graph_name));
    return box;
  }

  // The map: Leaflet with no tile layer; a graticule and Kazakhstan's bounding box drawn as vectors.
  var mapEl = document.getElementById("map");
  if (window.L && mapEl) {
    var map = L.map(mapEl, { attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false });
    var lines = [];
    for (var lon = 0; lon <= 140; lon += 5) { lines.push([[15, lon], [75, lon]]); }
    for (var lat = 15; lat <= 75; lat += 5) { lines.push([[lat, 0], [lat, 140]]); }
    L.polyline(lines, { color: "#b9c4cf", weight: 1, interactive: false }).addTo(map);
    var kz = [[40.57, 46.49], [55.44, 87.36]];
    L.rectangle(kz, { color: "#5a7fa6", weight: 1.5, fillColor: "#dfe9f3", fillOpacity: 0.6, dashArray: "4 3" })
      .bindTooltip("Kazakhstan (bounding box)", { sticky: true }).addTo(map);
    L.marker([55.0, 47.2], { icon: L.divIcon({ className: "map-caption", html: "Kazakhstan (bounding box)", iconSize: [180, 16], iconAnchor: [0, 0] }), interactive: false }).addTo(map);
    data.places.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], { radius: 7, color: "#8a1c1c", weight: 2, fillColor: "#d9534f", fillOpacity: 0.9 })
        .bindTooltip(text("span", "", p.label), { permanent: true, direction: "right", className: "place-label" })
        .bindPopup(placePopup(p))
        .addTo(map);
    });
    map.fitBounds(L.latLngBounds(kz).pad(0.15));
  }
})();
