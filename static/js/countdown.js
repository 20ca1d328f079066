// qportal: live deadline countdowns. Every element with data-due (an ISO time) shows the time
// left, or "overdue by …" in red, refreshed every 30 s. The server renders the same text, so
// a page without JavaScript is right when it loads; the patterns come translated in the
// element's data-left, data-overdue and data-units ("{d} d {h} h|{h} h {m} min|{m} min").
(function () {
  "use strict";

  function fill(pattern, values) {
    return String(pattern || "").replace(/\{(\w)\}/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  function duration(ms, units) {
    var total = Math.floor(Math.abs(ms) / 60000);
    var d = Math.floor(total / 1440);
    var h = Math.floor((total % 1440) / 60);
    var m = total % 60;
    if (d) return fill(units[0], { d: d, h: h });
    if (h) return fill(units[1], { h: h, m: m });
    return fill(units[2], { m: m });
  }

  function refresh(el, now) {
    var due = Date.parse(el.dataset.due);
    if (isNaN(due)) return;
    var left = due - now;
    var overdue = left < 0;
    var text = fill(overdue ? el.dataset.overdue : el.dataset.left, {
      t: duration(left, (el.dataset.units || "").split("|")),
    });
    var out = el.querySelector(".countdown-text");
    if (out && out.textContent !== text) out.textContent = text;
    el.classList.toggle("text-danger", overdue);
  }

  function refreshAll(root) {
    var now = Date.now();
    root = root || document;
    if (root.matches && root.matches("[data-due]")) refresh(root, now);
    root.querySelectorAll("[data-due]").forEach(function (el) {
      refresh(el, now);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    refreshAll(document);
    window.setInterval(function () {
      refreshAll(document);
    }, 30000);
  });
  // Fragments swapped in by htmx get their countdown at once.
  document.addEventListener("htmx:load", function (event) {
    refreshAll(event.detail.elt);
  });
})();
