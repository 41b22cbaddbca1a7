// The operations room's large screen: shows one view at a time (tiles, alerts, map, rankings),
// the next every few seconds, with nothing to click. The live part is swapped by HTMX when
// data changes; the rotation finds the views again each time, so nothing accumulates.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var seconds = Number(document.body.dataset.seconds || 20);
  var at = 0;
  function views() { return Array.prototype.slice.call(document.querySelectorAll(".wall-view")); }
  function show() {
    var all = views();
    if (!all.length) { return; }
    at = at % all.length;
    all.forEach(function (v, i) { v.classList.toggle("active", i === at); });
    if (all[at].dataset.view === "map") { window.dispatchEvent(new Event("resize")); }
  }
  document.body.addEventListener("htmx:afterSwap", show);
  window.setInterval(function () { at += 1; show(); }, seconds * 1000);
  show();
  // Start afresh every six hours: whatever a browser keeps over days, it lets go.
  window.setTimeout(function () { window.location.reload(); }, 6 * 3600 * 1000);
});
