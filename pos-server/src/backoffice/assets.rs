//! The back office's static files: a small style sheet and the script that
//! follows the live feed (Server-Sent Events) and updates the dashboard
//! without reloading. Both are served from the same origin, so the pages
//! run under a strict Content-Security-Policy (no inline script).

/// `/backoffice.css`.
pub const CSS: &str = r#"body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{display:flex;gap:1em;align-items:center;flex-wrap:wrap;padding:.5em 1em;background:#1f3b57;color:#fff}
header a{color:#fff;margin-right:.8em}
main{padding:1em;max-width:1100px}
.inline{display:inline}
.kpis{display:flex;gap:1em;flex-wrap:wrap}
.kpi{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:12em}
.kpi strong{display:block;font-size:1.6em}
.ok{color:#1e7b34}.ko{color:#b03a2e}
table{border-collapse:collapse;margin:.5em 0 1.5em;background:#fff}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{background:#fff;border:1px solid #ddd;padding:.5em;margin:.5em 0}
.error{color:#b03a2e;font-weight:bold}
form.login{display:grid;gap:.5em;max-width:20em}
"#;

/// `/backoffice.js`.
pub const JS: &str = r#""use strict";
(function () {
  var root = document.getElementById("dashboard");
  if (!root || !window.EventSource) { return; }
  var url = "/live?day=" + encodeURIComponent(root.dataset.day) +
    (root.dataset.store ? "&store=" + encodeURIComponent(root.dataset.store) : "");
  var feed = new EventSource(url);
  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  feed.addEventListener("dashboard", function (ev) {
    var d = JSON.parse(ev.data);
    text("day-total", d.total);
    text("day-tickets", String(d.tickets));
    text("week-total", d.previous_week_total);
    text("z-total", d.closures_total);
    var list = document.getElementById("latest");
    if (list) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      d.latest.forEach(function (t) {
        var li = document.createElement("li");
        li.textContent = t.time + " · " + t.store + " · " + t.till + " · " + t.doc + " · " + t.total;
        list.appendChild(li);
      });
    }
    var charts = document.getElementById("charts");
    // Server-rendered SVG: every value in it is escaped on the server.
    if (charts && typeof d.charts === "string") { charts.innerHTML = d.charts; }
    root.dataset.updates = String(Number(root.dataset.updates || "0") + 1);
    text("live-state", "en direct · mis à jour à " + d.at);
  });
  feed.onerror = function () { text("live-state", "reconnexion…"); };
})();
"#;
