// The board refreshes itself: every few seconds it asks /board.json and redraws the tables.
// Text only (textContent), never HTML from the server. Signed out (the session idled away),
// the request is redirected to the login page, and the page goes there too.
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var COLUMNS = ["ref", "needs", "area", "language", "source", "age", "with", "state"];

  function cell(row, column) {
    var td = document.createElement("td");
    if (column === "ref") {
      var link = document.createElement("a");
      link.href = "/handoffs/" + encodeURIComponent(row.ref);
      link.textContent = row.ref;
      td.appendChild(link);
    } else if (column === "needs") {
      td.textContent = row.needs.join(", ") || "-";
    } else if (column === "state") {
      td.textContent = row.outcome || row.state;
    } else {
      td.textContent = row[column] || "-";
    }
    return td;
  }

  function draw(groups) {
    Object.keys(groups).forEach(function (key) {
      var section = document.getElementById("group-" + key);
      if (!section) { return; }
      var body = section.querySelector("tbody");
      var rows = groups[key];
      section.querySelector(".count").textContent = String(rows.length);
      body.replaceChildren();
      if (!rows.length) {
        var empty = document.createElement("tr");
        empty.className = "empty";
        var td = document.createElement("td");
        td.colSpan = COLUMNS.length;
        td.textContent = "None";
        empty.appendChild(td);
        body.appendChild(empty);
        return;
      }
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        tr.dataset.ref = row.ref;
        if (row.urgent) { tr.className = "urgent"; }
        COLUMNS.forEach(function (column) { tr.appendChild(cell(row, column)); });
        body.appendChild(tr);
      });
    });
    document.getElementById("updated").textContent = "(updated " + new Date().toLocaleTimeString() + ")";
  }

  function poll() {
    fetch("/board.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.redirected) { window.location.assign("/login"); return null; }
        if (!response.ok) { return null; }
        return response.json();
      })
      .then(function (data) { if (data) { draw(data.groups); } })
      .catch(function () { /* the console is restarting: try again at the next tick */ })
      .finally(function () { window.setTimeout(poll, EVERY_MS); });
  }

  window.setTimeout(poll, EVERY_MS);
})();
